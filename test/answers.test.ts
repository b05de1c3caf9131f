// The Answers section: each question answered in a sentence or two with its figures and the scenarios
// it rests on, or "not settled" with the scenarios that would settle it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers, type Answer } from '../src/report/answers/index.js';
import { writeReport } from '../src/report/index.js';
import { loadRun } from '../src/results/load.js';
import { predictedComm } from '../src/distributed/formulas.js';
import type { ScenarioResult } from '../src/results/row.js';
import { resultRow } from './helpers/result-row.js';

const FIX = join(import.meta.dirname, 'fixtures', 'report');
const of = (list: Answer[], topic: Answer['topic']) => list.find((a) => a.topic === topic)!;

const row = resultRow;

/** Every strategy of both losses at W = 2, 4, 8, b = 64, D = 64, with the ledger equal to the formulas. */
function distributedRows(): ScenarioResult[] {
  const strategies = {
    clip: ['allgather-global', 'allgather-local', 'ring'],
    siglip: ['allgather', 'ring', 'ring-bidir'],
  } as const;
  return (['clip', 'siglip'] as const).flatMap((loss) =>
    strategies[loss].flatMap((strategy) =>
      [2, 4, 8].map((world) => {
        const c = predictedComm(loss, strategy, world, 64, 64, 4);
        return row({
          loss,
          impl: 'chunked',
          strategy,
          n: 64 * world,
          world,
          local_batch: 64,
          comm_bytes_sent: c.bytesSent,
          comm_rounds: c.rounds,
          predicted_comm_bytes: c.bytesSent,
          peak_tensor_bytes: 1e6,
        });
      }),
    ),
  );
}

const NS = [256, 512, 1024, 2048];
const singleRows = () => [
  ...NS.map((n) =>
    row({
      loss: 'clip',
      impl: 'naive',
      n,
      peak_tensor_bytes: 80 * n * n,
      step_ms_median: n / 10,
      step_ms_p10: n / 11,
      step_ms_p90: n / 9,
    }),
  ),
  ...NS.map((n) =>
    row({
      loss: 'siglip',
      impl: 'naive',
      n,
      peak_tensor_bytes: 64 * n * n,
      step_ms_median: n / 20,
      step_ms_p10: n / 22,
      step_ms_p90: n / 18,
    }),
  ),
  ...NS.map((n) =>
    row({
      loss: 'clip',
      impl: 'chunked',
      n,
      peak_tensor_bytes: 4700 * n,
      step_ms_median: n / 15,
      step_ms_p10: n / 16,
      step_ms_p90: n / 14,
    }),
  ),
  ...NS.map((n) =>
    row({
      loss: 'siglip',
      impl: 'chunked',
      n,
      peak_tensor_bytes: 4200 * n,
      step_ms_median: n / 16,
      step_ms_p10: n / 17,
      step_ms_p90: n / 15,
    }),
  ),
];

