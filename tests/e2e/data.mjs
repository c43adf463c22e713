// End-to-end tests of data in the browser (after `trunk build`): fetch → verify → cache → reload
// from the cache with no data requests; each built-in dataset loads and trains; a corrupt file
// is refused, named and not cached; a failed switch (404, offline) keeps the dataset in use and
// Retry recovers; the user's own files become a dataset; hovering a point shows its image.
// Prints load times and WebAssembly memory per dataset (first visit and cached).
//
//   node tests/e2e/data.mjs              (serves dist/ with the repository's data/ at /data/)
//   ONLY=cache node tests/e2e/data.mjs   runs the checks whose name contains "cache"
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, until, checks } from './harness.mjs';

const DATA = process.env.DATA || 'data';
const overrides = new Map();
const log = [];
const { base, close } = await serve(process.env.DIST || 'dist', { data: DATA, overrides, log });
const browser = await launch();
const measured = [];

// Each check in its own context (its own cache); the server's overrides are cleared after it.
const { check, finish } = checks(browser, {
  shots: process.env.SCREENSHOTS,
  context: { viewport: { width: 1280, height: 1000 } },
  after: () => overrides.clear(),
});

const TITLES = { mnist: 'MNIST', 'fashion-mnist': 'Fashion-MNIST', cifar10: 'CIFAR-10' };
const text = (page, id) => page.getByTestId(id).textContent();

/** Waits until `id`'s dataset is the one in use; returns its status line. */
async function loaded(page, id, ms = 300_000) {
  const prefix = TITLES[id];
  await until(`${prefix} to load`, ms, async () => {
    const s = await text(page, 'data-status');
    return s.startsWith(prefix + (id === 'cifar10' ? ' (' : ':')) && s.includes(' training + ')
      && await page.getByTestId('train').isEnabled();
  });
  return text(page, 'data-status');
}

const millis = status => parseFloat(status.match(/in (\d+) ms/)[1]);
const dataRequests = urls => urls.filter(u => u.startsWith('/data/') && !u.endsWith('/manifest.json'));
const cacheKeys = page => page.evaluate(async () => {
  const c = await caches.open('embedding-playground-data-v1');
  return (await c.keys()).map(r => new URL(r.url).pathname);
});

/** Two training steps (batch 16) on the dataset in use; returns the legend's trace names. */
async function trainSteps(page) {
  await page.getByTestId('batch').fill('16');
  await page.getByTestId('batch').dispatchEvent('change');
  const before = await page.getByTestId('plot-updates').textContent();
  await page.getByTestId('step').click();
  await until('a step', 120_000, async () => (await text(page, 'step-count')).startsWith('1 /'));
  await until('the embedding', 120_000, async () => (await page.getByTestId('plot-updates').textContent()) !== before);
  const loss = parseFloat(await text(page, 'batch-loss'));
  if (!Number.isFinite(loss)) throw new Error(`loss ${loss}`);
  return page.evaluate(() => document.querySelector('[data-testid=embedding-plot]').data.map(t => t.name));
}

async function measure(page, id, first) {
  const status = await loaded(page, id);
  const row = { dataset: id, visit: first ? 'first' : 'cached', ms: millis(status),
    heap: await text(page, 'wasm-heap'), status };
  measured.push(row);
  return row;
}

await check('cache: first visit downloads and caches; a reload reads the cache with no data requests, then trains', async (page) => {
  const requests = [];
  page.on('request', r => requests.push(new URL(r.url()).pathname));
  await page.goto(base + '?backend=cpu');
  const first = await measure(page, 'mnist', true);
  if (!first.status.includes('downloaded')) throw new Error(`first visit: ${first.status}`);
  if (dataRequests(requests).length !== 4) throw new Error(`first visit requests: ${dataRequests(requests)}`);
  await until('4 cached files', 30_000, async () => (await cacheKeys(page)).filter(k => k.startsWith('/data/mnist/')).length === 4);
  if (!/cached: [1-9]/.test(await text(page, 'cache-info'))) throw new Error(await text(page, 'cache-info'));
  requests.length = 0;
  log.length = 0;
  await page.reload();
  const again = await measure(page, 'mnist', false);
  if (!again.status.includes('from the cache')) throw new Error(`reload: ${again.status}`);
  if (dataRequests(requests).length || dataRequests(log).length) {
    throw new Error(`data requests on reload: ${dataRequests(requests)} / server: ${dataRequests(log)}`);
  }
  const names = await trainSteps(page);
  if (names[0] !== '0') throw new Error(`legend ${names}`);
  // Clearing empties the cache; the next load downloads again.
  await page.getByTestId('clear-cache').click();
  await until('an empty cache', 30_000, async () => (await text(page, 'cache-info')).includes('in 0 file'));
  if ((await cacheKeys(page)).length) throw new Error('cache not cleared');
});

