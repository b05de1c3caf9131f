// report --latex: booktabs tables that pdflatex takes as they are, and each chart as a one-column vector
// PDF with its fonts embedded; colours that stay apart in greyscale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { booktabs, escapeLatex, inlineLatex } from '../src/report/latex.js';
import { writeReport } from '../src/report/index.js';
import { IMPL_DASH, LOSS_POINT, PALETTE } from '../src/report/chart-style.js';
import { COLUMN_WIDTH_IN } from '../src/report/paper-style.js';

const FIX = join(import.meta.dirname, 'fixtures', 'report');
const has = (tool: string) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

test("LaTeX escaping: specials, the report's unicode, `code` and **bold**", () => {
  assert.equal(
    escapeLatex('50% of a_b & c#d {x} $y ~ ^ \\'),
    '50\\% of a\\_b \\& c\\#d \\{x\\} \\$y \\textasciitilde{} \\textasciicircum{} \\textbackslash{}',
  );
  assert.equal(
    escapeLatex('0.81× at N² ≈ 2 µs — p10–p90 …'),
    '0.81$\\times$ at N$^{2}$ $\\approx$ 2 $\\mu$s --- p10--p90 \\ldots{}',
  );
  assert.equal(
    inlineLatex('run `plan --calibrate <dir>` **now**'),
    'run \\texttt{plan --calibrate \\textless{}dir\\textgreater{}} \\textbf{now}',
  );
  const t = booktabs({ head: ['a', 'b'], rows: [['1', '2']], columns: ['l', 'r'], caption: 'c', label: 'tab:x' });
  assert.match(
    t,
    /\\begin\{table\}\[tbp\][\s\S]*\\toprule\n {4}a & b \\\\\n {4}\\midrule\n {4}1 & 2 \\\\\n {4}\\bottomrule[\s\S]*\\end\{table\}/,
  );
  assert.doesNotMatch(t, /\|/, 'no vertical rules');
});

test('palette: the first colours stay apart in greyscale; dashes per impl and markers per loss differ', () => {
  const lightness = (hex: string) => {
    const lin = (c: number) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    const [r, g, b] = [1, 3, 5].map((i) => lin(parseInt(hex.slice(i, i + 2), 16) / 255));
    const y = 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
    return y > 0.008856 ? 116 * Math.cbrt(y) - 16 : 903.3 * y;
  };
  const first = PALETTE.slice(0, 3).map(lightness);
  for (let i = 0; i < first.length; i++)
    for (let j = i + 1; j < first.length; j++)
      assert.ok(Math.abs(first[i]! - first[j]!) >= 20, `L* ${first[i]} vs ${first[j]}`);
  assert.ok(
    PALETTE.every((c) => lightness(c) < 85),
    'no colour too light for paper',
  );
  assert.notDeepEqual(IMPL_DASH.naive, IMPL_DASH.chunked);
  assert.notEqual(LOSS_POINT.clip, LOSS_POINT.siglip);
});

