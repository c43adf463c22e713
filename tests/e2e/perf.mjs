// Measurements in a real browser (headless Chromium, served dist/), not pass/fail checks:
//  1. plot rate: the page's plotly.js redrawing 10,000 points in 3-D in 10 scatter3d traces
//     (one per class, markers of size 2) with Plotly.react, each update followed by the frame
//     that shows it — updates per second, the main-thread time of the Plotly.react call, and
//     the wait for the frame; as the page draws them now (square markers, Float32Array
//     coordinates) and as it drew them before (circles, JS arrays);
//  2. long tasks (PerformanceObserver 'longtask', registered before the app starts) on the page's
//     main thread while it trains for DURATION seconds (default 30) — CPU backend in 2-D (2,000
//     points) and in 3-D (10,000 points), and WebGPU: count, total, p50/p95/max, with the steps
//     done and the embedding-plot updates drawn in that time.
//
//   node tests/e2e/perf.mjs            (after `trunk build`)
import { serve, launch, until, num } from './harness.mjs';

const seconds = parseFloat(process.env.DURATION || '30');
const { base, close } = await serve(process.env.DIST || 'dist');
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await page.addInitScript(() => {
  window.__longtasks = [];
  new PerformanceObserver(list => { for (const e of list.getEntries()) window.__longtasks.push([e.startTime, e.duration]); })
    .observe({ type: 'longtask', buffered: true });
});
await page.goto(base + '?backend=cpu');
await until('the data to load', 120_000, async () => await page.getByTestId('train').isEnabled());

for (const [how, symbol, typed] of [['now: square markers, Float32Array', 'square', true], ['before: circles, JS arrays', 'circle', false]]) {
  const rate = await page.evaluate(async ({ symbol, typed }) => {
    const div = document.createElement('div');
    div.style.cssText = 'width:800px;height:600px';
    document.body.appendChild(div);
    const n = 10000, classes = 10, frames = 30;
    const pts = Array.from({ length: 3 * n }, () => (Math.random() - 0.5) * 4);
    const traces = () => Array.from({ length: classes }, (_, c) => {
      const k = Math.ceil((n - c) / classes);
      const [x, y, z] = [0, 1, 2].map(() => (typed ? new Float32Array(k) : new Array(k)));
      for (let i = c, j = 0; i < n; i += classes, j++) { x[j] = pts[3 * i]; y[j] = pts[3 * i + 1]; z[j] = pts[3 * i + 2]; }
      return { type: 'scatter3d', mode: 'markers', name: String(c), x, y, z, marker: { size: 2, symbol } };
    });
    const layout = { uirevision: 'keep', margin: { l: 40, r: 10, t: 40, b: 30 } };
    // As the page waits: the animation frame (plotly's WebGL draw), then the rest of that task
    // (the frame's commit).
    const frame = () => new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)));
    await Plotly.react(div, traces(), layout);
    await frame();
    const t0 = performance.now();
    const react = [], wait = [];
    for (let f = 0; f < frames; f++) {
      for (let i = 0; i < pts.length; i++) pts[i] += (Math.random() - 0.5) * 0.05;
      const a = performance.now();
      await Plotly.react(div, traces(), layout);
      const b = performance.now();
      await frame();
      react.push(b - a);
      wait.push(performance.now() - b);
    }
    const total = performance.now() - t0;
    const drawn = div.data.reduce((s, t) => s + t.x.length, 0);
    Plotly.purge(div);
    div.remove();
    const median = a => a.sort((p, q) => p - q)[a.length >> 1];
    const mean = a => a.reduce((s, v) => s + v, 0) / a.length;
    return { frames, drawn, perSec: frames * 1000 / total, msPerUpdate: total / frames,
      reactMs: mean(react), reactMedian: median(react), reactMax: Math.max(...react), waitMs: mean(wait) };
  }, { symbol, typed });
  console.log(`PLOT RATE (JS, plotly.js ${await page.evaluate(() => Plotly.version)}, ${rate.drawn} points 3-D, ${how}): ` +
    `${rate.perSec.toFixed(1)} updates/s, ${rate.msPerUpdate.toFixed(0)} ms/update = Plotly.react ${rate.reactMs.toFixed(1)} ms ` +
    `(median ${rate.reactMedian.toFixed(1)}, max ${rate.reactMax.toFixed(0)}; main thread, figure building included) + ` +
    `frame ${rate.waitMs.toFixed(0)} ms over ${rate.frames} updates`);
}