for (const id of ['fashion-mnist', 'cifar10']) {
  await check(`${id}: loads with per-file progress, trains with its class names, loads from the cache after a reload`, async (page) => {
    await page.goto(base + '?backend=cpu');
    await loaded(page, 'mnist');
    await page.getByTestId('dataset').selectOption(id);
    await until('the progress bars', 60_000, async () => (await page.getByTestId('file-progress').count()) >= 4);
    await measure(page, id, true);
    const bars = await page.getByTestId('file-progress').count();
    if (bars !== (id === 'cifar10' ? 6 : 4)) throw new Error(`${bars} progress bars`);
    const names = await trainSteps(page);
    const want = id === 'cifar10' ? 'airplane' : 'T-shirt/top';
    if (names[0] !== want) throw new Error(`legend ${names}`);
    log.length = 0;
    // A second visit to the same link (a reload would reopen the address bar's link, which now
    // names this dataset): MNIST first, then this dataset from the cache.
    await page.goto(base + '?backend=cpu');
    await loaded(page, 'mnist');
    await page.getByTestId('dataset').selectOption(id);
    const row = await measure(page, id, false);
    if (!row.status.includes('from the cache')) throw new Error(row.status);
    if (dataRequests(log).length) throw new Error(`data requests: ${dataRequests(log)}`);
    if (id === 'cifar10') {
      // Fewer training batches: a subset of what is cached, no download.
      await page.getByTestId('train-batches').selectOption('2');
      await until('2 batches', 60_000, async () => (await text(page, 'data-status')).includes('20000 training'));
    }
  });
}

await check('corrupt file: named, refused, not cached; Retry after the fix loads and caches', async (page) => {
  const file = '/data/mnist/t10k-labels-idx1-ubyte.gz';
  const body = Buffer.from(fs.readFileSync(path.join(DATA, 'mnist/t10k-labels-idx1-ubyte.gz')));
  body[body.length >> 1] ^= 0xff;
  overrides.set(file, { status: 200, body });
  await page.goto(base + '?backend=cpu');
  await page.getByTestId('error').waitFor({ timeout: 120_000 });
  const msg = await text(page, 'error-text');
  if (!msg.includes('mnist/t10k-labels-idx1-ubyte.gz') || !msg.includes('checksum mismatch')) throw new Error(msg);
  if (await page.getByTestId('train').isEnabled()) throw new Error('train enabled without data');
  const keys = await cacheKeys(page);
  if (keys.some(k => k.includes('t10k-labels'))) throw new Error(`corrupt file cached: ${keys}`);
  if (keys.some(k => k.includes('/data/mnist/'))) throw new Error(`files of a failed load cached: ${keys}`);
  overrides.delete(file);
  await page.getByTestId('retry').click();
  await loaded(page, 'mnist');
  await until('the cache', 30_000, async () => (await cacheKeys(page)).some(k => k.includes('t10k-labels')));
});

