// CI: the implementations smoke (scripts/ci-impls.json) — every row ok, every row checked against the float64
// reference, W > 1 rows with counted bytes, open_clip's (gather_with_grad=False, local_loss=True) row found wrong
// and every other row right. Usage: node scripts/check-impls-smoke.mjs <results folder>
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2];
const rows = readFileSync(join(dir, 'results.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l));
const bad = [];
for (const r of rows) {
  const wrongExpected = r.impl === 'openclip' && r.strategy === 'allgather-local-nograd';
  if (r.status !== 'ok') bad.push(`${r.id}: status ${r.status} ${r.reason}`);
  else if (!r.accuracy) bad.push(`${r.id}: no accuracy recorded`);
  else if (wrongExpected !== r.accuracy.startsWith('wrong')) bad.push(`${r.id}: accuracy ${r.accuracy}`);
  if (r.world > 1 && !(r.comm_bytes_sent > 0)) bad.push(`${r.id}: no counted bytes`);
}
console.log(`implementations smoke: ${rows.length} rows, ${bad.length} problem(s)`);
for (const b of bad) console.log(`  ${b}`);
process.exit(bad.length || rows.length === 0 ? 1 : 0);
