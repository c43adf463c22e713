// Makes the gallery's thumbnails, public/thumbs/<preset id>.png (240×180), after `trunk build`:
// each preset's share link is opened with a short CPU budget (`steps=`, `autostart=1`), and once
// the run has finished the embedding plot alone is captured, without title, legend and the loss
// geometry (its lines would set the axes; the points should fill the picture).
//
//   node scripts/thumbnails.mjs [--steps 60] [--batch 64] [--only ID,ID]
//
// One to three minutes per preset (the CPU backend trains 25–100 samples/s headless, by load).
import fs from 'node:fs';
import path from 'node:path';
import { serve, launch, until } from '../tests/e2e/harness.mjs';

const args = process.argv.slice(2);
const flag = (name, dflt) => {
  const i = args.indexOf(name);
  return i < 0 ? dflt : args[i + 1];
};
const steps = +flag('--steps', 60);
const batch = +flag('--batch', 64);
const only = flag('--only', '');
const out = 'public/thumbs';
fs.mkdirSync(out, { recursive: true });

const { base, close } = await serve(process.env.DIST || 'dist');
const browser = await launch();
try {
  // The presets and their links, from the gallery itself.
  const index = await browser.newPage();
  await index.goto(base + '?backend=cpu');
  await index.getByTestId('gallery').waitFor();
  const presets = await index.$$eval("a[data-testid^='gallery-']", as => as.map(a => ({
    id: a.dataset.testid.slice('gallery-'.length), href: a.getAttribute('href') })));
  await index.close();
  for (const { id, href } of presets) {
    if (only && !only.split(',').includes(id)) continue;
    const t = Date.now();
    const page = await browser.newPage({ viewport: { width: 960, height: 720 } });
    await page.goto(`${base}${href}&bs=${batch}&steps=${steps}&ee=100000&np=1000&geo=0&theme=light&autostart=1&backend=cpu`);
    await until(`${id} to finish`, 1_800_000,
      async () => /^[0-9a-f]{16}$/.test((await page.getByTestId('fingerprint').textContent()).trim()));
    const updates = +(await page.getByTestId('plot-updates').textContent());
    await until('the final embedding drawn', 60_000,
      async () => +(await page.getByTestId('plot-updates').textContent()) >= Math.max(updates, 2));
    // The plot alone, 4:3, without title, legend and mode bar.
    await page.addStyleTag({ content: `[data-testid=embedding-plot] { position: fixed !important; left: 0; top: 0;
      width: 480px !important; height: 360px !important; min-height: 0 !important; z-index: 99; background: #fff; }
      .modebar-container { display: none !important; }` });
    await page.evaluate(async () => {
      const el = document.querySelector('[data-testid=embedding-plot]');
      await Plotly.relayout(el, { showlegend: false, 'title.text': '', margin: { l: 4, r: 4, t: 4, b: 4 },
        width: 480, height: 360, 'xaxis.showticklabels': false, 'yaxis.showticklabels': false });
    });
    await new Promise(r => setTimeout(r, 500));
    const png = await page.locator('[data-testid=embedding-plot]').screenshot({ scale: 'css' });
    await page.close();
    // Half size: drawn again into a 240×180 canvas.
    const small = await browser.newPage({ viewport: { width: 240, height: 180 } });
    await small.setContent(`<body style="margin:0"><img id="i" style="width:240px;height:180px;display:block"
      src="data:image/png;base64,${png.toString('base64')}"></body>`);
    await small.waitForFunction(() => document.getElementById('i').complete);
    await small.screenshot({ path: path.join(out, `${id}.png`) });
    await small.close();
    const kb = (fs.statSync(path.join(out, `${id}.png`)).size / 1024).toFixed(1);
    console.log(`${id}: ${kb} KB in ${((Date.now() - t) / 1000).toFixed(0)} s`);
  }
} finally {
  await browser.close();
  close();
}
