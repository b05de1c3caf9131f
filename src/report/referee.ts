// The implementations refereed side by side (docs/implementations.md): per loss, a table of implementation ×
// strategy with time and peak memory at each N and the accuracy against the float64 reference, and the
// answer to "which fits the largest batch here, which is fastest at each N, which are wrong?", each part
// resting on named rows. Only runs that compare implementations (more than one, or any but lossbench's own)
// get the section.
import { IMPLS, LOSSES, type LossName } from '../losses/types.js';
import { formatBytes, formatMs } from '../util/format.js';
import type { Block } from './doc.js';
import { distinct, isOk, type Row } from './series.js';

const NAME: Record<LossName, string> = { clip: 'CLIP', siglip: 'SigLIP' };
export const REFEREE_QUESTION =
  'Which implementation fits the largest batch here, which is fastest at each N, and which ones are wrong?';

/** Whether the run compares implementations: more than one, or any that is not lossbench's own. */
export function comparesImpls(rows: readonly Row[]): boolean {
  const impls = distinct(rows.map((r) => r.impl));
  return impls.length > 1 && impls.some((i) => !(IMPLS as readonly string[]).includes(i));
}

const isWrong = (r: Row) => r.accuracy.startsWith('wrong');
const label = (r: Row) => `${r.impl} ${r.strategy}${r.world > 1 ? ` W=${r.world}` : ''}`;
const series = (r: Row) => `${r.impl}|${r.strategy}|${r.world}|${r.dim}|${r.dtype}`;

/** The worst error of a row's outputs, or null where none was checked. */
export function worstError(r: Row): number | null {
  const errs = [r.err_loss, r.err_dx, r.err_dy, r.err_dt, r.err_db].filter((e): e is number => e !== null);
  return errs.length ? Math.max(...errs) : null;
}

function accuracyCell(rs: readonly Row[]): string {
  const wrong = rs.find(isWrong);
  if (wrong) return `**${wrong.accuracy}** (N=${wrong.n})`;
  const checked = rs.filter((r) => worstError(r) !== null);
  if (!checked.length) return rs.find((r) => r.accuracy)?.accuracy || '—';
  const worst = Math.max(...checked.map((r) => worstError(r)!));
  const notes = distinct(checked.map((r) => /\(([^)]*not computed)\)/.exec(r.accuracy)?.[1] ?? '').filter(Boolean));
  return `pass, worst ${worst.toExponential(1)}${notes.length ? ` (${notes.join('; ')})` : ''}`;
}

function cell(r: Row | undefined): string {
  if (!r) return '';
  if (!isOk(r)) return r.status;
  const mem = r.peak_tensor_bytes === null ? '—' : formatBytes(r.peak_tensor_bytes);
  return `${r.step_ms_median === null ? '—' : formatMs(r.step_ms_median)} · ${mem}`;
}

/** One loss's table: a line per implementation × strategy × W (× D, dtype), a column per N. */
export function refereeTable(rows: readonly Row[], loss: LossName): Block | null {
  const mine = rows.filter((r) => r.loss === loss);
  if (!mine.length) return null;
  const ns = distinct(mine.map((r) => r.n)).sort((a, b) => a - b);
  const groups = new Map<string, Row[]>();
  for (const r of mine) groups.set(series(r), [...(groups.get(series(r)) ?? []), r]);
  const multiD = distinct(mine.map((r) => r.dim)).length > 1 || distinct(mine.map((r) => r.dtype)).length > 1;
  const body = [...groups.values()].map((g) => {
    const r0 = g[0]!;
    const unsupported = g.find((r) => r.status === 'unsupported');
    const head = [r0.impl, r0.strategy, String(r0.world), ...(multiD ? [`${r0.dim} ${r0.dtype}`] : [])];
    const sent = g.find((r) => isOk(r) && r.comm_bytes_sent !== null && r.world > 1);
    return [
      ...head,
      ...ns.map((n) => cell(g.find((r) => r.n === n))),
      sent ? `${formatBytes(sent.comm_bytes_sent!)} (N=${sent.n})` : '',
      unsupported && g.every((r) => !isOk(r)) ? `unsupported: ${unsupported.reason}` : accuracyCell(g.filter(isOk)),
    ];
  });
  return {
    kind: 'table',
    head: [
      'impl',
      'strategy',
      'W',
      ...(multiD ? ['D dtype'] : []),
      ...ns.map((n) => `N=${n}: time · peak`),
      'bytes sent / rank',
      'accuracy',
    ],
    rows: body,
  };
}

