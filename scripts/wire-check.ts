// A torch results folder held to the wire (scripts/netns-test.sh runs it on each shaped link): every scenario
// ok and the counted bytes and rounds equal to the contract (exit 1 otherwise, naming the miss); then, for each
// strategy, the comm time predicted from the probe's fitted α and β (what `lossbench plan --link-from <dir>`
// models) against the measurement, with a verdict for the ring strategies (within 25 %, or where and why not).
// Timing depends on the machine's load, so it fails the check only with --strict.
// --shaped <tc rate> (200mbit, 2gbit) says what the link was shaped to, so that a fit well below it is named: then
// the CPU, not the link, set the transfer time.
//   node --import tsx scripts/wire-check.ts <results dir> [--label 200mbit] [--shaped 200mbit] [--strict]
import { parseArgs } from 'node:util';
import { loadRun } from '../src/results/load.js';
import { describeLink, probedLink, wireCells, wireComparison, WIRE_HEAD } from '../src/report/wire.js';
import { renderText, stringColumns } from '../src/util/table.js';

/** A tc rate ("200mbit", "2gbit", "500kbit") in bytes per second; null when not one. */
function tcRate(text: string): number | null {
  const m = /^(\d+(?:\.\d+)?)(k|m|g)?bit$/i.exec(text.trim());
  if (!m) return null;
  const scale = { k: 1e3, m: 1e6, g: 1e9 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g'] ?? 1;
  return (Number(m[1]) * scale) / 8;
}

const { values, positionals } = parseArgs({
  options: { label: { type: 'string' }, strict: { type: 'boolean', default: false }, shaped: { type: 'string' } },
  allowPositionals: true,
});
const dir = positionals[0];
if (!dir || positionals.length > 1) {
  console.error('usage: wire-check.ts <results dir> [--label <name>] [--strict]');
  process.exit(2);
}
const label = values.label ? `${values.label}: ` : '';
const run = loadRun(dir);
const link = probedLink(run.info);
const problems: string[] = [];
const timing: string[] = [];
if (!link || !run.info) {
  console.error(`wire-check: ${dir} has no usable link_probe in run.json`);
  process.exit(1);
}
for (const r of run.rows) if (r.status !== 'ok') problems.push(`${r.id}: ${r.status} (${r.reason})`);
const rows = wireComparison(run.rows, link);
for (const w of rows) {
  if (w.bytesSent !== w.contractBytes || w.rounds !== w.contractRounds)
    problems.push(
      `${w.id}: counted ${w.bytesSent} bytes in ${w.rounds} rounds, the contract ${w.contractBytes} in ${w.contractRounds}`,
    );
  if (w.ring && !w.within) timing.push(`${w.id}: predicted ${w.predictedMs.toFixed(1)} ms, ${w.why}`);
}
if (!rows.some((w) => w.ring)) problems.push('no ring scenario with a measured comm time');
console.log(`${label}${dir}\nlink fitted to the probe: ${describeLink(link, run.info)}`);
const shaped = values.shaped ? tcRate(values.shaped) : null;
if (shaped !== null) {
  const share = link.bytesPerSecond / shaped;
  console.log(
    `shaped to ${values.shaped} (${(shaped / 1e6).toPrecision(3)} MB/s each way): the probe reached ${Math.round(share * 100)} % of it${share < 0.6 ? ' — the CPU, not the link, set the transfer time' : ''}`,
  );
}
console.log(
  renderText(stringColumns(WIRE_HEAD, [false, true, true, true, true, true, true, false]), rows.map(wireCells)),
);
for (const t of timing) console.error(`wire-check: ${label}model off by more than 25 %: ${t}`);
if (values.strict) problems.push(...timing);
if (problems.length) {
  for (const p of problems) console.error(`wire-check: ${label}${p}`);
  process.exit(1);
}
const rings = rows.filter((w) => w.ring).length;
console.log(
  `wire-check: ${label}ok: every scenario ok, bytes and rounds as the contract; ${rings - timing.length} of ${rings} ring strategies within 25 % of the model`,
);
