// LaTeX for papers: booktabs tables and figure floats from the report's strings. The strings carry
// unicode (×, ², ≈, µ, —) and the report's two markdown marks (`code`, **bold**); each becomes what
// pdflatex typesets without extra packages.

const CHAR: Record<string, string> = {
  '\\': '\\textbackslash{}',
  '{': '\\{',
  '}': '\\}',
  $: '\\$',
  '&': '\\&',
  '#': '\\#',
  _: '\\_',
  '%': '\\%',
  '~': '\\textasciitilde{}',
  '^': '\\textasciicircum{}',
  '<': '\\textless{}',
  '>': '\\textgreater{}',
  '—': '---',
  '–': '--',
  '…': '\\ldots{}',
  '×': '$\\times$',
  '²': '$^{2}$',
  '≈': '$\\approx$',
  '−': '$-$',
  '≤': '$\\le$',
  '≥': '$\\ge$',
  '±': '$\\pm$',
  '·': '$\\cdot$',
  µ: '$\\mu$',
  μ: '$\\mu$',
  β: '$\\beta$',
  α: '$\\alpha$',
  '→': '$\\to$',
  '÷': '$\\div$',
  '′': "'",
  '’': "'",
  '‘': '`',
  '“': '``',
  '”': "''",
  '\u00a0': '~',
};

/** Plain text as LaTeX: every special character escaped, the report's unicode spelled for pdflatex. */
export function escapeLatex(s: string): string {
  return [...s].map((ch) => CHAR[ch] ?? ch).join('');
}

/** Text with `code` and **bold** marks as LaTeX. */
export function inlineLatex(s: string): string {
  return s
    .split(/(`[^`]+`|\*\*[^*]+\*\*)/)
    .map((part) => {
      if (/^`[^`]+`$/.test(part)) return `\\texttt{${escapeLatex(part.slice(1, -1))}}`;
      if (/^\*\*[^*]+\*\*$/.test(part)) return `\\textbf{${escapeLatex(part.slice(2, -2))}}`;
      return escapeLatex(part);
    })
    .join('');
}

export interface LatexTable {
  head: string[];
  rows: string[][];
  /** One column spec per column: l, r, c or p{…}. */
  columns: string[];
  caption: string;
  label: string;
  /** Span both columns of a two-column paper (table*). */
  wide?: boolean;
  /** Font size command inside the float, e.g. \small or \footnotesize. */
  size?: string;
  /** Space between columns (LaTeX's default is 6pt), for a table with many. */
  colsep?: string;
}

/** A booktabs table float: \toprule, \midrule, \bottomrule, no vertical rules. */
export function booktabs(t: LatexTable): string {
  const env = t.wide ? 'table*' : 'table';
  const line = (cells: string[]) => `    ${cells.map(inlineLatex).join(' & ')} \\\\`;
  return [
    `\\begin{${env}}[tbp]`,
    '  \\centering',
    `  ${t.size ?? '\\small'}`,
    ...(t.colsep ? [`  \\setlength{\\tabcolsep}{${t.colsep}}`] : []),
    `  \\caption{${inlineLatex(t.caption)}}`,
    `  \\label{${t.label}}`,
    `  \\begin{tabular}{@{}${t.columns.join('')}@{}}`,
    '    \\toprule',
    line(t.head),
    '    \\midrule',
    ...t.rows.map(line),
    '    \\bottomrule',
    '  \\end{tabular}',
    `\\end{${env}}`,
  ].join('\n');
}

/** A figure float for a one-column chart PDF. */
export function figure(file: string, caption: string, label: string): string {
  return [
    '\\begin{figure}[tbp]',
    '  \\centering',
    `  \\includegraphics[width=\\columnwidth]{${file}}`,
    `  \\caption{${inlineLatex(caption)}}`,
    `  \\label{${label}}`,
    '\\end{figure}',
  ].join('\n');
}
