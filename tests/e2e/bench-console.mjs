// Benchmark of the console's first load, in headless Chromium against
// `gatehouse serve` in demo mode (`cargo xtask bench console`):
//  - bytes of the first load of `/users` (HTML, JS, CSS, wasm, including any
//    module loaded on demand): as transferred (from CDP network events),
//    gzipped (gzip -9) and brotli-compressed (q11) body by body;
//  - the same total for the first load of every page (signed in as the owner,
//    who may read every area), cache disabled, once the page's code is loaded;
//  - time from navigation to the users table being shown, cache disabled
//    (median of RUNS runs, signed in already).
// Prints the figures and writes them to tests/e2e/artifacts/bench-console.json.
// Targets: under 300 KB gzipped, under 1 s on a local BFF.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { ARTIFACTS, launch, signIn, startServer } from './harness.mjs';

const RUNS = Number(process.env.RUNS || 7);
const KB = (n) => `${(n / 1024).toFixed(1)} KB`;
// Every page of the console (logic::pages), a detail page by a seeded id where it has one.
const PAGES = ['/', '/users', '/users/auth0%7Cdemo-owner', '/roles', '/applications', '/connections', '/organizations',
  '/logs', '/grants', '/apis', '/teams/tenants', '/teams/members', '/teams/activity', '/audit', '/actions',
  '/log-streams', '/settings', '/explorer', '/approvals', '/keys'];
// The console's own files, told from the BFF's JSON answers by their type.
const STATIC = /^(text\/html|text\/javascript|application\/javascript|text\/css|application\/wasm|image\/svg\+xml)$/;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

mkdirSync(ARTIFACTS, { recursive: true });
const server = await startServer();
const browser = await launch();
let code = 0;
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const login = await context.newPage();
  await signIn(login, server, 'admin@demo.test', '/users');
  await login.close();

  const times = [];
  let assets = [];
  for (let run = 0; run < RUNS; run++) {
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const requests = new Map();
    cdp.on('Network.responseReceived', (e) => requests.set(e.requestId, { url: e.response.url, type: e.type, mime: e.response.mimeType }));
    cdp.on('Network.loadingFinished', (e) => {
      const r = requests.get(e.requestId);
      if (r) r.transferred = e.encodedDataLength;
    });
    const started = Date.now();
    await page.goto(`${server.url}/users`, { waitUntil: 'commit' });
    await page.waitForSelector('table.data tbody tr', { timeout: 30_000 });
    const ms = await page.evaluate(() => performance.now());
    times.push(ms);
    if (run === 0) {
      // The static assets of the first load; API calls are not counted.
      for (const [id, r] of requests) {
        const path = new URL(r.url).pathname;
        if (!STATIC.test(r.mime)) continue;
        let body;
        try {
          const b = await cdp.send('Network.getResponseBody', { requestId: id });
          body = b.base64Encoded ? Buffer.from(b.body, 'base64') : Buffer.from(b.body);
        } catch { continue; }
        assets.push({
          path,
          type: r.type,
          raw: body.length,
          transferred: r.transferred ?? body.length,
          gzip: gzipSync(body, { level: 9 }).length,
          brotli: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
        });
      }
    }
    if (run === RUNS - 1) await page.screenshot({ path: join(ARTIFACTS, 'bench-users.png') });
    await page.close();
    void started;
  }
  // The first load of every page: a fresh tab, cache disabled, until the page's
  // code has arrived (no "Loading this page" left and the network idle).
  const owner = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  const ownerLogin = await owner.newPage();
  await signIn(ownerLogin, server, 'owner@demo.test', '/');
  await ownerLogin.close();
  const pages = [];
  for (const path of PAGES) {
    const page = await owner.newPage();
    const cdp = await owner.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const seen = new Map();
    cdp.on('Network.responseReceived', (e) => seen.set(e.requestId, { url: e.response.url, mime: e.response.mimeType }));
    const done = [];
    cdp.on('Network.loadingFinished', (e) => { if (seen.has(e.requestId)) done.push({ id: e.requestId, ...seen.get(e.requestId), transferred: e.encodedDataLength }); });
    await page.goto(`${server.url}${path}`, { waitUntil: 'networkidle' });
    await page.waitForSelector('[data-testid="who"]', { timeout: 30_000 });
    await page.waitForFunction(() => !document.querySelector('main .loading') || !document.querySelector('main .loading').textContent.includes('this page'), null, { timeout: 30_000 });
    await page.waitForLoadState('networkidle');
    const errors = await page.locator('[data-testid="chunk-error"]').count();
    if (errors) throw new Error(`${path}: its code did not load`);
    let gzip = 0, brotli = 0, raw = 0, transferred = 0, files = 0;
    for (const r of done) {
      if (!STATIC.test(r.mime)) continue;
      let body;
      try {
        const b = await cdp.send('Network.getResponseBody', { requestId: r.id });
        body = b.base64Encoded ? Buffer.from(b.body, 'base64') : Buffer.from(b.body);
      } catch { continue; }
      files += 1;
      raw += body.length;
      transferred += r.transferred;
      gzip += gzipSync(body, { level: 9 }).length;
      brotli += brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
    }
    pages.push({ path, files, raw, transferred, gzip, brotli });
    await page.close();
  }
  await owner.close();
  const sum = (k) => assets.reduce((a, x) => a + x[k], 0);
  const figures = {
    runs: RUNS,
    timeToUsersTableMs: { median: Math.round(median(times)), min: Math.round(Math.min(...times)), max: Math.round(Math.max(...times)) },
    bytes: { raw: sum('raw'), transferred: sum('transferred'), gzip: sum('gzip'), brotli: sum('brotli') },
    assets,
    pages,
  };
  console.log('asset                                        raw        gzip      brotli   transferred');
  for (const a of assets) {
    console.log(`${a.path.padEnd(42)} ${KB(a.raw).padStart(10)} ${KB(a.gzip).padStart(10)} ${KB(a.brotli).padStart(10)} ${KB(a.transferred).padStart(10)}`);
  }
  console.log('\nfirst load per page (owner)        files        raw       gzip     brotli   transferred');
  for (const p of pages) {
    console.log(`${p.path.padEnd(34)} ${String(p.files).padStart(5)} ${KB(p.raw).padStart(10)} ${KB(p.gzip).padStart(10)} ${KB(p.brotli).padStart(10)} ${KB(p.transferred).padStart(10)}`);
  }
  const worst = pages.reduce((a, p) => (p.gzip > a.gzip ? p : a), pages[0]);
  console.log(`largest first load: ${worst.path}, ${KB(worst.gzip)} gzipped, ${KB(worst.brotli)} brotli\n`);
  console.log(`first load of /users: ${KB(figures.bytes.gzip)} gzipped, ${KB(figures.bytes.brotli)} brotli, ${KB(figures.bytes.transferred)} transferred as served (target: under 300 KB gzipped)`);
  console.log(`navigation to users table: median ${figures.timeToUsersTableMs.median} ms (min ${figures.timeToUsersTableMs.min}, max ${figures.timeToUsersTableMs.max}, ${RUNS} runs, cache disabled; target: under 1000 ms)`);
  writeFileSync(join(ARTIFACTS, 'bench-console.json'), JSON.stringify(figures, null, 2));
} catch (e) {
  console.error(`bench failed: ${e.message}`);
  code = 1;
} finally {
  await browser.close().catch(() => {});
  await server.stop().catch(() => {});
}
process.exit(code);