await check('failed switch (404, offline) keeps the dataset in use; Retry recovers', async (page, errors) => {
  await page.goto(base + '?backend=cpu');
  await loaded(page, 'mnist');
  overrides.set('/data/cifar10/test_batch.bin', { status: 404, body: Buffer.from('gone') });
  await page.getByTestId('dataset').selectOption('cifar10');
  await page.getByTestId('error').waitFor({ timeout: 60_000 });
  let msg = await text(page, 'error-text');
  if (!msg.includes('cifar10/test_batch.bin') || !msg.includes('404') || !msg.includes('MNIST is still loaded')) throw new Error(msg);
  if (!(await page.getByTestId('train').isEnabled())) throw new Error('MNIST no longer usable');
  if (await page.getByTestId('dataset').inputValue() !== 'mnist') throw new Error('select does not show MNIST');
  await page.getByTestId('retry').waitFor();
  // Offline: the same, for another dataset.
  await page.context().setOffline(true);
  await page.getByTestId('dataset').selectOption('fashion-mnist');
  await until('the offline error', 60_000, async () => (await page.getByTestId('error-text').count())
    && (await text(page, 'error-text')).includes('Fashion-MNIST'));
  msg = await text(page, 'error-text');
  if (!msg.includes('Retry')) throw new Error(msg);
  await page.context().setOffline(false);
  await page.getByTestId('retry').click();
  await loaded(page, 'fashion-mnist');
  await trainSteps(page);
  errors.length = 0; // the 404 and the offline fetch log console errors by design
});

await check('your files: IDX files become a dataset, bad ones are named, hover shows the image', async (page) => {
  await page.goto(base + '?backend=cpu');
  await loaded(page, 'mnist');
  const gunzip = (await import('node:zlib')).gunzipSync;
  const read = f => fs.readFileSync(path.join(DATA, 'mnist', f));
  await page.getByTestId('user-files').setInputFiles([
    { name: 't10k-images-idx3-ubyte.gz', mimeType: 'application/gzip', buffer: read('t10k-images-idx3-ubyte.gz') },
    { name: 't10k-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: gunzip(read('t10k-labels-idx1-ubyte.gz')) },
  ]);
  await until('your files', 60_000, async () => (await text(page, 'data-status')).startsWith('Your files (10000 images)'));
  if (await page.getByTestId('dataset').inputValue() !== 'user') throw new Error('not selected');
  const names = await trainSteps(page);
  if (names[0] !== '0') throw new Error(`legend ${names}`);
  // Hover the first point of class 0 through plotly's own hover machinery.
  // (plotly emits plotly_hover only for events with a target, as a mouse's have)
  await page.evaluate(() => {
    const gd = document.querySelector('[data-testid=embedding-plot]');
    const points = [{ curveNumber: 0, pointNumber: 0 }];
    points.target = gd;
    Plotly.Fx.hover(gd, points);
  });
  await until('the thumbnail', 10_000, async () => (await text(page, 'hover-label')).includes('label: 0'));
  const ink = await page.evaluate(() => {
    const c = document.querySelector('[data-testid=hover-thumb]');
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let s = 0; for (let i = 0; i < d.length; i += 4) s += d[i];
    return { w: c.width, h: c.height, s };
  });
  if (ink.w !== 28 || ink.h !== 28 || ink.s === 0) throw new Error(`thumbnail ${JSON.stringify(ink)}`);
  // A truncated file: named, and the dataset in use stays.
  await page.getByTestId('user-files').setInputFiles([
    { name: 'broken-images-idx3-ubyte', mimeType: 'application/octet-stream', buffer: gunzip(read('t10k-images-idx3-ubyte.gz')).subarray(0, 5000) },
    { name: 'broken-labels-idx1-ubyte', mimeType: 'application/octet-stream', buffer: gunzip(read('t10k-labels-idx1-ubyte.gz')) },
  ]);
  await page.getByTestId('error').waitFor({ timeout: 30_000 });
  const msg = await text(page, 'error-text');
  if (!msg.includes('broken-images-idx3-ubyte') || !msg.includes('wrong length')) throw new Error(msg);
  if (!(await page.getByTestId('train').isEnabled())) throw new Error('dataset in use lost');
  // Back to a built-in: loads from the cache.
  await page.getByTestId('dataset').selectOption('mnist');
  await loaded(page, 'mnist');
});

await browser.close();
close();
if (measured.length) {
  console.log('\n| dataset | visit | load (ms) | wasm memory |\n|---|---|---|---|');
  for (const m of measured) console.log(`| ${m.dataset} | ${m.visit} | ${m.ms} | ${m.heap} |`);
}
finish('data');