/** The answer, each part naming its rows (scenario ids). */
export function refereeAnswer(rows: readonly Row[]): { text: string[]; basis: string[] } {
  const text: string[] = [];
  const basis: string[] = [];
  for (const loss of LOSSES) {
    const ok = rows.filter((r) => r.loss === loss && isOk(r));
    if (!rows.some((r) => r.loss === loss)) continue;
    if (!ok.length) {
      text.push(`${NAME[loss]}: nothing ran ok.`);
      continue;
    }
    const right = ok.filter((r) => !isWrong(r));
    const maxN = Math.max(...right.map((r) => r.n), 0);
    const largest = right.filter((r) => r.n === maxN);
    const failedAbove = rows.filter(
      (r) => r.loss === loss && r.n > maxN && ['oom', 'skipped', 'timeout', 'limit'].includes(r.status),
    );
    if (largest.length) {
      text.push(
        `${NAME[loss]}: the largest batch that ran ok with a right gradient is N=${maxN}, by ${largest.map(label).join(', ')}` +
          (failedAbove.length
            ? `; above it ${failedAbove.map((r) => `${label(r)} N=${r.n} ${r.status}`).join(', ')}.`
            : '.'),
      );
      basis.push(...largest.map((r) => r.id));
    }
    const fastest = distinct(right.map((r) => r.n))
      .sort((a, b) => a - b)
      .map((n) => {
        const timed = right.filter((r) => r.n === n && r.step_ms_median !== null);
        const best = timed.reduce<Row | null>((b, r) => (!b || r.step_ms_median! < b.step_ms_median! ? r : b), null);
        if (best) basis.push(best.id);
        return best ? `N=${n}: ${label(best)} ${formatMs(best.step_ms_median!)} (of ${timed.length})` : '';
      })
      .filter(Boolean);
    if (fastest.length) text.push(`${NAME[loss]} fastest at each N (right gradients only): ${fastest.join('; ')}.`);
    const wrong = ok.filter(isWrong);
    text.push(
      wrong.length
        ? `${NAME[loss]} wrong: ${distinct(wrong.map((r) => `${label(r)} — ${r.accuracy}`)).join('; ')}.`
        : `${NAME[loss]}: every checked row passed the float64 check.`,
    );
    basis.push(...wrong.map((r) => r.id));
  }
  const unsupported = rows.filter((r) => r.status === 'unsupported');
  if (unsupported.length) {
    const why = distinct(unsupported.map((r) => `${r.impl} (${r.loss}/${r.strategy}): ${r.reason}`));
    text.push(
      `Not run here (${unsupported.length} rows unsupported): ${why.slice(0, 8).join('; ')}${why.length > 8 ? '; …' : ''}.`,
    );
  }
  return { text, basis: distinct(basis) };
}

/** The report section; [] for runs that do not compare implementations. */
export function refereeBlocks(rows: readonly Row[]): Block[] {
  if (!comparesImpls(rows)) return [];
  const a = refereeAnswer(rows);
  const blocks: Block[] = [
    { kind: 'h', level: 2, text: 'Implementations refereed' },
    {
      kind: 'p',
      text: 'Every implementation ran on the same seeded inputs with the same warm-up, timing, memory probe and counter of torch.distributed; its loss and gradients, normalised to lossbench’s convention, were checked against a float64 reference (docs/implementations.md: the contract, the mapping of third-party modes onto strategies, what runs where).',
    },
    { kind: 'h', level: 3, text: REFEREE_QUESTION },
    { kind: 'list', items: a.text },
    {
      kind: 'p',
      text: `**Rests on:** ${a.basis.length ? a.basis.map((id) => `\`${id}\``).join(', ') : 'no scenario'}.`,
    },
  ];
  for (const loss of LOSSES) {
    const t = refereeTable(rows, loss);
    if (t) blocks.push({ kind: 'h', level: 3, text: `${NAME[loss]}: implementation × strategy` }, t);
  }
  const impls = distinct(rows.map((r) => r.impl));
  blocks.push({
    kind: 'p',
    text: `The rows above ran at the losses' initial temperatures on random pairs. Trained models reach t = 100 with positives close together, where float32 is tested hardest: \`lossbench verify --engine torch --impl ${impls.join(',')}\` checks these implementations there (correlated pairs at t = 100, duplicate rows, ragged tiles; every strategy at W = 2).`,
  });
  return blocks;
}
