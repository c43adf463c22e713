// Where the time of a 3-D plot update goes: plotly.js alone in headless Chromium (no app),
// 10,000 random points moved and redrawn FRAMES times (default 20) per variant, with the Chrome
// DevTools Protocol's sampling profiler running. A measurement, not a test.
//
//   node tests/e2e/plot-profile.mjs [variant ...]          PROFILE=1 adds the hottest functions
//
// A variant is a base, then `+key=value` options:
//   react10   Plotly.react of a fresh figure, 10 traces (one per class), JS arrays
//   react10f32, restyle10, restyle10f32, update10f32 (Plotly.update with a title change)
//   react1, restyle1f32, update1f32: one trace with a per-point colour array (+ 10 empty
//             legend-only traces)
//   options: symbol=square|diamond|circle-open|…, size=2, n=10000, hoverinfo=none, pr=1
//            (plotGlPixelRatio), nopick=1 (plotly's picking read-back made a no-op),
//            glprof=1 (time spent in each WebGL call, printed per update)
// TRACE=file.json also writes a Chrome trace of the timed updates (threads' top events: where
// the main thread waits, e.g. the commit's read-back of the WebGL canvas).
// Per variant: median time of the update call (main thread, synchronous for WebGL scenes), of the
// two frames after it, the profile's JavaScript time (busy minus '(program)': native work such
// as waiting for the GPU process) and the long tasks.
import fs from 'node:fs';
import { launch } from './harness.mjs';
const PLOTLY = new URL('../../node_modules/plotly.js-gl3d-dist-min/plotly-gl3d.min.js', import.meta.url);
const FRAMES = parseInt(process.env.FRAMES || '20', 10);
const PROFILE = process.env.PROFILE === '1';
const browser = await launch();
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await page.setContent('<html><body></body></html>');
await page.addScriptTag({ content: fs.readFileSync(PLOTLY, 'utf8') });
const cdp = await page.context().newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
const variants = process.argv.slice(2).length ? process.argv.slice(2) : ['react10', 'restyle10', 'restyle10f32', 'react1', 'restyle1f32'];
for (const v of variants) {
  await page.evaluate(async ({ v, FRAMES }) => {
    const div = document.createElement('div');
    div.id = 'p'; div.style.cssText = 'width:800px;height:600px';
    document.body.appendChild(div);
    const opts = Object.fromEntries(v.split('+').slice(1).map(s => s.split('=')));
    const n = +(opts.n || 10000), classes = 10;
    const base = v.split('+')[0];
    const f32 = base.endsWith('f32');
    const one = /1(f32)?$/.test(base) && !/10/.test(base);
    const pts = Array.from({ length: 3 * n }, () => (Math.random() - 0.5) * 4);
    const labels = Array.from({ length: n }, (_, i) => i % classes);
    const PAL = ["#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7", "#000000", "#882255", "#44AA99"];
    const marker = c => { const m = { size: +(opts.size || 2), color: c }; if (opts.symbol) m.symbol = opts.symbol; return m; };
    const extra = t => { if (opts.hoverinfo) t.hoverinfo = opts.hoverinfo; return t; };
    const arr = k => f32 ? new Float32Array(k) : new Array(k);
    const split = () => {
      if (one) { const x = arr(n), y = arr(n), z = arr(n); for (let i = 0; i < n; i++) { x[i] = pts[3*i]; y[i] = pts[3*i+1]; z[i] = pts[3*i+2]; } return [[x, y, z]]; }
      return Array.from({ length: classes }, (_, c) => {
        const k = Math.ceil((n - c) / classes); const x = arr(k), y = arr(k), z = arr(k); let j = 0;
        for (let i = c; i < n; i += classes, j++) { x[j] = pts[3*i]; y[j] = pts[3*i+1]; z[j] = pts[3*i+2]; }
        return [x, y, z];
      });
    };
    const traces = () => {
      const s = split();
      if (one) {
        const t = [extra({ type: 'scatter3d', mode: 'markers', name: 'all', x: s[0][0], y: s[0][1], z: s[0][2], marker: marker(labels.map(l => PAL[l])), showlegend: false })];
        for (let c = 0; c < classes; c++) t.push({ type: 'scatter3d', mode: 'markers', name: String(c), x: [], y: [], z: [], marker: marker(PAL[c]) });
        return t;
      }
      return s.map(([x, y, z], c) => extra({ type: 'scatter3d', mode: 'markers', name: String(c), x, y, z, marker: marker(PAL[c]) }));
    };
    const cfg = { responsive: true, displaylogo: false }; if (opts.pr) cfg.plotGlPixelRatio = +opts.pr;
    const layout = { uirevision: 'keep', margin: { l: 40, r: 10, t: 40, b: 30 } };
    await Plotly.react(div, traces(), layout, cfg);
    const frame = () => new Promise(r => requestAnimationFrame(() => r()));
    await frame(); await frame();
    if (opts.nopick) { const gl = div._fullLayout.scene._scene.glplot.gl; gl.readPixels = () => {}; }
    if (opts.glprof) {
      const gl = div._fullLayout.scene._scene.glplot.gl; window.__glt = {};
      for (const k in gl) { if (typeof gl[k] === 'function') { const f = gl[k].bind(gl); gl[k] = (...a) => { const t = performance.now(); const r = f(...a); const d = performance.now() - t; const e = window.__glt[k] || (window.__glt[k] = [0, 0]); e[0] += d; e[1]++; return r; }; } }
    }
    window.__run = async () => {
      const t0 = performance.now();
      let sync = 0, resolved = 0, wait = 0; const S = [], W = [];
      for (let f = 0; f < FRAMES; f++) {
        for (let i = 0; i < pts.length; i++) pts[i] += (Math.random() - 0.5) * 0.05;
        const a = performance.now();
        let p;
        if (base.startsWith('update')) {
          const s = split();
          p = Plotly.update(div, { x: s.map(t => t[0]), y: s.map(t => t[1]), z: s.map(t => t[2]) }, { 'title.text': 'step ' + f }, s.map((_, i) => i));
        } else if (base.startsWith('restyle')) {
          const s = split();
          p = Plotly.restyle(div, { x: s.map(t => t[0]), y: s.map(t => t[1]), z: s.map(t => t[2]) }, s.map((_, i) => i));
        } else {
          p = Plotly.react(div, traces(), layout, cfg);
        }
        const b = performance.now();
        await p;
        const c = performance.now();
        await frame();
        // a second frame: the first one's rAF callbacks (gl-plot3d's draw) have run and a frame was produced
        await frame();
        const d = performance.now();
        sync += b - a; resolved += c - a; wait += d - c; S.push(b - a); W.push(d - c);
      }
      const total = performance.now() - t0;
      return { v, frames: FRAMES, perSec: FRAMES * 1000 / total, ms: total / FRAMES, sync: sync / FRAMES, resolved: resolved / FRAMES, wait: wait / FRAMES, med: [S, W].map(a => a.sort((p, q) => p - q)[a.length >> 1]), drawn: div.data.reduce((s, t) => s + t.x.length, 0) };
    };
  }, { v, FRAMES });
  // main-thread long tasks from here on
  await page.evaluate(() => { window.__lt = []; window.__po && window.__po.disconnect(); window.__po = new PerformanceObserver(l => { for (const e of l.getEntries()) window.__lt.push(e.duration); }); window.__po.observe({ type: 'longtask' }); });
  await cdp.send('Profiler.start');
  if (process.env.TRACE) await browser.startTracing(page, { path: process.env.TRACE, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'gpu', 'cc', 'viz', 'toplevel', 'v8'] });
  const r = await page.evaluate(() => window.__run());
  if (process.env.TRACE) await browser.stopTracing();
  const { profile } = await cdp.send('Profiler.stop');
  const lt = await page.evaluate(() => window.__lt);
  const glt = await page.evaluate(() => window.__glt);
  if (glt) console.log(Object.entries(glt).sort((a, b) => b[1][0] - a[1][0]).slice(0, 12).map(([k, [t, n]]) => `${k} ${(t / FRAMES).toFixed(1)}ms/upd x${(n / FRAMES).toFixed(0)}`).join('\n'));
  // self time per function
  const ids = profile.samples; const byId = new Map(profile.nodes.map(n => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < ids.length; i++) self.set(ids[i], (self.get(ids[i]) || 0) + (profile.timeDeltas[i + 1] || 0) / 1000);
  let busy = 0, idle = 0, program = 0; const agg = new Map();
  for (const [id, ms] of self) {
    const n = byId.get(id); const cf = n.callFrame;
    const key = `${cf.functionName || '(anon)'} ${cf.url ? cf.url.split('/').pop() : ''}:${cf.lineNumber}:${cf.columnNumber}`;
    if (cf.functionName === '(idle)') idle += ms; else busy += ms; if (cf.functionName === '(program)') program += ms;
    agg.set(key, (agg.get(key) || 0) + ms);
  }
  const ltSum = lt.reduce((s, d) => s + d, 0);
  console.log(`${r.v}: median call ${r.med[0].toFixed(1)} ms, median 2 frames ${r.med[1].toFixed(0)} ms; JS (busy-(program)) ${((busy - program) / r.frames).toFixed(1)} ms/upd; ${r.perSec.toFixed(2)} upd/s, ${r.ms.toFixed(0)} ms/upd; call sync ${r.sync.toFixed(1)} ms, resolved ${r.resolved.toFixed(1)} ms, 2 frames ${r.wait.toFixed(0)} ms; profiled main-thread busy ${(busy / r.frames).toFixed(1)} ms/upd (idle ${(idle / r.frames).toFixed(0)}); long tasks ${lt.length} (${(ltSum / r.frames).toFixed(0)} ms/upd, max ${Math.max(0, ...lt).toFixed(0)}); drawn ${r.drawn}`);
  if (PROFILE) {
    // inclusive time per function name too (walk tree)
    const top = [...agg].sort((a, b) => b[1] - a[1]).slice(0, 25);
    for (const [k, ms] of top) console.log(`   self ${(ms / r.frames).toFixed(2).padStart(7)} ms/upd  ${k}`);
    const incl = new Map();
    const walk = id => { const n = byId.get(id); let t = self.get(id) || 0; for (const c of n.children || []) t += walk(c); n.total = t; return t; };
    walk(profile.nodes[0].id);
    const agg2 = new Map();
    const visit = (id, seen) => { const n = byId.get(id); const cf = n.callFrame; const key = `${cf.functionName || '(anon)'}:${cf.lineNumber}:${cf.columnNumber}`; if (!seen.has(key)) agg2.set(key, (agg2.get(key) || 0) + n.total); const s2 = new Set(seen); s2.add(key); for (const c of n.children || []) visit(c, s2); };
    visit(profile.nodes[0].id, new Set());
    for (const [k, ms] of [...agg2].sort((a, b) => b[1] - a[1]).slice(0, 40)) console.log(`   incl ${(ms / r.frames).toFixed(2).padStart(7)} ms/upd  ${k}`);
  }
  await page.evaluate(() => { Plotly.purge(document.getElementById('p')); document.getElementById('p').remove(); });
}
await browser.close();
