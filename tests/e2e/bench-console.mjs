// Benchmark of the console's first load, in headless Chromium against
// `gatehouse serve` in demo mode:
//  - bytes of the first load (HTML, JS, CSS, wasm): as transferred (from CDP
//    network events) and gzipped (gzip -9 of each served body);
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
    cdp.on('Network.responseReceived', (e) => requests.set(e.requestId, { url: e.response.url, type: e.type }));
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
        if (path.startsWith('/api/') || path.startsWith('/auth/')) continue;
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
  const sum = (k) => assets.reduce((a, x) => a + x[k], 0);
  const figures = {
    runs: RUNS,
    timeToUsersTableMs: { median: Math.round(median(times)), min: Math.round(Math.min(...times)), max: Math.round(Math.max(...times)) },
    bytes: { raw: sum('raw'), transferred: sum('transferred'), gzip: sum('gzip'), brotli: sum('brotli') },
    assets,
  };
  console.log('asset                                        raw        gzip      brotli   transferred');
  for (const a of assets) {
    console.log(`${a.path.padEnd(42)} ${KB(a.raw).padStart(10)} ${KB(a.gzip).padStart(10)} ${KB(a.brotli).padStart(10)} ${KB(a.transferred).padStart(10)}`);
  }
  console.log(`first load: ${KB(figures.bytes.gzip)} gzipped, ${KB(figures.bytes.brotli)} brotli, ${KB(figures.bytes.transferred)} transferred as served (target: under 300 KB gzipped)`);
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