// Long tasks on the page's main thread while it trains (training itself runs in a Web Worker).
// Each scenario in a fresh page, with the observer registered before the app starts.
async function longTasks(label, query) {
  const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  await p.addInitScript(() => {
    window.__longtasks = [];
    new PerformanceObserver(list => { for (const e of list.getEntries()) window.__longtasks.push([e.startTime, e.duration]); })
      .observe({ type: 'longtask', buffered: true });
  });
  await p.goto(base + query);
  await until('the data to load', 120_000, async () => await p.getByTestId('train').isEnabled());
  await until('the backend to be chosen', 120_000, async () => !(await p.getByTestId('backend-info').textContent()).startsWith('choosing'));
  const place = await p.getByTestId('host-place').textContent();
  const backend = await p.getByTestId('backend-info').textContent();
  await p.evaluate(() => { window.__longtasks = []; window.__clicked = performance.now(); });
  const updates0 = await num(p, 'plot-updates');
  const t0 = Date.now();
  await p.getByTestId('train').click();
  await p.waitForTimeout(seconds * 1000);
  // Slow scenarios (10,000 points on the CPU, WebGPU on SwiftShader) take longer than that for
  // their first embedding: go on until two plot updates are drawn (at most 3 more minutes).
  await until('two plot updates', 180_000, async () => (await num(p, 'plot-updates')) - updates0 >= 2).catch(() => {});
  // One evaluate: the numbers at this moment.
  const snap = await p.evaluate(() => {
    const t = id => (document.querySelector(`[data-testid="${id}"]`) || {}).textContent || '?';
    const top = window.__longtasks.slice().sort((a, b) => b[1] - a[1]).slice(0, 5)
      .map(([at, d]) => `${d.toFixed(0)} ms at ${((at - window.__clicked) / 1000).toFixed(1)} s`);
    return { tasks: window.__longtasks.map(x => x[1]), top, steps: t('step-count'), updates: t('plot-updates'), metricsMs: t('metrics-ms') };
  });
  const elapsed = (Date.now() - t0) / 1000;
  await p.getByTestId('pause').click({ timeout: 120_000, noWaitAfter: true }).catch(() => {});
  const steps = parseInt(snap.steps, 10);
  const updates = parseInt(snap.updates, 10) - updates0;
  const tasks = snap.tasks.sort((a, b) => a - b);
  const q = f => tasks.length ? tasks[Math.min(tasks.length - 1, Math.floor(f * tasks.length))] : 0;
  const sum = tasks.reduce((s, d) => s + d, 0);
  console.log(`LONG TASKS while training, ${label} (${query}; training ${place}; ${backend}; ${elapsed.toFixed(1)} s, ` +
    `${steps} steps, ${updates} plot updates, last metrics ${snap.metricsMs} ms): ` +
    `${tasks.length} long tasks, ${(sum / 1000).toFixed(1)} s in total (${(100 * sum / 1000 / elapsed).toFixed(0)} % of the time), ` +
    `p50 ${q(0.5).toFixed(0)} ms, p95 ${q(0.95).toFixed(0)} ms, max ${(tasks.at(-1) || 0).toFixed(0)} ms; longest: ${snap.top.join(', ') || 'none'}`);
  await p.close();
}

await page.close();
await longTasks('CPU, 2-D, 2,000 points', '?backend=cpu');
await longTasks('CPU, 3-D, 10,000 points, an embedding every 5 steps', '?backend=cpu&d=3&np=10000&ee=5');
await longTasks('WebGPU, 2-D, 2,000 points, batch 32', '?backend=webgpu&bs=32');
await browser.close();
close();
