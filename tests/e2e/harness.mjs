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
