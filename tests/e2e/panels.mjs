// End-to-end test of the export bar, the metrics panel and the side-by-side comparison in the
// built app (dist/): a real PNG download with the caption, CSV, weights saved and loaded back,
// and a 2-run comparison with two plots and one metrics table.
//
//   node tests/e2e/panels.mjs            (after `trunk build`)
//   SCREENSHOTS=dir node tests/e2e/panels.mjs   also saves a screenshot of the comparison
//   (COMPARE_STEPS=N trains each compared run N steps first; ONLY=text runs the matching check)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { serve, launch, until, num, checks } from './harness.mjs';

const shots = process.env.SCREENSHOTS;
const { base, close } = await serve(process.env.DIST || 'dist');
const browser = await launch();
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'panels-'));
const { check, finish } = checks(browser, { shots, context: { acceptDownloads: true } });

async function download(page, testid) {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }), page.getByTestId(testid).click()]);
  const file = path.join(tmp, dl.suggestedFilename());
  await dl.saveAs(file);
  return file;
}

async function ready(page) {
  await page.goto(base + '?backend=cpu');
  await until('the data to load', 120_000, async () => await page.getByTestId('train').isEnabled());
}

await check('exports PNG (with caption), CSV, JSON and weights; weights load back', async (page, errors) => {
  await ready(page);
  await page.getByTestId('step').click();
  await until('2,000 points', 120_000, async () => (await num(page, 'points-count')) >= 2000);
  await until('the metrics', 60_000, async () =>
    (await page.getByTestId('metric-head_accuracy').locator('td').textContent()).endsWith('%'));

  const png = await download(page, 'export-png');
  const bytes = fs.readFileSync(png);
  if (!png.endsWith('.png') || bytes.subarray(1, 4).toString() !== 'PNG' || bytes.length < 10_000)
    throw new Error(`not a PNG: ${png} (${bytes.length} bytes)`);
  const svg = fs.readFileSync(await download(page, 'export-svg'), 'utf8');
  if (!svg.startsWith('<svg') || !svg.includes('softmax') || !svg.includes('seed 1')) throw new Error('SVG without caption');
  const csv = fs.readFileSync(await download(page, 'export-csv'), 'utf8').trim().split('\n');
  if (csv[0] !== 'x,y,label,prediction' || csv.length !== 2001) throw new Error(`CSV: ${csv[0]}, ${csv.length} lines`);
  const json = JSON.parse(fs.readFileSync(await download(page, 'export-json'), 'utf8'));
  if (json.config.dim !== 2 || !json.link.startsWith(base) || json.metrics.points !== 2000 || json.fingerprint.length !== 16)
    throw new Error(`JSON: ${JSON.stringify(json).slice(0, 300)}`);
  const weights = await download(page, 'export-weights');
  if (!fs.readFileSync(weights).subarray(0, 6).equals(Buffer.from('EPCKPT'))) throw new Error('weights file');

  // Load it back in a fresh page: same step, same points.
  await ready(page);
  await page.getByTestId('load-weights-input').setInputFiles(weights);
  await until('the loaded run', 60_000, async () => (await page.getByTestId('run-state').textContent()) === 'paused');
  await until('its embedding', 120_000, async () => (await num(page, 'points-count')) >= 2000);
  const step = (await page.getByTestId('step-count').textContent()).trim();
  if (await page.getByTestId('error').count()) throw new Error(await page.getByTestId('error').textContent());
  await page.getByTestId('step').click();
  await until('a step after loading', 120_000, async () => (await page.getByTestId('step-count').textContent()).startsWith('2'));
  if (errors.length) throw new Error(errors.join(' | '));
  console.log(`     PNG ${bytes.length} bytes, CSV ${csv.length - 1} points, weights ${fs.statSync(weights).size} bytes, loaded: ${step}`);
});

