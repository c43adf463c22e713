// End-to-end tests of share links and classroom mode in the built app (dist/), served locally, in
// headless Chromium driven by playwright-core: valid, hostile and old-version links; the address
// bar round-trip; data= kept or refused; compare= training its runs side by side; the same link
// reproducing its run's fingerprint in fresh browser contexts; Copy link; presenter view with its QR code, hidden controls and keyboard shortcuts; the gallery.
//
//   node tests/e2e/share.mjs                 (after `trunk build`)
//   DOCS_SHOTS=docs node tests/e2e/share.mjs also saves the README's screenshots into docs/
//   ONLY=presenter node tests/e2e/share.mjs  runs the tests whose name contains "presenter"
import path from 'node:path';
import { serve, launch, until, num, checks } from './harness.mjs';

const docs = process.env.DOCS_SHOTS;
const { base, close } = await serve(process.env.DIST || 'dist');
const browser = await launch();

// A gallery thumbnail not made yet is hidden by the page; any other console error fails a check.
const { check, finish } = checks(browser, {
  shots: docs,
  ignore: m => m.location().url.includes('/thumbs/'),
  failOnErrors: true,
});

const ready = page => until('the data to load', 120_000, async () => await page.getByTestId('train').isEnabled());
const search = page => page.evaluate(() => location.search);
/** Waits until the address bar shows `want` (it is rewritten a moment after each change). */
const urlIs = (page, want) => until(`the address bar to read ${want}`, 5_000, async () => (await search(page)) === want)
  .catch(async e => { throw new Error(`${e.message}; it reads ${await search(page)}`); });
const value = (page, id) => page.getByTestId(id).inputValue();
function expect(what, got, want) {
  if (got !== want) throw new Error(`${what}: expected ${JSON.stringify(want)}, got ${JSON.stringify(got)}`);
}

await check('a valid link restores every setting; the address bar round-trips', async (page) => {
  const link = '?v=1&loss=arcface&d=3&seed=7&theme=dark&hide=lr,seed&backend=cpu';
  await page.goto(base + link);
  await ready(page);
  expect('loss', await value(page, 'loss-select'), 'arcface');
  expect('dim', await value(page, 'dim'), '3');
  expect('backend', await value(page, 'backend'), 'cpu');
  expect('theme', await page.evaluate(() => document.documentElement.dataset.theme), 'dark');
  if (await page.getByTestId('lr').isVisible()) throw new Error('lr is shown although hidden');
  if (await page.getByTestId('seed').isVisible()) throw new Error('seed is shown although hidden');
  if (!(await page.getByTestId('batch').isVisible())) throw new Error('batch size is hidden');
  if (await page.getByTestId('link-notice').count()) throw new Error('a notice for a valid link');
  await urlIs(page, link);
  await page.getByTestId('batch').fill('64');
  await page.getByTestId('batch').dispatchEvent('change');
  await urlIs(page, '?v=1&loss=arcface&d=3&bs=64&seed=7&theme=dark&hide=lr,seed&backend=cpu');
  // The rewritten address opens the same page.
  await page.reload();
  await ready(page);
  expect('batch after reload', await value(page, 'batch'), '64');
  expect('loss after reload', await value(page, 'loss-select'), 'arcface');
});

await check('hostile links are corrected with a notice, never a panic', async (page) => {
  const hostile = '?v=9&v=1&lr=abc&bs=99999&d=%3Cscript%3Ealert(1)%3C/script%3E&hide=lr,bogus'
    + '&data=javascript:alert(1)&cam=1,2&theme=neon&zzz=1&fp=xyz&steps=-5&seed=' + '9'.repeat(300)
    + '&presenter=maybe&%FF%FE=%00&backend=cpu';
  await page.goto(base + hostile);
  await ready(page);
  const lines = await page.getByTestId('link-correction').allTextContents();
  for (const key of ['v=', 'lr=abc', 'bs=99999', 'd=<script>', 'bogus', 'data=javascript', 'cam=', 'theme=neon',
    'zzz', 'fp=xyz', 'steps=-5', 'seed=', 'presenter=maybe']) {
    if (!lines.some(l => l.includes(key))) throw new Error(`no correction for ${key}: ${lines.join(' / ')}`);
  }
  expect('batch (clamped)', await value(page, 'batch'), '1024');
  expect('dim (default)', await value(page, 'dim'), '2');
  if (await page.getByTestId('lr').isVisible()) throw new Error('the valid part of hide= was not applied');
  if (await page.evaluate(() => !!document.querySelector('script:not([src])') && [...document.scripts].some(s => s.text.includes('alert(1)'))))
    throw new Error('a script from the link reached the page');
  // The address bar now holds only what was used.
  const clean = await search(page);
  for (const bad of ['zzz', 'script', 'javascript', 'bogus', 'xyz']) {
    if (clean.includes(bad)) throw new Error(`address bar still has ${bad}: ${clean}`);
  }
  await page.getByTestId('link-notice-close').click();
  if (await page.getByTestId('link-notice').count()) throw new Error('the notice did not close');
  // Pure garbage opens the default page.
  await page.goto(base + '?%%%&&==&=&v=abc&backend=cpu&' + 'x'.repeat(5000));
  await ready(page);
  expect('dim', await value(page, 'dim'), '2');
  if (!(await page.getByTestId('link-notice').isVisible())) throw new Error('no notice for garbage');
});

