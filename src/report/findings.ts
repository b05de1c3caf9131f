// Short generated sentences with the numbers behind them: what a reader wants from a sweep in a glance.
import { formatBytes, formatRatio } from '../util/format.js';
import { distinct, isOk, type Row } from './series.js';

export interface Finding {
  topic: 'siglip-vs-clip' | 'chunking' | 'communication' | 'largest-batch';
  text: string;
  /** The numbers behind the sentence, for --json. */
  data: Record<string, unknown>;
}

const byN = (a: Row, b: Row) => a.n - b.n;

/** Rows indexed by everything but the field that is compared. */
function index(rows: readonly Row[], key: (r: Row) => string): Map<string, Row> {
  return new Map(rows.map((r) => [key(r), r]));
}

function siglipVsClip(rows: readonly Row[]): Finding[] {
  const ok = rows.filter((r) => isOk(r) && r.peak_tensor_bytes !== null && r.strategy === 'single');
  const clip = index(
    ok.filter((r) => r.loss === 'clip'),
    (r) => `${r.impl}|${r.n}|${r.dim}|${r.chunk}`,
  );
  const out: Finding[] = [];
  for (const impl of distinct(ok.map((r) => r.impl))) {
    const pairs = ok
      .filter((r) => r.loss === 'siglip' && r.impl === impl)
      .sort(byN)
      .flatMap((s) => {
        const c = clip.get(`${impl}|${s.n}|${s.dim}|${s.chunk}`);
        return c && c.peak_tensor_bytes! > 0
          ? [
              {
                n: s.n,
                chunk: s.chunk,
                siglip: s.peak_tensor_bytes!,
                clip: c.peak_tensor_bytes!,
                ratio: s.peak_tensor_bytes! / c.peak_tensor_bytes!,
              },
            ]
          : [];
      });
    if (!pairs.length) continue;
    const parts = pairs.map(
      (p) =>
        `${formatRatio(p.ratio)} at N=${p.n}${impl === 'chunked' ? `, c=${p.chunk}` : ''} (${formatBytes(p.siglip)} vs ${formatBytes(p.clip)})`,
    );
    out.push({
      topic: 'siglip-vs-clip',
      text: `${impl}: SigLIP's peak memory is ${parts.join(', ')} of CLIP's.`,
      data: { impl, pairs },
    });
  }
  return out;
}

function chunkingSaves(rows: readonly Row[]): Finding[] {
  const ok = rows.filter((r) => isOk(r) && r.peak_tensor_bytes !== null && r.peak_tensor_bytes > 0);
  const key = (r: Row) => `${r.loss}|${r.strategy}|${r.n}|${r.world}|${r.dim}`;
  const chunkedRows = ok.filter((r) => r.impl === 'chunked');
  const out: Finding[] = [];
  const groups = distinct(ok.filter((r) => r.impl === 'naive').map((r) => `${r.loss}|${r.strategy}|${r.world}`));
  for (const g of groups) {
    const [loss, strategy, world] = g.split('|');
    const pairs = ok
      .filter((r) => r.impl === 'naive' && `${r.loss}|${r.strategy}|${r.world}` === g)
      .sort(byN)
      .flatMap((nv) => {
        // Every tile width c that ran at this size: each is its own saving.
        return chunkedRows
          .filter((ch) => key(ch) === key(nv))
          .sort((a, b) => a.chunk! - b.chunk!)
          .map((ch) => ({
            n: nv.n,
            chunk: ch.chunk,
            naive: nv.peak_tensor_bytes!,
            chunked: ch.peak_tensor_bytes!,
            ratio: nv.peak_tensor_bytes! / ch.peak_tensor_bytes!,
          }));
      });
    if (!pairs.length) continue;
    const where = strategy === 'single' ? '' : ` (${strategy}, W=${world})`;
    const parts = pairs.map(
      (p) => `${formatRatio(p.ratio)} at N=${p.n}, c=${p.chunk} (${formatBytes(p.naive)} → ${formatBytes(p.chunked)})`,
    );
    out.push({
      topic: 'chunking',
      text: `${loss}${where}: chunking cuts peak memory ${parts.join(', ')}.`,
      data: { loss, strategy, world: Number(world), pairs },
    });
  }
  return out;
}

function communication(rows: readonly Row[]): Finding[] {
  const dist = rows.filter((r) => isOk(r) && r.world > 1 && r.comm_bytes_sent !== null);
  const out: Finding[] = [];
  for (const g of distinct(dist.map((r) => `${r.world}|${r.local_batch}|${r.dim}`))) {
    const [world, b, dim] = g.split('|');
    const inG = dist.filter((r) => `${r.world}|${r.local_batch}|${r.dim}` === g);
    // Bytes depend on the strategy, not on the impl: one number per loss × strategy.
    const per = distinct(inG.map((r) => `${r.loss} ${r.strategy}`)).map((ls) => {
      const r = inG.find((x) => `${x.loss} ${x.strategy}` === ls)!;
      return {
        series: ls,
        bytes: r.comm_bytes_sent!,
        rounds: r.comm_rounds,
        modelled_ms: r.comm_ms_modelled,
        link: r.comm_link,
      };
    });
    const parts = per.map(
      (p) => `${p.series} ${formatBytes(p.bytes)}${p.rounds !== null ? ` in ${p.rounds} rounds` : ''}`,
    );
    out.push({
      topic: 'communication',
      text: `W=${world}, b=${b}, D=${dim}: bytes sent per device per step: ${parts.join('; ')}.`,
      data: { world: Number(world), local_batch: Number(b), dim: Number(dim), strategies: per },
    });
  }
  return out;
}

function largestBatch(rows: readonly Row[]): Finding[] {
  const out: Finding[] = [];
  for (const g of distinct(rows.map((r) => `${r.loss}|${r.impl}|${r.strategy}`))) {
    const [loss, impl, strategy] = g.split('|');
    const inG = rows.filter((r) => `${r.loss}|${r.impl}|${r.strategy}` === g).sort(byN);
    const ok = inG.filter(isOk);
    const largest = ok.length ? ok[ok.length - 1]! : null;
    const failed = inG.filter((r) => !isOk(r) && (!largest || r.n > largest.n));
    const name = `${loss} ${impl}${strategy === 'single' ? '' : ` ${strategy}`}`;
    const w = (r: Row) => (strategy === 'single' ? '' : `W=${r.world}, `);
    const head = largest
      ? `${name}: largest N that ran ok is ${largest.n} (${w(largest)}${formatBytes(largest.peak_tensor_bytes)} peak)`
      : `${name}: nothing ran ok`;
    const tails = failed.map(
      (r) =>
        `N=${r.n} ${strategy === 'single' ? '' : `(W=${r.world}) `}${r.status}${r.predicted_peak_bytes !== null ? `: predicted ${formatBytes(r.predicted_peak_bytes)}` : ''}${r.reason ? ` (${r.reason})` : ''}`,
    );
    out.push({
      topic: 'largest-batch',
      text: head + (tails.length ? `; ${tails.join('; ')}.` : '.'),
      data: {
        loss,
        impl,
        strategy,
        largest_ok_n: largest?.n ?? null,
        largest_ok_world: largest?.world ?? null,
        not_ok: failed.map((r) => ({
          n: r.n,
          world: r.world,
          status: r.status,
          predicted_peak_bytes: r.predicted_peak_bytes,
          reason: r.reason,
        })),
      },
    });
  }
  return out;
}

export function findings(rows: readonly Row[]): Finding[] {
  return [...siglipVsClip(rows), ...chunkingSaves(rows), ...communication(rows), ...largestBatch(rows)];
}