test('memory: naive SigLIP is O(N²) like naive CLIP; chunking makes it linear; the ratio at the largest N', () => {
  const a = of(answers(loadRun(join(FIX, 'runA')).rows, null), 'memory-scaling');
  assert.equal(a.settled, true);
  assert.match(
    a.answer,
    /^No: naive SigLIP's peak memory is O\(N²\) \(slope 1\.\d\d\) like naive CLIP's \(1\.\d\d\), and chunked both are O\(N\)/,
  );
  assert.match(a.answer, /chunking, not the choice of loss, makes memory linear/);
  assert.match(
    a.answer,
    /SigLIP needs 0\.81× CLIP's peak memory naive \(N = 4096: 280 MiB vs 346 MiB\) and 0\.92× CLIP's peak memory chunked \(N = 4096/,
  );
  assert.ok(a.basis.includes('siglip naive single, D=256: N=256…4096'), a.basis.join('\n'));
  assert.ok(!a.basis.some((b) => /naive.*c=/.test(b)), 'naive series name no tile width');
  assert.deepEqual(a.see, ['Scaling checks', 'charts/memory-vs-n.png']);
});

test('memory: too few sizes is not settled, and says which scenarios would settle it', () => {
  const rows = singleRows().filter((r) => !(r.loss === 'siglip' && r.impl === 'naive' && r.n > 512));
  const a = of(answers(rows, null), 'memory-scaling');
  assert.equal(a.settled, false);
  assert.match(
    a.answer,
    /^Not settled: a slope needs 3 batch sizes .* siglip naive \(2 sizes\) has fewer\. Measured so far: clip naive O\(N²\)/,
  );
  assert.equal(a.settle, 'lossbench bench --loss siglip --impl naive --batch 256..2048 --dim 64 --chunk 64');
});

test("communication: per strategy at the largest W, against the formulas; SigLIP no fewer bytes than CLIP's cheapest", () => {
  const a = of(answers(distributedRows(), null), 'communication');
  assert.equal(a.settled, true, a.answer);
  assert.match(
    a.answer,
    /^Not fewer than CLIP's cheapest strategy: SigLIP's \S+ moves 1\.00× the bytes of clip allgather-global; fewer only than clip allgather-local \(0\.50×\) and clip ring \(0\.33×\)\./,
  );
  assert.match(a.answer, /at W = 8 \(b = 64, D = 64, E = 4·b·D = 16\.0 KiB\)/);
  assert.match(a.answer, /ring-bidir 224 KiB = 2\(W−1\)E in 8 rounds/);
  assert.match(a.answer, /clip.*ring 672 KiB = 6\(W−1\)E in 15 rounds/);
  assert.match(a.answer, /Fewest rounds: siglip\/ring-bidir \(8\)\. Every count equals its formula\./);
  // A count off its formula is named.
  const off = distributedRows().map((r) =>
    r.strategy === 'ring' && r.loss === 'clip' && r.world === 8 ? { ...r, comm_bytes_sent: r.comm_bytes_sent! + 4 } : r,
  );
  assert.match(of(answers(off, null), 'communication').answer, /Off the formulas: clip\/ring /);
});

test('communication: strategies not measured, or none, leave it unsettled with the command to settle it', () => {
  const b = of(answers(loadRun(join(FIX, 'runB')).rows, null), 'communication');
  assert.equal(b.settled, false);
  assert.match(
    b.answer,
    /^Not settled: clip\/allgather-global, clip\/ring, siglip\/allgather, siglip\/ring-bidir did not run at W = 8, b = 512\. Among the strategies measured:/,
  );
  const missing = 'clip/allgather-global,clip/ring,siglip/allgather,siglip/ring-bidir';
  assert.equal(
    b.settle,
    `lossbench bench --strategy ${missing} --impl chunked --world 8 --local-batch 512 --dim 256 --chunk 128`,
  );
  const a = of(answers(loadRun(join(FIX, 'runA')).rows, null), 'communication');
  assert.equal(a.settled, false);
  assert.equal(a.answer, 'Not measured: no distributed scenario ran ok.');
  assert.match(
    a.settle!,
    /--strategy clip\/allgather-global,clip\/allgather-local,clip\/ring,siglip\/allgather,siglip\/ring,siglip\/ring-bidir --world 2,4,8/,
  );
});

test('chunking: time and memory ratios at the largest common N, per loss', () => {
  const a = of(answers(singleRows(), null), 'chunking-cost');
  assert.equal(a.settled, true);
  assert.match(
    a.answer,
    /^CLIP at N = 2048: a chunked step takes 0\.67× naive's time \(137 ms vs 205 ms\) and needs 1\/34\.9 of its peak memory \(9\.18 MiB vs 320 MiB\)/,
  );
  assert.match(a.answer, /SigLIP at N = 2048: a chunked step takes 1\.25× naive's time \(128 ms vs 102 ms\)/);
  const onlyClip = of(
    answers(
      singleRows().filter((r) => r.loss === 'clip'),
      null,
    ),
    'chunking-cost',
  );
  assert.equal(onlyClip.settled, false);
  assert.match(onlyClip.answer, /^Not settled for SigLIP: no batch size where both its naive and chunked step ran ok/);
  assert.match(onlyClip.settle!, /^lossbench bench --loss siglip --impl naive,chunked --batch 256\.\.2048/);
});

test("largest batch: what ran here, what failed above it, and plan's prediction for one and W devices", () => {
  const run = loadRun(join(FIX, 'runA'));
  const a = of(answers(run.rows, run.info), 'largest-batch');
  assert.equal(a.settled, true);
  assert.match(
    a.answer,
    /^Largest N that ran ok: clip naive 4096 \(N = 8192 oom\), clip chunked 4096, siglip naive 4096 \(N = 8192 skipped\), siglip chunked 4096\./,
  );
  assert.match(
    a.answer,
    /The memory model \(`plan`, D = 256, c = 128, fp32, 4\.00 GiB \(wasm32 addresses at most 4 GiB\)\) predicts one such device fits clip up to N ≈ \S+ naive/,
  );
  assert.match(a.answer, /8 of them, N ≈ \S+ with clip \S+ \(chunked\)/);
  const plan = a.data.plan as { loss: string; impl: string; world: number; max_n: number }[];
  const naive = plan.find((p) => p.loss === 'clip' && p.impl === 'naive' && p.world === 1)!;
  assert.ok(naive.max_n > 4096 && naive.max_n < 65536, `clip naive fits ${naive.max_n} in 4 GiB`);
  const noInfo = of(answers(run.rows, null), 'largest-batch');
  assert.match(noInfo.answer, /No prediction: run\.json does not say how much memory/);
});

test('report.md and report.html open with the Answers section', async () => {
  const dir = join(mkdtempSync(join(tmpdir(), 'lossbench-answers-')), 'runA');
  cpSync(join(FIX, 'runA'), dir, { recursive: true });
  const s = await writeReport(dir);
  assert.equal(s.answers.length, 4);
  const md = readFileSync(join(dir, 'report.md'), 'utf8');
  assert.ok(md.indexOf('## Answers') < md.indexOf('## Hardware') && md.indexOf('## Answers') > 0);
  assert.match(md, /### Is SigLIP's memory O\(N\) and CLIP's O\(N²\)\?\n\nNo: /);
  assert.match(md, /\*\*To settle it:\*\* `lossbench bench --loss clip,siglip /);
  assert.match(md, /\*\*Rests on:\*\* clip naive single, D=256: N=256…4096; /);
  const html = readFileSync(join(dir, 'report.html'), 'utf8');
  assert.ok(html.indexOf('<h2>Answers</h2>') < html.indexOf('<h2>Hardware</h2>'));
});