await check('an old (version 0) link still opens', async (page) => {
  await page.goto(base + '?backend=cpu&dim=3&batch=64');
  await ready(page);
  expect('dim', await value(page, 'dim'), '3');
  expect('batch', await value(page, 'batch'), '64');
  if (await page.getByTestId('link-notice').count()) throw new Error('a notice for a valid old link');
  await urlIs(page, '?v=1&d=3&bs=64&backend=cpu');
});

await check('data= a link names is kept by Copy link; a hostile one falls back to data/ with a notice', async (page) => {
  const requests = [];
  page.on('request', r => requests.push(r.url()));
  const link = '?v=1&backend=cpu&data=./data/';
  await page.goto(base + link);
  await ready(page);
  if (await page.getByTestId('link-notice').count()) throw new Error('a notice for a valid data=');
  await urlIs(page, link);
  await page.getByTestId('copy-link').click();
  expect('copied link', await value(page, 'link-text'), base + link);
  for (const bad of ['javascript:alert(1)//', 'ftp://example.org/data/', '//example.org/data/',
    `https://example.org/${'a/'.repeat(150)}`]) {
    requests.length = 0;
    await page.goto(`${base}?v=1&backend=cpu&data=${encodeURIComponent(bad)}`);
    await ready(page);
    const lines = await page.getByTestId('link-correction').allTextContents();
    if (!lines.some(l => l.startsWith('data=') && l.endsWith('using the default data/')))
      throw new Error(`${bad}: no notice of the fallback: ${lines.join(' / ')}`);
    // The training worker's script is a Blob URL of this origin (blob:http://127.0.0.1:port/…).
    const elsewhere = requests.filter(u => !u.startsWith(base) && !u.startsWith(`blob:${base}`));
    if (elsewhere.length) throw new Error(`${bad}: requests elsewhere: ${elsewhere.join(', ')}`);
    if ((await search(page)).includes('data=')) throw new Error(`${bad}: still in the address bar`);
  }
});

// Two runs side by side from the link: 3 steps each, an embedding (200 points) after every step.
const compareLink = '?v=1&bs=32&steps=3&ee=1&np=200&backend=cpu&compare=loss:softmax,normface';
await check('compare= in a link trains its runs side by side once the data are in; Copy link keeps it', async (page) => {
  await page.goto(base + compareLink);
  await until('two compare plots with points', 240_000, async () => (await page.getByTestId('compare-plot-1').count()) > 0
    && (await num(page, 'compare-points-0')) > 0 && (await num(page, 'compare-points-1')) > 0);
  await until('both runs to finish', 240_000, async () =>
    (await page.getByTestId('compare-metrics').locator('tbody tr').allTextContents()).filter(r => r.endsWith('done')).length === 2);
  expect('title', await page.getByTestId('compare-title').textContent(), 'compare loss:softmax,normface');
  expect('plots', await page.locator('[data-testid^="compare-plot-"]').count(), 2);
  const rows = await page.getByTestId('compare-metrics').locator('tbody tr').allTextContents();
  if (!rows[0].startsWith('loss=softmax') || !rows[1].startsWith('loss=normface') || !rows.every(r => r.includes('%')))
    throw new Error(`rows: ${rows.join(' / ')}`);
  expect('steps', [await num(page, 'compare-step-0'), await num(page, 'compare-step-1')].join(','), '3,3');
  if (await page.getByTestId('link-notice').count()) throw new Error('a notice for a valid compare=');
  expect('run state (the single run is not started)', await page.getByTestId('run-state').textContent(), 'ready');
  await urlIs(page, compareLink);
  await page.getByTestId('copy-link').click();
  expect('copied link', await value(page, 'link-text'), base + compareLink);
  // Another comparison replaces it: the link no longer describes the page's, so it drops compare=.
  await page.getByTestId('compare-select').selectOption('bias');
  await until('the address bar without compare=', 60_000, async () => !(await search(page)).includes('compare='));
  await page.evaluate(() => document.querySelector('[data-testid="compare-stop"]').click());
});

