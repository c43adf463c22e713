// Shared by the end-to-end scripts: a static server for dist/ on loopback and headless Chromium
// (Debian's, with SwiftShader WebGPU) driven by playwright-core.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm',
  '.css': 'text/css', '.json': 'application/json', '.gz': 'application/gzip', '.svg': 'image/svg+xml', '.png': 'image/png' };

/**
 * Serves `dir` on 127.0.0.1 at a free port; resolves to { base, close }. Options:
 * - `data`: a folder served at `/data/` instead of `dir/data` (the repository's data/, so a build
 *   need not copy 217 MB);
 * - `overrides`: a Map from a URL path (`/data/mnist/…`) to `{ status, body }`, consulted on every
 *   request (tests change it while the page runs);
 * - `log`: an array that receives the path of every request.
 */
export async function serve(dir, { data, overrides, log } = {}) {
  const root = path.resolve(dir);
  const dataRoot = data && path.resolve(data);
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    const pathname = decodeURIComponent(url.pathname);
    if (log) log.push(pathname);
    const o = overrides && overrides.get(pathname);
    if (o) {
      res.writeHead(o.status || 200, { 'content-type': 'application/octet-stream', 'content-length': o.body.length });
      res.end(o.body);
      return;
    }
    const [base, rel] = dataRoot && pathname.startsWith('/data/') ? [dataRoot, pathname.slice(5)] : [root, pathname];
    let file = path.join(base, rel);
    if (!file.startsWith(base)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) { res.writeHead(404).end('not found'); return; }
      res.writeHead(200, { 'content-type': TYPES[path.extname(file)] || 'application/octet-stream',
        'content-length': body.length });
      res.end(body);
    });
  });
  await new Promise(r => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${server.address().port}/`, close: () => server.close() };
}

/** Headless Chromium with WebGPU enabled (SwiftShader when there is no GPU). */
export function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-dev-shm-usage', '--enable-unsafe-webgpu', '--enable-unsafe-swiftshader',
      '--disable-gpu-sandbox', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/** Polls `cond` every 200 ms until it holds, or throws after `ms`. */
export async function until(what, ms, cond) {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise(r => setTimeout(r, 200));
  }
}

/** The leading integer of a data-testid element's text. */
export async function num(page, id) {
  return parseInt((await page.getByTestId(id).textContent()).trim(), 10);
}

/**
 * The check runner of the end-to-end scripts: `const { check, finish } = checks(browser, options)`.
 * `check(name, fn, contextOptions)` runs `await fn(page, errors, context)` in a fresh browser context
 * (its own storage and cache) and prints `ok   name (seconds)` or `FAIL name: why` with the page's
 * errors (uncaught exceptions and console errors, collected in `errors` while it runs); a thrown
 * error fails the check, and the others still run. `ONLY=text` runs the checks whose name contains
 * `text`. `finish(suite)` prints the summary and exits with status 1 if any check failed. Options:
 * - `shots`: a folder for a screenshot of each failing check (`fail-<name>.png`);
 * - `context`: options of every check's context (merged over a 1280×900 viewport; a check's own
 *   `contextOptions` are merged over these);
 * - `ignore`: `(consoleMessage) => bool`, console errors that are not the page's fault;
 * - `failOnErrors`: fail a check that leaves page errors behind even when `fn` does not look;
 * - `after`: called after every check (to reset what the check changed on the server).
 */
export function checks(browser, { shots, context: common = {}, ignore = () => false, failOnErrors = false, after } = {}) {
  const started = Date.now();
  let failures = 0;
  const seconds = t => ((Date.now() - t) / 1000).toFixed(1);
  async function check(name, fn, options = {}) {
    if (process.env.ONLY && !name.includes(process.env.ONLY)) return;
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, ...common, ...options });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', e => errors.push(String(e)));
    page.on('console', m => { if (m.type() === 'error' && !ignore(m)) errors.push(m.text()); });
    const listed = () => [...new Set(errors)].join(' | ') || 'none';
    const t = Date.now();
    try {
      await fn(page, errors, context);
      if (failOnErrors && errors.length) throw new Error(`page errors: ${listed()}`);
      console.log(`ok   ${name} (${seconds(t)} s)`);
    } catch (e) {
      failures++;
      console.log(`FAIL ${name}: ${e.message}\n     page errors: ${listed()}`);
      if (shots) await page.screenshot({ path: path.join(shots, `fail-${name.replace(/\W+/g, '-')}.png`) }).catch(() => {});
    } finally {
      if (after) after();
      await context.close();
    }
  }
  function finish(suite) {
    const time = `in ${seconds(started)} s`;
    console.log(`e2e ${suite}: ${failures ? `${failures} failed` : 'all passed'} ${time}`);
    if (failures) process.exit(1);
  }
  return { check, finish };
}
