// Which work makes the page's long tasks while it trains: every Plotly call (react, relayout,
// restyle, newPlot, purge) is timed per plot (`data-testid`) and each long task is listed with
// the calls inside it. A measurement, not a test.
//
//   SECS=30 node tests/e2e/plot-tasks.mjs ['?backend=cpu&d=3&np=10000&ee=5']   (after `trunk build`)
import { serve, launch, until, num } from './harness.mjs';
const { base, close } = await serve(process.env.DIST || 'dist');
const browser = await launch();
const q = process.argv[2] || '?backend=cpu';
const p = await browser.newPage({ viewport: { width: 1280, height: 900 } });
await p.addInitScript(() => {
  window.__lt = []; window.__calls = [];
  new PerformanceObserver(l => { for (const e of l.getEntries()) window.__lt.push([e.startTime, e.duration]); }).observe({ type: 'longtask', buffered: true });
  const wrap = () => {
    if (!window.Plotly || window.Plotly.__wrapped) return;
    for (const k of ['react', 'relayout', 'restyle', 'newPlot', 'purge']) {
      const f = window.Plotly[k];
      window.Plotly[k] = function (gd, ...a) {
        const t = performance.now(); const r = f.call(this, gd, ...a); const d = performance.now() - t;
        window.__calls.push([t, d, k + ':' + (gd.getAttribute && (gd.getAttribute('data-testid') || gd.className))]);
        return r;
      };
    }
    window.Plotly.__wrapped = true;
  };
  const iv = setInterval(() => { if (window.Plotly) { wrap(); clearInterval(iv); } }, 5);
});
await p.goto(base + q);
await until('data', 120_000, async () => await p.getByTestId('train').isEnabled());
await p.waitForTimeout(3000);
await p.evaluate(() => { window.__lt = []; window.__calls = []; window.__t0 = performance.now(); });
await p.getByTestId('train').click();
await p.waitForTimeout(parseFloat(process.env.SECS || '30') * 1000);
const r = await p.evaluate(() => ({ lt: window.__lt, calls: window.__calls, t0: window.__t0 }));
const rel = t => ((t - r.t0) / 1000).toFixed(2);
for (const [s, d] of r.lt) {
  const inside = r.calls.filter(([t, cd]) => t >= s && t < s + d).map(([t, cd, k]) => `${k} ${cd.toFixed(0)}ms`);
  console.log(`long task ${d.toFixed(0)} ms at ${rel(s)} s: ${inside.join(', ') || '(no plotly call)'}`);
}
const by = {};
for (const [t, d, k] of r.calls) { (by[k] ||= []).push(d); }
for (const [k, v] of Object.entries(by)) console.log(k, v.length, 'calls, ms:', v.map(x => x.toFixed(0)).join(' '));
await browser.close(); close();