await check('a hostile compare= gives a notice and leaves the page working', async (page) => {
  for (const bad of ['loss:softmax,<img src=x onerror=alert(1)>;d:2,3', 'bogus:1,2', 'loss:softmax,nope', 'd:2',
    'x'.repeat(300)]) {
    await page.goto(`${base}?v=1&bs=16&ee=1&np=200&backend=cpu&compare=${encodeURIComponent(bad)}`);
    await ready(page);
    const lines = await page.getByTestId('link-correction').allTextContents();
    if (!lines.some(l => l.startsWith('compare='))) throw new Error(`${bad}: no notice: ${lines.join(' / ')}`);
    if (await page.locator('img[onerror]').count()) throw new Error(`${bad}: markup from the link reached the page`);
    if ((await search(page)).includes('compare=')) throw new Error(`${bad}: still in the address bar`);
  }
  // No comparison started; the page trains as usual.
  await page.waitForTimeout(1000);
  expect('compare plots', await page.locator('[data-testid^="compare-plot-"]').count(), 0);
  if (await page.getByTestId('compare-metrics').isVisible()) throw new Error('a compare table without runs');
  await page.getByTestId('step').click();
  await until('a step', 60_000, async () => (await page.getByTestId('step-count').textContent()).startsWith('1 /'));
  await until('its embedding', 60_000, async () => (await num(page, 'points-count')) > 0);
});

// A short run: 15 steps of 32 on the CPU backend, 200 test points plotted.
const run = '?v=1&bs=32&steps=15&ee=100&np=200&autostart=1&backend=cpu';
const fingerprintOf = async (page) => {
  await until('the run to finish with a fingerprint', 240_000,
    async () => /^[0-9a-f]{16}$/.test((await page.getByTestId('fingerprint').textContent()).trim()));
  return (await page.getByTestId('fingerprint').textContent()).trim();
};
let fpA = null;
await check('a link autostarts, finishes at steps= and Copy link carries its fingerprint', async (page, _e, context) => {
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(base).origin });
  await page.goto(base + run);
  fpA = await fingerprintOf(page);
  expect('state', await page.getByTestId('run-state').textContent(), 'finished');
  expect('steps', (await page.getByTestId('step-count').textContent()).trim(), '15 / 15');
  await urlIs(page, `${run}&fp=${fpA}`);
  await page.getByTestId('copy-link').click();
  await until('"copied"', 5_000, async () => (await page.getByTestId('copy-status').textContent()) === 'copied');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect('copied link', copied, `${base}${run}&fp=${fpA}`);
  expect('link field', await value(page, 'link-text'), copied);
});

await check('the same link reproduces the fingerprint in a fresh browser context', async (page) => {
  if (!fpA) throw new Error('no fingerprint from the first run');
  await page.goto(`${base}${run}&fp=${fpA}`);
  const fpB = await fingerprintOf(page);
  expect('fingerprint', fpB, fpA);
  const verdict = await page.getByTestId('fingerprint-check').textContent();
  if (!verdict.includes('reproduced')) throw new Error(`verdict: ${verdict}`);
});

await check('another seed differs from the link\'s fingerprint', async (page) => {
  await page.goto(`${base}${run.replace('bs=32', 'bs=32&seed=2')}&fp=${fpA || '0000'}`);
  const fpC = await fingerprintOf(page);
  if (fpC === fpA) throw new Error('seed 2 gave the same fingerprint');
  const verdict = await page.getByTestId('fingerprint-check').textContent();
  if (!verdict.includes('differs')) throw new Error(`verdict: ${verdict}`);
});