// The live layers' canvases: the embedding's, and the loss and accuracy curves'.
const EMBEDDING_LAYER = '[data-testid="embedding-plot"] canvas.point-layer';
const CURVE_LAYERS = '[data-testid="loss-plot"] canvas.point-layer, [data-testid="accuracy-plot"] canvas.point-layer';

await check('exports the plot while a run trains: a still copy with every point and tick labels', async (page, errors) => {
  await ready(page);
  await page.getByTestId('train').click();
  await until('a live embedding', 120_000, async () =>
    (await num(page, 'points-count')) >= 2000 && (await page.locator(EMBEDDING_LAYER).count()) === 1);
  // The curves are live too: their layers draw them while the run trains.
  await until('live curves', 60_000, async () => (await page.locator(CURVE_LAYERS).count()) === 2);
  const svg = fs.readFileSync(await download(page, 'export-svg'), 'utf8');
  // The live plot holds one clipped placeholder point per class; the export draws them all.
  const points = (svg.match(/class="point"/g) || []).length;
  const ticks = (svg.match(/class="xtick"/g) || []).length;
  if (points < 2000 || ticks < 3 || !svg.includes('seed 1')) throw new Error(`live SVG export: ${points} points, ${ticks} x ticks`);
  // The live plot's legend choices carry over: class 0 hidden, its points are not exported.
  await page.locator('[data-testid="embedding-plot"] .legend .traces').first().locator('.legendtoggle').click();
  await page.waitForTimeout(800);
  const hidden = fs.readFileSync(await download(page, 'export-svg'), 'utf8');
  const left = (hidden.match(/class="point"/g) || []).length;
  if (!(left < points - 50 && left > points / 2)) throw new Error(`class 0 hidden: ${left} of ${points} points exported`);
  // The page's plot stays live, and the copy is gone.
  if ((await page.locator(EMBEDDING_LAYER).count()) !== 1) throw new Error('the live layer went');
  if ((await page.locator('.js-plotly-plot').count()) !== (await page.locator('[data-testid$="-plot"].js-plotly-plot').count()))
    throw new Error('an off-screen copy stayed on the page');
  await page.getByTestId('pause').click();
  // Paused: plotly's own lines draw the curves again (hover, zoom), and the layers go.
  await until('still curves', 60_000, async () => (await page.locator(CURVE_LAYERS).count()) === 0
    && await page.evaluate(() => Number.isFinite(document.querySelector('[data-testid="loss-plot"]').data[0].y[0])));
  if (await page.getByTestId('error').count()) throw new Error(await page.getByTestId('error').textContent());
  if (errors.length) throw new Error(errors.join(' | '));
  console.log(`     live SVG export: ${points} points, ${ticks} x ticks; ${left} with class 0 hidden`);
});

await check('compares 2 runs side by side: two plots with points, one table', async (page, errors) => {
  await ready(page);
  await page.getByTestId('compare-select').selectOption('bias');
  await until('two plots with 2,000 points', 180_000, async () =>
    (await num(page, 'compare-points-0')) >= 2000 && (await num(page, 'compare-points-1')) >= 2000);
  const target = parseInt(process.env.COMPARE_STEPS || '3', 10);
  await until(`${target} steps each`, 600_000, async () =>
    (await num(page, 'compare-step-0')) >= target && (await num(page, 'compare-step-1')) >= target);
  const rows = await page.getByTestId('compare-metrics').locator('tbody tr').count();
  if (rows !== 2) throw new Error(`${rows} rows`);
  const row = await page.getByTestId('compare-row-1').textContent();
  if (!row.includes('without bias') || !row.includes('%')) throw new Error(`row: ${row}`);
  // One evaluate: a Playwright click needs several gaps between the (seconds-long) CPU slices.
  await page.evaluate(() => document.querySelector('[data-testid="compare-stop"]').click());
  if (shots) {
    await page.waitForTimeout(1000);
    await page.getByTestId('compare').screenshot({ path: path.join(shots, 'compare.png') });
  }
  if (errors.length) throw new Error(errors.join(' | '));
});

await browser.close();
close();
finish('panels');
