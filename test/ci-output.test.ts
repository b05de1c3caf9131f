// For CI: report --junit writes the checks as JUnit XML (one testcase per check, failures with their
// messages), and with $GITHUB_STEP_SUMMARY set the markdown summary is appended to that file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../src/cli.js';
import type { ScenarioResult } from '../src/results/row.js';

const FIX = join(import.meta.dirname, 'fixtures', 'report');
const tmp = () => mkdtempSync(join(tmpdir(), 'lossbench-ci-'));

async function cli(
  args: string[],
  env: Record<string, string | undefined> = {},
): Promise<{ code: number; out: string; err: string }> {
  const [log, error] = [console.log, console.error];
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  const out: string[] = [];
  const err: string[] = [];
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  for (const [k, v] of Object.entries(env))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  try {
    return { code: await main(args), out: out.join('\n'), err: err.join('\n') };
  } finally {
    [console.log, console.error] = [log, error];
    for (const [k, v] of Object.entries(saved))
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
  }
}

/** runA with its chunked SigLIP series made to grow as N² (a failing check). */
function failingRun(): string {
  const dir = join(tmp(), 'run');
  cpSync(join(FIX, 'runA'), dir, { recursive: true });
  const lines = readFileSync(join(dir, 'results.jsonl'), 'utf8').split('\n');
  const changed = lines.map((l) => {
    if (!l.includes('"siglip/chunked/single/')) return l;
    try {
      const r = JSON.parse(l) as ScenarioResult;
      return JSON.stringify({ ...r, peak_tensor_bytes: 20 * r.n * r.n });
    } catch {
      return l; // the torn last line stays torn
    }
  });
  writeFileSync(join(dir, 'results.jsonl'), changed.join('\n'));
  return dir;
}

test('report --junit: a testcase per check, a FAIL a failure with its message, also when --check fails', async () => {
  const dir = failingRun();
  const xml = join(tmp(), 'reports', 'junit.xml'); // its folder is made
  const r = await cli(['report', dir, '--check', '--junit', xml], { GITHUB_STEP_SUMMARY: undefined });
  assert.equal(r.code, 1, r.err);
  const text = readFileSync(xml, 'utf8');
  assert.match(text, /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<testsuites tests="4" failures="1"/);
  assert.equal((text.match(/<testcase /g) ?? []).length, 4);
  assert.match(
    text,
    /<testcase classname="lossbench\.scaling\.N" name="siglip chunked single, D=256, c=128, W=1">\s*<failure message="slope 2\.00 over N, expected 1 ± 0\.3: slope off by 1\.00 \(points: [^"]+\)" type="ScalingCheck"\/>/,
  );
  assert.match(text, /<testcase classname="lossbench\.scaling\.N" name="clip naive single, D=256, W=1"\/>/);
});

test('report --junit --baseline: regressions are their own suite; a scenario no longer ok fails', async () => {
  const root = tmp();
  const [base, cur] = [join(root, 'base'), join(root, 'cur')];
  cpSync(join(FIX, 'runA'), base, { recursive: true });
  cpSync(join(FIX, 'runA'), cur, { recursive: true });
  const lines = readFileSync(join(cur, 'results.jsonl'), 'utf8').split('\n');
  lines[0] = JSON.stringify({
    ...JSON.parse(lines[0]!),
    status: 'oom',
    reason: 'RSS over --memory-limit',
    step_ms_median: null,
    peak_tensor_bytes: null,
  });
  writeFileSync(join(cur, 'results.jsonl'), lines.join('\n'));
  const xml = join(root, 'junit.xml');
  const r = await cli(['report', cur, '--baseline', base, '--junit', xml], { GITHUB_STEP_SUMMARY: undefined });
  assert.equal(r.code, 1);
  const text = readFileSync(xml, 'utf8');
  assert.match(text, /<testsuite name="lossbench regressions against [^"]+base" tests="\d+" failures="1"/);
  assert.match(
    text,
    /<testcase classname="lossbench\.regression\.status" name="clip\/naive\/single\/N256\/W1\/D256">\s*<failure message="no longer runs ok: ok → oom: RSS over --memory-limit" type="Regression"\/>/,
  );
});

test('$GITHUB_STEP_SUMMARY: the markdown summary is appended (answers, checks), what was there kept', async () => {
  const dir = failingRun();
  const summary = join(tmp(), 'step-summary.md');
  writeFileSync(summary, '## an earlier step\n');
  const r = await cli(['report', dir], { GITHUB_STEP_SUMMARY: summary });
  assert.equal(r.code, 0, 'no --check: exit 0');
  const md = readFileSync(summary, 'utf8');
  assert.ok(md.startsWith('## an earlier step\n'), 'appended, not overwritten');
  assert.match(md, /## lossbench report — AMD Ryzen 7 7840U \(wasm SIMD\) · cpu-wasm tfjs · laptop/);
  assert.match(md, /22 scenarios, 20 ok; scaling checks: 3 PASS, \*\*1 FAIL\*\*, 0 n\/a \(too few points\)\./);
  assert.match(md, /- \*\*Is SigLIP's memory O\(N\) and CLIP's O\(N²\)\?\*\* /);
  assert.match(md, /\| siglip chunked single, D=256, c=128, W=1 \| N \| 4 \| 2\.00 \| 1 ± 0\.3 \| FAIL \|/);
  assert.doesNotMatch(md, /!\[/, 'no images: their paths mean nothing on the summary page');
  // Unset: nothing is written anywhere.
  const other = join(tmp(), 'none.md');
  await cli(['report', dir], { GITHUB_STEP_SUMMARY: undefined });
  assert.equal(existsSync(other), false);
});