await check('classroom: presenter view with a QR code, hidden controls and keyboard shortcuts', async (page) => {
  await page.goto(base + '?v=1&bs=32&theme=light&hide=lr,bs,seed,sched,backend,params&presenter=1&backend=cpu');
  await ready(page);
  if (!(await page.evaluate(() => document.body.classList.contains('presenter')))) throw new Error('no presenter class');
  const qr = page.getByTestId('qr-code');
  if ((await qr.evaluate(e => e.tagName.toLowerCase())) !== 'svg') throw new Error('no QR code');
  for (const id of ['lr', 'batch', 'seed', 'lr-schedule', 'backend', 'loss-params']) {
    if (await page.getByTestId(id).isVisible()) throw new Error(`${id} is shown although hidden`);
  }
  const state = () => page.getByTestId('run-state').textContent();
  await page.keyboard.press('Space');
  await until('training', 10_000, async () => (await state()) === 'training');
  await until('a step', 60_000, async () => parseInt(await page.getByTestId('step-count').textContent()) >= 1);
  await page.keyboard.press('Space');
  await until('paused', 10_000, async () => (await state()) === 'paused');
  await until('the paused embedding', 60_000, async () => (await num(page, 'points-count')) > 0);
  const before = parseInt(await page.getByTestId('step-count').textContent());
  await page.keyboard.press('ArrowRight');
  await until('one more step', 30_000, async () => parseInt(await page.getByTestId('step-count').textContent()) === before + 1);
  if (docs) {
    await new Promise(r => setTimeout(r, 1500));
    await page.screenshot({ path: path.join(docs, 'presenter.png') });
  }
  await page.keyboard.press('r');
  await until('reset', 10_000, async () => (await state()) === 'ready');
  await page.keyboard.press('?');
  await page.getByTestId('help').waitFor({ timeout: 5_000 });
  await page.keyboard.press('Escape');
  await page.getByTestId('help').waitFor({ state: 'detached', timeout: 5_000 });
  // Keys typed into a field stay there.
  await page.getByTestId('epochs').focus();
  await page.keyboard.press('p');
  if (!(await page.evaluate(() => document.body.classList.contains('presenter')))) throw new Error('p in a field left presenter view');
  await page.getByTestId('epochs').blur();
  // Leaving presenter view; the QR goes with it.
  await page.getByTestId('presenter-toggle').click();
  await page.getByTestId('qr-code').waitFor({ state: 'detached', timeout: 5_000 });
}, { viewport: { width: 1280, height: 800 } });

await check('gallery (dark theme): every preset with a link; a card and the tour apply their settings', async (page) => {
  await page.goto(base + '?v=1&backend=cpu&theme=dark');
  await ready(page);
  const cards = await page.getByTestId('gallery-card').count();
  if (cards < 10) throw new Error(`only ${cards} cards`);
  // Every card has its thumbnail (lazy: scrolled into view first).
  await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
  await until('every thumbnail', 20_000, () => page.evaluate(n => {
    const imgs = [...document.querySelectorAll('.card img')];
    return imgs.length === n && imgs.every(i => i.complete && i.naturalWidth === 240);
  }, cards));
  await page.evaluate(() => window.scrollTo(0, 0));
  const href = await page.getByTestId('gallery-activation-relu').getAttribute('href');
  if (!href.startsWith('?v=1&') || !href.includes('act=relu')) throw new Error(`relu link: ${href}`);
  await page.getByTestId('gallery-activation-relu').click();
  expect('activation', await value(page, 'activation'), 'relu');
  await urlIs(page, `${href}&theme=dark&backend=cpu`);
  // Keyboard operation: Tab reaches Copy link, with a visible focus ring; Enter presses it.
  await page.evaluate(() => document.activeElement && document.activeElement.blur());
  let focused = null;
  for (let i = 0; i < 80 && focused !== 'copy-link'; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => document.activeElement?.dataset?.testid ?? null);
  }
  expect('focus after Tabs', focused, 'copy-link');
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  if (ring === 'none') throw new Error('no visible focus ring');
  await page.keyboard.press('Enter');
  await page.getByTestId('link-text').waitFor({ timeout: 5_000 });
  await page.getByTestId('tour-start').click();
  const first = await page.getByTestId('tour-title').textContent();
  await page.getByTestId('tour-next').click();
  const second = await page.getByTestId('tour-title').textContent();
  if (first === second) throw new Error('the tour did not move');
  expect('tour position', await page.getByTestId('tour-position').textContent(), `2 / ${cards}`);
  if (docs) {
    // One step (→) to have an embedding to show, then the keyboard help open.
    await page.keyboard.press('ArrowRight');
    await until('the embedding after one step', 60_000, async () => (await num(page, 'points-count')) > 0
      && (await page.getByTestId('step-count').textContent()).startsWith('1 /'));
    await page.getByTestId('help-button').click();
    await page.evaluate(() => window.scrollTo(0, 0));
    await new Promise(r => setTimeout(r, 1000));
    await page.screenshot({ path: path.join(docs, 'classroom-dark.png') });
  }
}, { viewport: { width: 1280, height: 960 } });

await browser.close();
close();
finish('share');
