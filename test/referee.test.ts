// The report's implementations section (src/report/referee.ts): the table per loss and the answer, each part
// resting on named rows; the wrong gradient and the unsupported rows said, not hidden.
import assert from 'node:assert/strict';
import test from 'node:test';
import { comparesImpls, refereeAnswer, refereeBlocks, refereeTable } from '../src/report/referee.js';
import { resultRow } from './helpers/result-row.js';

const rows = [
  resultRow({
    loss: 'clip',
    impl: 'naive',
    n: 256,
    step_ms_median: 5,
    peak_tensor_bytes: 4e6,
    accuracy: 'pass',
    err_dx: 1e-7,
  }),
  resultRow({ loss: 'clip', impl: 'naive', n: 512, step_ms_median: 20, peak_tensor_bytes: 16e6, accuracy: 'pass' }),
  resultRow({ loss: 'clip', impl: 'naive', n: 1024, status: 'oom', reason: 'out of memory', step_ms_median: null }),
  resultRow({
    loss: 'clip',
    impl: 'openclip',
    n: 256,
    step_ms_median: 4,
    peak_tensor_bytes: 3e6,
    accuracy: 'pass',
    err_dx: 2e-7,
  }),
  resultRow({
    loss: 'clip',
    impl: 'openclip',
    n: 1024,
    step_ms_median: 90,
    peak_tensor_bytes: 60e6,
    accuracy: 'pass',
    err_dx: 3e-7,
  }),
  resultRow({
    loss: 'clip',
    impl: 'openclip',
    strategy: 'allgather-local-nograd',
    world: 2,
    local_batch: 512,
    n: 1024,
    step_ms_median: 1,
    comm_bytes_sent: 4096,
    accuracy: 'wrong (tolerance 0.0001): dx 5.0e-01, dy 5.0e-01',
    err_dx: 0.5,
  }),
  resultRow({
    loss: 'clip',
    impl: 'memeff',
    n: 256,
    status: 'unsupported',
    reason: "memeff's Triton kernels take CUDA tensors only",
  }),
];

test('a run of one implementation gets no referee section', () => {
  assert.equal(comparesImpls(rows.filter((r) => r.impl === 'naive')), false);
  assert.deepEqual(refereeBlocks(rows.filter((r) => r.impl === 'naive')), []);
  assert.equal(comparesImpls(rows), true);
});

test('the section ends with the verify command that holds these implementations to the hard inputs', () => {
  const last = refereeBlocks(rows).at(-1)!;
  assert.equal(last.kind, 'p');
  assert.match((last as { text: string }).text, /`lossbench verify --engine torch --impl naive,openclip,memeff`/);
});

test('the answer: largest batch, fastest per N (right gradients only), the wrong ones, the unsupported — on named rows', () => {
  const a = refereeAnswer(rows);
  const text = a.text.join('\n');
  assert.match(text, /largest batch that ran ok with a right gradient is N=1024, by openclip single/);
  assert.match(text, /N=256: openclip single 4(\.0+)? ms/);
  assert.match(text, /CLIP wrong: openclip allgather-local-nograd W=2 — wrong \(tolerance 0.0001\): dx 5\.0e-01/);
  assert.match(text, /unsupported.*memeff.*CUDA/);
  assert.ok(a.basis.includes(rows[4]!.id), 'the largest-batch row is named');
  assert.ok(a.basis.includes(rows[5]!.id), 'the wrong row is named');
  assert.ok(!text.includes('fastest at each N (right gradients only): N=1024: openclip allgather-local-nograd'));
});

test('the table: a line per implementation × strategy × W, a column per N, accuracy and bytes beside', () => {
  const t = refereeTable(rows, 'clip');
  assert.ok(t && t.kind === 'table');
  assert.deepEqual(t.head.slice(0, 3), ['impl', 'strategy', 'W']);
  assert.ok(t.head.includes('N=1024: time · peak'));
  const naive = t.rows.find((r) => r[0] === 'naive')!;
  assert.equal(naive[t.head.indexOf('N=1024: time · peak')], 'oom');
  assert.match(naive[naive.length - 1]!, /^pass/);
  const wrong = t.rows.find((r) => r[1] === 'allgather-local-nograd')!;
  assert.match(wrong[wrong.length - 1]!, /wrong/);
  assert.match(wrong[wrong.length - 2]!, /4(\.0+)? KiB/);
  const memeff = t.rows.find((r) => r[0] === 'memeff')!;
  assert.match(memeff[memeff.length - 1]!, /^unsupported: memeff/);
  assert.equal(refereeTable(rows, 'siglip'), null);
});
