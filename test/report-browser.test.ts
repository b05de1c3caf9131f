// report.html in a real browser: headless Chromium (Debian's `chromium`, driven by puppeteer-core, which
// downloads nothing) opens it; any console error or failed load fails the test; every chart image must
// have loaded (naturalWidth > 0) and the tables must be there. A full-page screenshot is kept beside the
// report (its path is printed) to look at.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { writeReport } from '../src/report/index.js';

const FIX = join(import.meta.dirname, 'fixtures', 'report');

/** $CHROMIUM, else the first of Debian's and the usual names on PATH. */
function findChromium(): string | null {
  if (process.env.CHROMIUM) return process.env.CHROMIUM;
  for (const name of ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']) {
    const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return null;
}

test(
  'report.html in headless Chromium: no console error, every chart loaded, the tables there',
  { timeout: 180_000 },
  async (t) => {
    const chromium = findChromium();
    if (!chromium && process.env.CI === 'true') assert.fail('chromium not found in CI: .ci/run installs it');
    if (!chromium) return t.skip('chromium not found: apt-get install chromium (CI installs it), or set $CHROMIUM');
    const { default: puppeteer } = await import('puppeteer-core');

    const dir = join(mkdtempSync(join(tmpdir(), 'lossbench-browser-')), 'runB');
    cpSync(join(FIX, 'runB'), dir, { recursive: true });
    const s = await writeReport(dir);
    const charts = s.files.charts.filter((f) => f.endsWith('.png')).length;
    assert.ok(charts >= 5, `${charts} charts`);

    const browser = await puppeteer.launch({
      executablePath: chromium,
      headless: true,
      // As root (CI, containers) Chromium refuses its sandbox; /dev/shm is small in containers.
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
      timeout: 120_000,
    });
    try {
      const page = await browser.newPage();
      const problems: string[] = [];
      page.on('console', (m) => void (m.type() === 'error' && problems.push(`console error: ${m.text()}`)));
      page.on('pageerror', (e) => void problems.push(`page error: ${e instanceof Error ? e.message : String(e)}`));
      page.on(
        'requestfailed',
        (r) => void problems.push(`failed to load ${r.url().slice(0, 80)}: ${r.failure()?.errorText}`),
      );
      await page.setViewport({ width: 1300, height: 900 });
      await page.goto(pathToFileURL(join(dir, 'report.html')).href, { waitUntil: 'load', timeout: 60_000 });

      const seen = await page.evaluate(() => ({
        images: [...document.images].map((i) => ({
          alt: i.alt,
          complete: i.complete,
          naturalWidth: i.naturalWidth,
          naturalHeight: i.naturalHeight,
        })),
        tables: [...document.querySelectorAll('table')].map((tb) => ({
          head: [...tb.querySelectorAll('th')].map((th) => th.textContent),
          rows: tb.querySelectorAll('tbody tr').length,
        })),
        h2: [...document.querySelectorAll('h2')].map((h) => h.textContent),
        title: document.title,
      }));
      const shot = join(dir, 'report-screenshot.png');
      await page.screenshot({ path: shot, fullPage: true });
      t.diagnostic(`screenshot: ${shot}`);

      assert.deepEqual(problems, []);
      assert.equal(seen.images.length, charts, 'one image per chart');
      for (const img of seen.images)
        assert.ok(
          img.complete && img.naturalWidth > 0 && img.naturalHeight > 0,
          `chart "${img.alt}" loaded (${img.naturalWidth}×${img.naturalHeight})`,
        );
      assert.equal(seen.h2[0], 'Answers', `the Answers section comes first: ${seen.h2.join(', ')}`);
      for (const h of ['Results', 'Charts', 'Scaling checks', 'Findings'])
        assert.ok(seen.h2.includes(h), `section ${h}`);
      const results = seen.tables.find((tb) => tb.head[0] === 'scenario' && tb.head.includes('peak tensor memory'));
      assert.ok(results, 'the results table');
      assert.equal(results.rows, s.rows, 'one results row per scenario');
      assert.ok(
        seen.tables.some((tb) => tb.head[0] === 'series' && tb.rows === s.checks.length),
        'the scaling checks table',
      );
      assert.match(seen.title, /^lossbench report — /);
      assert.ok(statSync(shot).size > 50_000, 'the screenshot has content');
    } finally {
      await browser.close();
    }
  },
);
