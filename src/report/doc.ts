// A tiny document model written once and rendered twice: markdown (report.md, images by relative path)
// and self-contained HTML (report.html, images embedded as base64 PNG).
import { renderMarkdown, stringColumns } from '../util/table.js';

export type Block =
  | { kind: 'h'; level: 1 | 2 | 3; text: string }
  | { kind: 'p'; text: string }
  | { kind: 'list'; items: string[] }
  | { kind: 'table'; head: string[]; rows: string[][]; numeric?: boolean[] }
  | { kind: 'image'; alt: string; relPath: string; png: Buffer };

export function toMarkdown(blocks: readonly Block[]): string {
  const out: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'h':
        out.push(`${'#'.repeat(b.level)} ${b.text}`);
        break;
      case 'p':
        out.push(b.text);
        break;
      case 'list':
        out.push(b.items.map((i) => `- ${i}`).join('\n'));
        break;
      case 'table':
        out.push(renderMarkdown(stringColumns(b.head, b.numeric), b.rows));
        break;
      case 'image':
        out.push(`![${b.alt}](${b.relPath})`);
        break;
    }
  }
  return out.join('\n\n') + '\n';
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Inline `code` and **bold** only: all the markdown the report's sentences use. */
function inline(s: string): string {
  return escapeHtml(s)
    .replace(/`([^`]+)`/g, '<code>$1</code>')
    .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>');
}

const CSS = `body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;max-width:1250px;margin:2em auto;padding:0 1em;color:#111;line-height:1.45}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}th,td{border:1px solid #bbb;padding:3px 8px}th{background:#eee}
td.num{text-align:right;font-variant-numeric:tabular-nums}img{max-width:100%;border:1px solid #ddd;margin:0.5em 0}
code{background:#f4f4f4;padding:0 3px}.PASS{color:#060;font-weight:bold}.FAIL{color:#b00;font-weight:bold}
@media print{img{page-break-inside:avoid}table{page-break-inside:auto}}`;

export function toHtml(title: string, blocks: readonly Block[]): string {
  const body: string[] = [];
  for (const b of blocks) {
    switch (b.kind) {
      case 'h':
        body.push(`<h${b.level}>${inline(b.text)}</h${b.level}>`);
        break;
      case 'p':
        body.push(`<p>${inline(b.text)}</p>`);
        break;
      case 'list':
        body.push(`<ul>${b.items.map((i) => `<li>${inline(i)}</li>`).join('')}</ul>`);
        break;
      case 'table': {
        const cls = (i: number, v: string) =>
          v === 'PASS' || v === 'FAIL' ? ` class="${v}"` : b.numeric?.[i] ? ' class="num"' : '';
        body.push(
          `<table><thead><tr>${b.head.map((h) => `<th>${inline(h)}</th>`).join('')}</tr></thead><tbody>` +
            b.rows.map((r) => `<tr>${r.map((v, i) => `<td${cls(i, v)}>${inline(v)}</td>`).join('')}</tr>`).join('') +
            '</tbody></table>',
        );
        break;
      }
      case 'image':
        body.push(
          `<figure><img alt="${escapeHtml(b.alt)}" src="data:image/png;base64,${b.png.toString('base64')}"><figcaption>${escapeHtml(b.alt)}</figcaption></figure>`,
        );
        break;
    }
  }
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title><style>${CSS}</style></head>\n<body>\n${body.join('\n')}\n</body></html>\n`;
}
