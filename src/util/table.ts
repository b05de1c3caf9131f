// The one table renderer: columns say their header, their alignment and how a row becomes a cell;
// the same columns print as aligned console text or as a markdown table.

export interface Column<R> {
  header: string;
  /** 'right' for numbers, so their digits line up; 'left' when absent. */
  align?: 'left' | 'right';
  /** The row's cell, formatted. */
  cell: (row: R) => string;
}

/** Columns over rows already formatted as strings: column i shows cell i. */
export function stringColumns(
  head: readonly string[],
  rightAligned: readonly boolean[] = [],
): Column<readonly string[]>[] {
  return head.map((header, i) => ({ header, align: rightAligned[i] ? 'right' : 'left', cell: (r) => r[i] ?? '' }));
}

/** Plain text for the terminal: header, dashed rule, one line per row; columns two spaces apart, no trailing blanks. */
export function renderText<R>(columns: readonly Column<R>[], rows: readonly R[]): string {
  const body = rows.map((r) => columns.map((c) => c.cell(r)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...body.map((cells) => cells[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((v, i) => (columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

const markdownCell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** A markdown (GFM) table: right-aligned columns get `---:`; pipes and newlines in cells are escaped. */
export function renderMarkdown<R>(columns: readonly Column<R>[], rows: readonly R[]): string {
  const align = columns.map((c) => (c.align === 'right' ? '---:' : '---'));
  const lines = [columns.map((c) => c.header), align, ...rows.map((r) => columns.map((c) => c.cell(r)))];
  return lines.map((cells) => `| ${cells.map(markdownCell).join(' | ')} |`).join('\n');
}
