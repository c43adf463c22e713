// End-to-end smoke test of the built app (dist/), served locally, in headless Chromium driven by
// playwright-core. Checks: real data download → training on the CPU backend → points in the plot;
// a value typed out of range is refused with its range; a WebGPU step; a 404 and a corrupt file
// each give a message and a retry that works.
//
//   node tests/e2e/smoke.mjs            (after `trunk build`)
//   SCREENSHOTS=dir node tests/e2e/smoke.mjs   also saves screenshots
//   ONLY=text node tests/e2e/smoke.mjs          runs the checks whose name contains "text"
import path from 'node:path';
import { serve, launch, until, num, checks } from './harness.mjs';

const shots = process.env.SCREENSHOTS;
const { base, close } = await serve(process.env.DIST || 'dist');
const browser = await launch();
const { check, finish } = checks(browser, { shots });

await check('downloads MNIST, trains on the CPU backend and plots 2,000 points', async (page, errors) => {
  await page.goto(base + '?backend=cpu');
  await page.getByTestId('train').waitFor();
  await until('the data to load', 120_000, async () => await page.getByTestId('train').isEnabled());
  await until('the backend to be chosen', 60_000, async () => !(await page.getByTestId('backend-info').textContent()).startsWith('choosing'));
  const info = await page.getByTestId('backend-info').textContent();
  if (!info.startsWith('CPU')) throw new Error(`backend: ${info}`);
  const place = await page.getByTestId('host-place').textContent();
  if (place !== 'in a Web Worker') throw new Error(`training runs ${place}`);
  await page.getByTestId('train').click();
  await until('2,000 points and 10 steps', 300_000,
    async () => (await num(page, 'points-count')) >= 2000 && parseInt(await page.getByTestId('step-count').textContent()) >= 10);
  if (shots) await page.screenshot({ path: path.join(shots, 'training.png') });
  await page.getByTestId('pause').click();
  if (await page.getByTestId('error').count()) throw new Error(await page.getByTestId('error').textContent());
  if (errors.length) throw new Error(errors.join(' | '));
});

await check('without Web Workers, trains in the page and says so', async (page, errors) => {
  await page.addInitScript(() => { delete window.Worker; });
  await page.goto(base + '?backend=cpu&steps=2');
  await until('the data to load', 120_000, async () => await page.getByTestId('train').isEnabled());
  const place = await page.getByTestId('host-place').textContent();
  if (!place.startsWith('in the page (')) throw new Error(`training runs ${place}`);
  await page.getByTestId('train').click();
  await until('2 steps and the final embedding', 300_000, async () =>
    (await page.getByTestId('step-count').textContent()).startsWith('2 /') && (await num(page, 'points-count')) >= 2000);
  if (await page.getByTestId('error').count()) throw new Error(await page.getByTestId('error').textContent());
  if (errors.length) throw new Error(errors.join(' | '));
});

await check('a setting typed out of range is refused with its range; the value in force stays', async (page) => {
  await page.goto(base + '?backend=cpu');
  await until('the data to load', 120_000, async () => await page.getByTestId('train').isEnabled());
  for (const [id, typed, message, kept] of [
    ['batch', '5000', 'Batch size: batch_size must be in 1..=1024, got 5000', '128'],
    ['epochs', '0', 'Epochs: epochs must be in 1..=100, got 0', '1'],
    ['lr', '2', 'Learning rate (Adam): lr must be in (0, 1], got 2', '0.001'],
  ]) {
    await page.getByTestId(id).fill(typed);
    await page.getByTestId(id).dispatchEvent('change');
    await until(`the message for ${id} ${typed}`, 5_000, async () => (await page.getByTestId('error').count()) > 0
      && (await page.getByTestId('error-text').textContent()) === message)
      .catch(async e => { throw new Error(`${e.message}; the page shows: ${await page.getByTestId('error-text').textContent().catch(() => 'nothing')}`); });
    const now = await page.getByTestId(id).inputValue();
    if (now !== kept) throw new Error(`${id} shows ${now} after ${typed}, not the value in force ${kept}`);
  }
  await page.getByTestId('batch').fill('64');
  await page.getByTestId('batch').dispatchEvent('change');
  await until('bs=64 in the address bar', 5_000, async () => (await page.evaluate(() => location.search)).includes('bs=64'));
});

await check('trains a step on WebGPU when chosen', async (page) => {
  await page.goto(base + '?backend=webgpu');
  await until('the data to load', 120_000, async () => await page.getByTestId('train').isEnabled());
  await until('WebGPU to start', 60_000, async () => !(await page.getByTestId('backend-info').textContent()).startsWith('choosing'));
  const info = await page.getByTestId('backend-info').textContent();
  if (!info.startsWith('WebGPU')) throw new Error(`expected WebGPU, got: ${info}`);
  await page.getByTestId('batch').fill('8');
  await page.getByTestId('batch').dispatchEvent('change');
  await page.getByTestId('step').click();
  await until('one WebGPU step', 240_000, async () => (await page.getByTestId('step-count').textContent()).startsWith('1 /'));
  const loss = parseFloat(await page.getByTestId('batch-loss').textContent());
  if (!Number.isFinite(loss)) throw new Error(`loss ${loss}`);
});

await check('a 404 shows a message and Retry recovers', async (page) => {
  let fail = true;
  await page.route('**/t10k-labels-idx1-ubyte.gz', r => fail ? r.fulfill({ status: 404, body: 'gone' }) : r.continue());
  await page.goto(base + '?backend=cpu');
  await page.getByTestId('error').waitFor({ timeout: 120_000 });
  const text = await page.getByTestId('error-text').textContent();
  if (!text.includes('404')) throw new Error(`message: ${text}`);
  fail = false;
  await page.getByTestId('retry').click();
  await until('the retried load', 120_000, async () => await page.getByTestId('train').isEnabled());
});

await check('a corrupt file names the file and the problem', async (page) => {
  await page.route('**/t10k-images-idx3-ubyte.gz', async r => {
    const resp = await r.fetch();
    const body = await resp.body();
    await r.fulfill({ status: 200, body: body.subarray(0, body.length >> 1) });
  });
  await page.goto(base + '?backend=cpu');
  await page.getByTestId('error').waitFor({ timeout: 120_000 });
  const text = await page.getByTestId('error-text').textContent();
  if (!text.includes('t10k-images')) throw new Error(`message: ${text}`);
  if (await page.getByTestId('train').isEnabled()) throw new Error('train enabled without data');
});

await browser.close();
close();
finish('smoke');
