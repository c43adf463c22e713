// Which work makes the page's long tasks while it trains: every Plotly call (react, relayout,
// restyle, newPlot, purge) is timed per plot (`data-testid`) and each long task is listed with
// the calls inside it. A measurement, not a test. TRACE=file.json also writes a Chrome trace of the
// run, and each long task's top events on the page's main thread are listed (what it spent its
// time on: script, style, paint, the commit, garbage collection).
//
//   SECS=30 node tests/e2e/plot-tasks.mjs ['?backend=cpu&d=3&np=10000&ee=5']   (after `trunk build`)
import fs from 'node:fs';
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
// PROFILE=1 (with TRACE): the sampling profiler runs too, and each long task lists the functions
// its samples were in (self time, and the function of ours, wasm or points.js, that called them).
const cdp = process.env.PROFILE && await p.context().newCDPSession(p);
if (cdp) {
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 500 });
  await cdp.send('Profiler.start');
}
if (process.env.TRACE) await browser.startTracing(p, { path: process.env.TRACE, categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink', 'gpu', 'cc', 'viz', 'toplevel', 'v8', 'disabled-by-default-v8.gc'] });
await p.getByTestId('train').click();
await p.waitForTimeout(parseFloat(process.env.SECS || '30') * 1000);
if (process.env.TRACE) await browser.stopTracing();
const profile = cdp && (await cdp.send('Profiler.stop')).profile;
const r = await p.evaluate(() => ({ lt: window.__lt, calls: window.__calls, t0: window.__t0 }));
const rel = t => ((t - r.t0) / 1000).toFixed(2);
console.log(`${r.lt.length} long tasks; ${await num(p, 'plot-updates')} embedding plot updates`);
for (const [s, d] of r.lt) {
  const inside = r.calls.filter(([t, cd]) => t >= s && t < s + d).map(([t, cd, k]) => `${k} ${cd.toFixed(0)}ms`);
  console.log(`long task ${d.toFixed(0)} ms at ${rel(s)} s: ${inside.join(', ') || '(no plotly call)'}`);
}
const by = {};
for (const [t, d, k] of r.calls) { (by[k] ||= []).push(d); }
for (const [k, v] of Object.entries(by)) console.log(k, v.length, 'calls, ms:', v.map(x => x.toFixed(0)).join(' '));
if (process.env.TRACE) {
  // The renderer's main thread: its long RunTask events and, inside each, the events one level
  // down summed by name (a name's own time includes its children).
  const ev = JSON.parse(fs.readFileSync(process.env.TRACE, 'utf8')).traceEvents;
  // (The page's renderer: the main thread that ran the most tasks.)
  const mains = ev.filter(e => e.name === 'thread_name' && e.args.name === 'CrRendererMain');
  const tasks = m => ev.filter(e => e.pid === m.pid && e.tid === m.tid && e.name === 'RunTask').length;
  const main = mains.sort((a, b) => tasks(b) - tasks(a))[0];
  const on = main ? ev.filter(e => e.pid === main.pid && e.tid === main.tid && e.ph === 'X' && e.dur !== undefined) : [];
  const long = on.filter(e => e.name === 'RunTask' && e.dur > 50_000);
  console.log(`trace: ${on.filter(e => e.name === 'RunTask').length} main-thread tasks, ${long.length} over 50 ms`);
  {
    for (const t of long) {
      const inside = on.filter(e => e !== t && e.ts >= t.ts && e.ts + e.dur <= t.ts + t.dur);
      const top = inside.filter(e => !inside.some(o => o !== e && o.ts <= e.ts && o.ts + o.dur >= e.ts + e.dur && o.dur > e.dur));
      const sum = {};
      for (const e of top) sum[e.name] = (sum[e.name] || 0) + e.dur;
      const deep = {};
      for (const e of inside) deep[e.name] = (deep[e.name] || 0) + e.dur;
      const fmt = o => Object.entries(o).sort((a, b) => b[1] - a[1]).slice(0, 12).map(([k, d]) => `${k} ${(d / 1000).toFixed(1)}`).join(', ');
      console.log(`trace: task ${(t.dur / 1000).toFixed(0)} ms; top: ${fmt(sum)}\n  all: ${fmt(deep)}`);
      if (profile) {
        const byId = new Map(profile.nodes.map(n => [n.id, n]));
        const parent = new Map();
        for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
        const name = n => `${n.callFrame.functionName || '(anonymous)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
        const self = {}, ours = {};
        let ts = profile.startTime;
        profile.samples.forEach((id, i) => {
          ts += profile.timeDeltas[i];
          if (ts < t.ts || ts > t.ts + t.dur) return;
          const n = byId.get(id);
          self[name(n)] = (self[name(n)] || 0) + 1;
          // The innermost frame of ours: a wasm function, or points.js.
          for (let m = n; m; m = byId.get(parent.get(m.id))) {
            const u = m.callFrame.url;
            if (u.includes('wasm') || u.includes('points') || u.includes('inline')) { ours[name(m)] = (ours[name(m)] || 0) + 1; break; }
          }
        });
        const top = o => Object.entries(o).sort((a, b) => b[1] - a[1]).slice(0, 10).map(([k, c]) => `${k} ×${c}`).join('\n    ');
        console.log(`  samples (self):\n    ${top(self)}\n  innermost of ours:\n    ${top(ours)}`);
      }
    }
  }
}
await browser.close(); close();
