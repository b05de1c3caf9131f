// A report works from whatever rows exist: every subset of a mixed sweep (one loss stopped at a smaller
// W than the other, failed top scenarios, a time budget's missing tail, a sweep still being written)
// renders every answer, check, finding, chart and table, saying "not settled"/"not measured" where data
// is missing and never throwing. Subsets are drawn from a seeded generator: the same ones every run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers, NOT_ANSWERED, type Answer } from '../src/report/answers/index.js';
import { regressionChecks, scalingChecks } from '../src/report/checks.js';
import { findings } from '../src/report/findings.js';
import { buildCharts } from '../src/report/charts.js';
import { resultRow as tableRow } from '../src/report/tables.js';
import { writeReport } from '../src/report/index.js';
import { predictedComm } from '../src/distributed/formulas.js';
import { STRATEGIES } from '../src/distributed/registry.js';
import type { ScenarioResult } from '../src/results/row.js';
import { resultRow } from './helpers/result-row.js';

/** mulberry32: a small seeded generator, so a failing subset can be found again. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FAILED = ['oom', 'error', 'timeout', 'skipped'] as const;

/** A mixed sweep: one device at N 128…2048 (two tile widths), every strategy at W 2, 4, 8 and two b. */
function mixedSweep(): ScenarioResult[] {
  const rows: ScenarioResult[] = [];
  for (const loss of ['clip', 'siglip'] as const) {
    for (const n of [128, 256, 512, 1024, 2048]) {
      const failsAt = loss === 'clip' ? 2048 : Infinity; // naive CLIP runs out of memory at the top
      rows.push(
        resultRow({
          loss,
          impl: 'naive',
          n,
          ...(n >= failsAt ? { status: 'oom', reason: 'out of memory', peak_tensor_bytes: null } : {}),
          peak_tensor_bytes: n >= failsAt ? null : 80 * n * n,
          step_ms_median: n / 10,
        }),
      );
      for (const chunk of [32, 64])
        rows.push(resultRow({ loss, impl: 'chunked', n, chunk, peak_tensor_bytes: 4000 * n, step_ms_median: n / 8 }));
    }
    for (const strategy of STRATEGIES[loss].filter((s) => s !== 'single'))
      for (const world of [2, 4, 8])
        for (const b of [32, 64]) {
          const c = predictedComm(loss, strategy, world, b, 64, 4);
          rows.push(
            resultRow({
              loss,
              impl: 'chunked',
              strategy,
              n: b * world,
              world,
              local_batch: b,
              comm_bytes_sent: c.bytesSent,
              comm_rounds: c.rounds,
              predicted_comm_bytes: c.bytesSent,
              peak_tensor_bytes: 1000 * b,
            }),
          );
        }
  }
  return rows;
}

/** A random subset, with some rows turned into failures (as a scenario that crashed, hung or was skipped). */
function subset(all: readonly ScenarioResult[], rand: () => number): ScenarioResult[] {
  const keep = rand();
  return all
    .filter(() => rand() < keep)
    .map((r) => {
      if (rand() > 0.1) return r;
      const status = FAILED[Math.floor(rand() * FAILED.length)]!;
      return { ...r, status, reason: status, step_ms_median: null, peak_tensor_bytes: null, comm_bytes_sent: null };
    });
}

function assertAnswered(list: Answer[], what: string): void {
  for (const a of list) {
    assert.ok(!a.answer.includes(NOT_ANSWERED), `${what}: ${a.topic} threw: ${a.answer}`);
    assert.doesNotMatch(a.answer, /undefined|NaN|Infinity|\[object/, `${what}: ${a.topic}: ${a.answer}`);
    assert.ok(
      a.settled || a.settle || /Not measured/.test(a.answer),
      `${what}: ${a.topic} unsettled says what would settle it`,
    );
  }
}

test('the sweep the issue reported: CLIP ring at W = 2, 4, SigLIP ring at W = 2 only', () => {
  const ring = (loss: 'clip' | 'siglip', world: number) => {
    const c = predictedComm(loss, 'ring', world, 16, 16, 4);
    return resultRow({
      loss,
      impl: 'chunked',
      strategy: 'ring',
      n: 16 * world,
      world,
      local_batch: 16,
      dim: 16,
      chunk: 16,
      comm_bytes_sent: c.bytesSent,
      comm_rounds: c.rounds,
    });
  };
  const list = answers([ring('clip', 2), ring('clip', 4), ring('siglip', 2)], null);
  assertAnswered(list, 'issue 19 sweep');
  const comm = list.find((a) => a.topic === 'communication')!;
  assert.match(comm.answer, /at W = 2 \(b = 16, D = 16/, 'compared where both losses ran');
  // Only W = 4 of CLIP and no SigLIP there: not settled, and it names where each ran.
  const apart = answers([ring('clip', 4), ring('siglip', 2)], null).find((a) => a.topic === 'communication')!;
  assert.equal(apart.settled, false);
  assert.match(apart.answer, /never ran ok at the same W, b and D.*CLIP at W = 4.*SigLIP at W = 2/);
  assert.match(apart.settle!, /--loss siglip .*--world 4 --local-batch 16 --dim 16/);
});

test('every answer, check, finding, chart and table renders on 300 random subsets of a mixed sweep', () => {
  const all = mixedSweep();
  const rand = random(19);
  for (let i = 0; i < 300; i++) {
    const rows = subset(all, rand);
    const what = `subset ${i} (${rows.length} rows)`;
    try {
      assertAnswered(answers(rows, null), what);
      scalingChecks(rows);
      findings(rows);
      buildCharts(rows);
      rows.forEach(tableRow);
      regressionChecks(rows, subset(all, rand), { timeTolerance: 1.5, memoryTolerance: 1.1 });
    } catch (err) {
      const ids = rows.map((r) => `${r.id} ${r.status}`).join('\n');
      assert.fail(`${what}: ${err instanceof Error ? err.stack : String(err)}\nrows:\n${ids}`);
    }
  }
});

test('report writes report.md for random subsets, empty included, with the questions in it', async () => {
  const all = mixedSweep();
  const rand = random(7);
  for (const rows of [[], subset(all, rand), subset(all, rand)]) {
    const dir = mkdtempSync(join(tmpdir(), 'lossbench-subset-'));
    writeFileSync(join(dir, 'results.jsonl'), rows.map((r) => JSON.stringify(r) + '\n').join(''));
    const s = await writeReport(dir);
    assertAnswered(s.answers, `${rows.length} rows`);
    const md = readFileSync(s.files.markdown, 'utf8');
    for (const a of s.answers) assert.ok(md.includes(a.question));
  }
});