test('writeReport --latex: tables, figures and one-column vector PDFs with embedded fonts', async (t) => {
  const dir = join(mkdtempSync(join(tmpdir(), 'lossbench-latex-')), 'runB');
  cpSync(join(FIX, 'runB'), dir, { recursive: true });
  const s = await writeReport(dir, { latex: true });
  const latex = join(dir, 'latex');
  for (const f of [
    'results.tex',
    'checks.tex',
    'answers.tex',
    'figures.tex',
    'preview.tex',
    'memory-vs-n.pdf',
    'comm-vs-w.pdf',
  ])
    assert.ok(existsSync(join(latex, f)), f);
  assert.equal(
    s.files.latex.length,
    5 + s.files.charts.length / 2,
    'tables, figures.tex, preview.tex and a PDF per chart',
  );
  const results = readFileSync(join(latex, 'results.tex'), 'utf8');
  assert.match(results, /% needs \\usepackage\{booktabs\}/);
  assert.match(results, /\\toprule[\s\S]*\\midrule[\s\S]*\\bottomrule/);
  assert.match(results, /^ {4}clip naive single & 256 & 1 & --- & ok & /m, 'a naive row has no tile width');
  assert.match(results, /^ {4}clip chunked single & 256 & 1 & 128 & ok & /m);
  assert.match(
    readFileSync(join(latex, 'answers.tex'), 'utf8'),
    /Is SigLIP's memory O\(N\) and CLIP's O\(N\$\^\{2\}\$\)\? & No: naive SigLIP/,
  );
  assert.match(
    readFileSync(join(latex, 'figures.tex'), 'utf8'),
    /\\includegraphics\[width=\\columnwidth\]\{memory-vs-n\.pdf\}/,
  );
  const pdf = readFileSync(join(latex, 'memory-vs-n.pdf'));
  assert.equal(pdf.subarray(0, 5).toString(), '%PDF-');
  const box = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(pdf.toString('latin1'));
  assert.ok(box, 'a MediaBox');
  assert.ok(Math.abs(Number(box[1]) - COLUMN_WIDTH_IN * 72) < 1, `one column wide: ${box[1]} pt`);
  assert.match(pdf.toString('latin1'), /\/FontFile2/, 'the font program is in the file');
  if (!has('pdffonts'))
    return t.diagnostic('pdffonts not installed (apt-get install poppler-utils): fonts checked by /FontFile2 only');
  for (const f of s.files.latex.filter((p) => p.endsWith('.pdf'))) {
    const fonts = execFileSync('pdffonts', [f], { encoding: 'utf8' }).trim().split('\n').slice(2);
    assert.ok(fonts.length > 0, `${f}: has text`);
    for (const line of fonts) {
      assert.match(line, /\syes\s+yes\s+yes\s+\d+\s+\d+$/, `${f}: embedded subset: ${line}`);
      assert.doesNotMatch(line, /Type 3/, `${f}: no bitmap fonts`);
    }
  }
});

test('preview.tex compiles with pdflatex into two columns, each figure one column wide (where TeX is installed)', async (t) => {
  if (!has('pdflatex')) {
    if (process.env.CI === 'true') assert.fail('pdflatex not found in CI: .ci/run installs it');
    return t.skip('pdflatex not installed (apt-get install texlive-latex-base texlive-latex-recommended)');
  }
  // The default sweep's figures: one device and W devices.
  const dir = join(mkdtempSync(join(tmpdir(), 'lossbench-latex-')), 'quick-wasm');
  cpSync(join(FIX, 'quick-wasm'), dir, { recursive: true });
  const s = await writeReport(dir, { latex: true });
  const figures = readFileSync(join(dir, 'latex', 'figures.tex'), 'utf8');
  assert.match(readFileSync(join(dir, 'latex', 'preview.tex'), 'utf8'), /\\documentclass\[twocolumn\]/);
  assert.doesNotMatch(figures, /figure\*/, 'no figure spans both columns');
  assert.equal(
    figures.match(/\\includegraphics\[width=\\columnwidth\]/g)?.length,
    s.files.latex.filter((f) => f.endsWith('.pdf')).length,
  );
  const r = spawnSync('pdflatex', ['-interaction=nonstopmode', '-halt-on-error', 'preview.tex'], {
    cwd: join(dir, 'latex'),
    encoding: 'utf8',
    timeout: 120_000,
  });
  assert.equal(
    r.status,
    0,
    r.stdout
      .split('\n')
      .filter((l) => l.startsWith('!'))
      .join('\n'),
  );
  assert.ok(existsSync(join(dir, 'latex', 'preview.pdf')));
  assert.doesNotMatch(
    r.stdout,
    /Overfull \\hbox \((\d{2,}|[3-9])\.\d+pt/,
    'no table overruns the page by more than 2pt',
  );
  assert.doesNotMatch(r.stdout, /Float too large/, 'every figure fits its column and page');
  const column = /lossbench: column ([\d.]+)pt/.exec(r.stdout);
  assert.ok(column, 'preview.tex reports its column width');
  for (const f of s.files.latex.filter((p) => p.endsWith('.pdf'))) {
    const box = /\/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]/.exec(readFileSync(f).toString('latin1'))!;
    // PDF points are 72 to the inch, TeX points 72.27: the figure is drawn at most one column wide.
    assert.ok(Number(box[1]) * (72.27 / 72) <= Number(column[1]) + 0.5, `${f}: ${box[1]}bp > ${column[1]}pt`);
    assert.ok(Number(box[2]) < 7 * 72, `${f}: ${box[2]}bp tall, under 7 in`);
  }
});
