// Trains in the served app (CPU backend) and saves a screenshot once the embedding has
// separated, after `trunk build`:
//   node scripts/screenshot.mjs OUT.png [STEPS] [DIM] [LOSS] [--preset ID] [--regions] [--batch N]
// With --preset the paper-comparison preset sets dim and loss; --regions draws the decision regions.
import { serve, launch, until } from '../tests/e2e/harness.mjs';

const args = process.argv.slice(2);
const flag = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const [, v] = args.splice(i, 2);
  return v;
};
const regionsAt = args.indexOf('--regions');
const regions = regionsAt >= 0 && args.splice(regionsAt, 1).length > 0;
const preset = flag('--preset');
const batch = flag('--batch');
const [out = 'docs/screenshot.png', steps = '300', dim = '2', loss = 'softmax'] = args;
const { base, close } = await serve('dist');
const browser = await launch();
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await page.goto(base + '?backend=cpu');
  await until('the data', 120_000, async () => await page.getByTestId('train').isEnabled());
  if (preset) {
    await page.getByTestId('preset-select').selectOption(preset);
  } else {
    await page.getByTestId('dim').selectOption(dim);
    await page.getByTestId('loss-select').selectOption(loss);
  }
  if (batch) {
    await page.getByTestId('batch').fill(batch);
    await page.getByTestId('batch').dispatchEvent('change');
  }
  if (regions) await page.getByTestId('show-regions').check();
  await page.getByTestId('train').click();
  const t = Date.now();
  await until(`${steps} steps`, 3_600_000, async () =>
    parseInt(await page.getByTestId('step-count').textContent()) >= +steps);
  await page.getByTestId('pause').click();
  const updates = parseInt(await page.getByTestId('plot-updates').textContent());
  await until('the final embedding', 120_000, async () =>
    parseInt(await page.getByTestId('plot-updates').textContent()) > updates);
  await new Promise(r => setTimeout(r, 1000));
  await page.screenshot({ path: out, fullPage: true });
  console.log(JSON.stringify({ out, steps: +steps, secs: (Date.now() - t) / 1000,
    samples_per_sec: await page.getByTestId('samples-per-sec').textContent(),
    eval_accuracy: await page.getByTestId('eval-accuracy').textContent() }));
} finally {
  await browser.close();
  close();
}
