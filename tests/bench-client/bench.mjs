// cargo xtask bench client: @gatehouse/auth0 (pkg/) against Auth0's own `auth0`
// npm package (ManagementClient), on the same `gatehouse emulator`:
//
//  1. size: the package's wasm + JS (as shipped, and bundled by esbuild for the
//     browser, minified), raw and gzipped, against `auth0`'s ManagementClient
//     bundled by esbuild for the browser, minified and gzipped;
//  2. speed in Node: list 100 users, get one user, a paged walk of 1,000
//     users (100 a page), create one user; ops/s of each client, one call at a
//     time, and their ratio (both called with auth0's option names, `per_page`);
//  3. rate limits: a bulk job of N user updates (default 2,000) against an
//     emulator limited to 15 requests/s with bursts of 50 (Auth0's paid-tier
//     limits), 10 in flight: elapsed time as a share of the ideal
//     ((N - 50) / 15 s) and failed updates, Gatehouse (default pacing and
//     retries) against `auth0` (default retries). A fresh emulator each.
//
// Usage: node bench.mjs --gatehouse PATH [--ops 2000] [--concurrency 10]
//        [--speed-iterations 300] [--skip-rate] [--also-local-pacing] [--no-write]
// Writes the figures into pkg/BENCHMARKS.md unless --no-write.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync, writeFileSync } from 'node:fs';
import { gzipSync, brotliCompressSync, constants as zlib } from 'node:zlib';
import { join, dirname, resolve, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import * as esbuild from 'esbuild';

const here = dirname(fileURLToPath(import.meta.url));
const REPO = resolve(here, '../..');
const PKG = join(REPO, 'pkg');

function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? true : v;
}

const GATEHOUSE = arg('gatehouse', process.env.GATEHOUSE_BIN ?? join(REPO, 'target/release/gatehouse'));
const OPS = Number(arg('ops', 2000));
const CONCURRENCY = Number(arg('concurrency', 10));
const ITERATIONS = Number(arg('speed-iterations', 300));
const SKIP_RATE = arg('skip-rate', false) === true;
const LOCAL_PACING = arg('also-local-pacing', false) === true;
const WRITE = arg('no-write', false) !== true;
const RATE = 15;
const BURST = 50;
const CLIENT_ID = 'bench-client';
const CLIENT_SECRET = 'bench-client-secret';

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const gz = (buf) => gzipSync(buf, { level: 9 }).length;
const br = (buf) => brotliCompressSync(buf, { params: { [zlib.BROTLI_PARAM_QUALITY]: 11 } }).length;

// ---------------------------------------------------------------- emulator

async function emulator(flags) {
  const child = spawn(GATEHOUSE, ['emulator', '--listen', '127.0.0.1:0', '--client-id', CLIENT_ID, '--client-secret', CLIENT_SECRET, ...flags], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise((ok, fail) => {
    child.once('error', fail);
    child.once('exit', (code) => fail(new Error(`gatehouse emulator exited (${code})`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const m = /^listening on (http:\/\/\S+)/.exec(line);
      if (m) ok(m[1]);
    });
  });
  return { url, close: () => child.kill('SIGTERM') };
}

// The `auth0` package only speaks https to `https://{domain}`: its requests to
// this made-up domain are sent to the emulator instead.
const FAKE = 'https://emulator.bench';
let auth0Target = null;
const realFetch = globalThis.fetch;
globalThis.fetch = (input, init) => {
  if (auth0Target) {
    if (typeof input === 'string' && input.startsWith(FAKE)) input = auth0Target + input.slice(FAKE.length);
    else if (input instanceof URL && input.href.startsWith(FAKE)) input = auth0Target + input.href.slice(FAKE.length);
    else if (input instanceof Request && input.url.startsWith(FAKE)) input = new Request(auth0Target + input.url.slice(FAKE.length), input);
  }
  return realFetch(input, init);
};

async function clients(url, { gatehousePacing } = {}) {
  // gatehousePacing: undefined for the default, false for none, or pacing options.
  const { ManagementClient: Gatehouse } = await import(join(PKG, 'node.js'));
  const { ManagementClient: Auth0 } = await import('auth0');
  auth0Target = url;
  const gatehouse = new Gatehouse({ baseUrl: url, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, ...(gatehousePacing === undefined ? {} : { pacing: gatehousePacing }) });
  const auth0 = new Auth0({ domain: 'emulator.bench', audience: `${url}/api/v2/`, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET });
  return { gatehouse, auth0 };
}

// ---------------------------------------------------------------- size

async function bundle(contents, alias = {}) {
  const out = await esbuild.build({
    stdin: { contents, resolveDir: here, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    write: false,
    alias,
    logLevel: 'silent',
  });
  return Buffer.from(out.outputFiles[0].contents);
}

/** A package file and every package file it imports, transitively (the JS an app importing it loads). */
function imports(file, seen = new Set()) {
  if (seen.has(file)) return seen;
  seen.add(file);
  const src = readFileSync(join(PKG, file), 'utf8');
  // Static imports and re-exports, as written or minified (`import t from"./x.js"`, `export{a}from'./y.js'`).
  for (const m of src.matchAll(/(?:^|[\n;}])\s*(?:import|export)\b[^'";()]*?["'](\.\.?\/[^'"]+)["']/g)) {
    imports(posix.join(posix.dirname(file), m[1]), seen);
  }
  return seen;
}

async function size() {
  const files = ['gatehouse_js_bg.wasm', 'gatehouse_js.js', 'gatehouse_js_api.js', 'gatehouse_js_messages.js', 'client.js', 'load.js', 'index.js'];
  const shipped = files.map((f) => {
    const buf = readFileSync(join(PKG, f));
    return { file: f, raw: buf.length, gzip: gz(buf), brotli: br(buf) };
  });
  // Each entry point of package.json `exports`: the files an app importing it loads.
  const pkgJson = JSON.parse(readFileSync(join(PKG, 'package.json'), 'utf8'));
  const entries = Object.entries(pkgJson.exports)
    .filter(([k]) => !k.endsWith('.json'))
    .map(([name, target]) => {
      const entry = typeof target === 'string' ? target : target.import ?? target.default;
      const deps = ['gatehouse_js_bg.wasm', ...imports(entry.replace('./', ''))];
      const sum = (f) => deps.reduce((n, d) => n + f(readFileSync(join(PKG, d))), 0);
      return { name: name === '.' ? '@gatehouse/auth0' : `@gatehouse/auth0/${name.slice(2)}`, raw: sum((b) => b.length), gzip: sum(gz), brotli: sum(br) };
    });
  const wasm = shipped[0];
  const js = await bundle("import { ManagementClient } from '@gatehouse/auth0'; globalThis.client = ManagementClient;", {
    '@gatehouse/auth0': join(PKG, 'index.js'),
  });
  const gatehouseBundled = { raw: wasm.raw + js.length, gzip: wasm.gzip + gz(js), js: js.length, jsGzip: gz(js) };
  let auth0;
  try {
    const buf = await bundle("import { ManagementClient } from 'auth0'; globalThis.client = ManagementClient;");
    auth0 = { raw: buf.length, gzip: gz(buf) };
  } catch (e) {
    auth0 = { error: String(e.message ?? e).split('\n')[0] };
  }
  const version = JSON.parse(readFileSync(join(here, 'node_modules/auth0/package.json'), 'utf8')).version;
  return { shipped, entries, gatehouseBundled, auth0, auth0Version: version };
}

// ---------------------------------------------------------------- speed

/** ops/s of `a` and of `b`, timed in alternating rounds so that load on a shared machine hits both alike. */
async function compare(a, b, iterations, rounds = 20) {
  for (let i = 0; i < 20; i++) {
    await a(i); // warm up: tokens, JIT
    await b(i);
  }
  const per = Math.max(1, Math.round(iterations / rounds));
  const spent = [0, 0];
  for (let r = 0; r < rounds; r++) {
    for (const [k, fn] of (r % 2 ? [[1, b], [0, a]] : [[0, a], [1, b]])) {
      const t0 = performance.now();
      for (let i = 0; i < per; i++) await fn(i);
      spent[k] += performance.now() - t0;
    }
  }
  return spent.map((ms) => (per * rounds) / (ms / 1000));
}

async function speed() {
  const emu = await emulator(['--rate-limit', '0', '--seed-users', '1000']);
  try {
    const { gatehouse, auth0 } = await clients(emu.url, { gatehousePacing: false });
    // Exactly 1,000 users (the seed comes with a few more): the walks then end
    // within Auth0's 1,000-result window.
    const { total, users: first } = await gatehouse.users.list({ per_page: 10, include_totals: true });
    for (const u of first.slice(0, Math.max(0, total - 1000))) await gatehouse.users.delete(u.user_id);
    const users = await gatehouse.users.list({ per_page: 10 });
    const id = users[0].user_id;
    let n = 0;
    // A walk over every user, 100 a page, page after page (the items of each page counted).
    const walkGatehouse = async () => {
      let count = 0;
      for await (const page of gatehouse.users.pages({ per_page: 100 })) for (const _ of page.items) count++;
      return count;
    };
    // `auth0`'s own iterator (`for await` over `users.list()`) asks for page 10,
    // which Auth0 refuses (past the 1,000-result window): pages are asked for
    // by hand instead, stopping at the total as Gatehouse's walk does.
    const walkAuth0 = async () => {
      let count = 0;
      for (let page = 0; ; page++) {
        const p = await auth0.users.list({ per_page: 100, page, include_totals: true });
        for (const _ of p.data) count++;
        if (p.data.length < 100 || (page + 1) * 100 >= (p.response?.total ?? Infinity)) return count;
      }
    };
    const [gw, aw] = [await walkGatehouse(), await walkAuth0()];
    if (gw !== 1000 || aw !== 1000) throw new Error(`walks differ: ${gw} vs ${aw} users (1,000 expected)`);
    const cases = [
      ['list 100 users', () => gatehouse.users.list({ per_page: 100 }), () => auth0.users.list({ per_page: 100 })],
      ['get one user', () => gatehouse.users.get(id), () => auth0.users.get(id)],
      ['walk 1,000 users', walkGatehouse, walkAuth0, 5],
      [
        'create one user',
        () => gatehouse.users.create({ connection: 'Username-Password-Authentication', email: `g${n++}@bench.test`, password: 'Bench-passw0rd!' }),
        () => auth0.users.create({ connection: 'Username-Password-Authentication', email: `a${n++}@bench.test`, password: 'Bench-passw0rd!' }),
      ],
    ];
    // Both answer the same: check once before timing.
    const [g, a] = [await cases[0][1](), await cases[0][2]()];
    if (g.length !== 100 || a.data.length !== 100) throw new Error(`list sizes differ: ${g.length} vs ${a.data.length}`);
    const rows = [];
    for (const [name, gh, a0, per] of cases) {
      const [gOps, aOps] = await compare(gh, a0, per ? Math.max(20, Math.round(ITERATIONS / per)) : ITERATIONS);
      rows.push({ name, gatehouse: gOps, auth0: aOps, ratio: gOps / aOps });
      console.log(`  ${name.padEnd(16)} gatehouse ${gOps.toFixed(0).padStart(6)} ops/s   auth0 ${aOps.toFixed(0).padStart(6)} ops/s   ratio ${(gOps / aOps).toFixed(2)}`);
    }
    return rows;
  } finally {
    emu.close();
  }
}

// ---------------------------------------------------------------- overhead

/**
 * What each client itself costs per call, without the network: `fetch` answers
 * at once with a canned user (and a token), so the time is the client's own
 * work (validation, request building, the send loop, parsing). On a loaded
 * machine the emulator's time varies more than the clients do; this does not.
 */
async function overhead(iterations = 3000) {
  const user = JSON.stringify({ user_id: 'auth0|1', email: 'a@b.c', name: 'x'.repeat(200), identities: [{ provider: 'auth0', user_id: '1' }] });
  const saved = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const url = String(input?.url ?? input);
    if (url.endsWith('/oauth/token')) return new Response(JSON.stringify({ access_token: 't', expires_in: 86400, token_type: 'Bearer' }), { status: 200 });
    return new Response(user, { status: (init?.method ?? input?.method) === 'POST' ? 201 : 200, headers: { 'content-type': 'application/json' } });
  };
  try {
    const { gatehouse, auth0 } = await clients(FAKE, { gatehousePacing: false });
    const body = () => ({ connection: 'Username-Password-Authentication', email: 'g@bench.test', password: 'Bench-passw0rd!' });
    const rows = [];
    for (const [name, gh, a0] of [
      ['get one user', () => gatehouse.users.get('auth0|1'), () => auth0.users.get('auth0|1')],
      ['create one user', () => gatehouse.users.create(body()), () => auth0.users.create(body())],
    ]) {
      const [gOps, aOps] = await compare(gh, a0, iterations);
      rows.push({ name, gatehouse: 1e6 / gOps, auth0: 1e6 / aOps, ratio: gOps / aOps });
      console.log(`  ${name.padEnd(16)} gatehouse ${(1e6 / gOps).toFixed(1).padStart(6)} µs/call   auth0 ${(1e6 / aOps).toFixed(1).padStart(6)} µs/call   speed ratio ${(gOps / aOps).toFixed(2)}`);
    }
    return rows;
  } finally {
    globalThis.fetch = saved;
  }
}

// ---------------------------------------------------------------- rate limits

async function bulk(name, label, makeCall, gatehousePacing) {
  const emu = await emulator(['--rate-limit', String(RATE), '--burst', String(BURST), '--seed-users', '300']);
  try {
    const { gatehouse, auth0 } = await clients(emu.url, { gatehousePacing });
    const client = name === 'gatehouse' ? gatehouse : auth0;
    // The ids to update, and the token, before the clock starts (outside the bucket's count).
    const ids = (await gatehouse.users.list({ perPage: 100 })).map((u) => u.user_id);
    await new Promise((r) => setTimeout(r, (BURST / RATE) * 1000 + 500)); // let the bucket refill
    if (name === 'auth0') await auth0.users.get(ids[0]);
    await new Promise((r) => setTimeout(r, 1000));
    let next = 0;
    let failed = 0;
    const errors = new Map();
    const t0 = performance.now();
    const worker = async () => {
      for (;;) {
        const i = next++;
        if (i >= OPS) return;
        try {
          await makeCall(client, ids[i % ids.length], i);
        } catch (e) {
          failed += 1;
          const key = `${e.statusCode ?? e.status ?? ''} ${e.constructor?.name ?? 'Error'}`.trim();
          errors.set(key, (errors.get(key) ?? 0) + 1);
        }
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    const elapsed = (performance.now() - t0) / 1000;
    const ideal = Math.max(OPS - BURST, 0) / RATE;
    const row = { name, label, elapsed, ideal, share: ideal > 0 ? elapsed / ideal : NaN, failed, errors: Object.fromEntries(errors) };
    if (name === 'gatehouse') row.metrics = gatehouse.metrics();
    console.log(`  ${label.padEnd(34)} ${elapsed.toFixed(1)} s (ideal ${ideal.toFixed(1)} s, ${(row.share * 100).toFixed(0)}%), ${failed} failed ${JSON.stringify(row.errors)}`);
    return row;
  } finally {
    emu.close();
  }
}

async function rateLimits() {
  const update = (client, id, i) => client.users.update(id, { user_metadata: { bench: i } });
  const rows = [await bulk('gatehouse', 'Gatehouse (defaults)', update), await bulk('auth0', '`auth0` (defaults)', update)];
  if (LOCAL_PACING) {
    rows.push(await bulk('gatehouse', 'Gatehouse, `pacing: { rate: 15, burst: 50, followServer: false }`', update, { rate: RATE, burst: BURST, followServer: false }));
  }
  return rows;
}

// ---------------------------------------------------------------- report

function markdown(s, sp, rl, oh) {
  const lines = [];
  const date = new Date().toISOString().slice(0, 10);
  lines.push('# @gatehouse/auth0 benchmarks', '');
  lines.push(`Measured by \`cargo xtask bench client\` on ${date}: Node ${process.version}, ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown CPU'}), against \`gatehouse emulator\` on the same machine; \`auth0\` ${s.auth0Version} (Auth0's own SDK, its \`ManagementClient\`).`, '');
  lines.push('## Size', '');
  lines.push('Bytes.', '');
  lines.push('| what | raw | gzip -9 | brotli 11 |', '|---|---:|---:|---:|');
  for (const f of s.shipped) lines.push(`| pkg/${f.file} | ${f.raw} | ${f.gzip} | ${f.brotli} |`);
  const tot = s.shipped.reduce((a, f) => ({ raw: a.raw + f.raw, gzip: a.gzip + f.gzip, brotli: a.brotli + f.brotli }), { raw: 0, gzip: 0, brotli: 0 });
  lines.push(`| **@gatehouse/auth0 as shipped (wasm + JS)** | ${tot.raw} | **${tot.gzip}** | ${tot.brotli} |`);
  // The main entry, `users`, and the smallest and largest of the per-resource entries.
  const per = s.entries.filter((e) => e.name !== '@gatehouse/auth0').sort((a, b) => a.gzip - b.gzip);
  const shown = new Set([...s.entries.filter((e) => e.name === '@gatehouse/auth0' || e.name.endsWith('/users')), per[0], per[per.length - 1]]);
  for (const e of shown) if (e) lines.push(`| entry point \`${e.name}\` (the files it loads) | ${e.raw} | ${e.gzip} | ${e.brotli} |`);
  lines.push(`| (${per.length} per-resource entry points in all, generated from the catalog's groups) | | | |`);
  lines.push(`| @gatehouse/auth0 bundled by esbuild (minified JS ${s.gatehouseBundled.js}, ${s.gatehouseBundled.jsGzip} gzipped) + wasm | ${s.gatehouseBundled.raw} | **${s.gatehouseBundled.gzip}** | |`);
  if (s.auth0.error) lines.push(`| \`auth0\` ManagementClient bundled by esbuild | could not bundle: ${s.auth0.error} | | |`);
  else lines.push(`| \`auth0\` ${s.auth0Version} ManagementClient bundled by esbuild for the browser, minified | ${s.auth0.raw} | **${s.auth0.gzip}** | |`);
  lines.push('');
  if (sp) {
    lines.push('## Speed in Node', '');
    lines.push(`One call at a time, ${ITERATIONS} calls of each client after 20 warm-up calls (a fifth as many walks), in 20 alternating rounds (short, so that other load on the machine and drifts of the emulator hit both alike); the emulator seeded with 1,000 users, without rate limit, Gatehouse's pacing off (both clients then send as fast as answers come). Both clients take auth0's option names (\`per_page: 100\`); the walk is \`gatehouse.users.pages()\` against \`auth0.users.list({ page, include_totals: true })\` page after page up to the total (\`auth0\`'s own iterator asks for page 10, past Auth0's 1,000-result window, and fails there).`, '');
    lines.push('| operation | Gatehouse ops/s | `auth0` ops/s | Gatehouse / `auth0` |', '|---|---:|---:|---:|');
    for (const r of sp) lines.push(`| ${r.name} | ${r.gatehouse.toFixed(0)} | ${r.auth0.toFixed(0)} | ${r.ratio.toFixed(2)} |`);
    lines.push('');
  }
  if (oh) {
    lines.push('## Client overhead in Node (no network)', '');
    lines.push('The same calls with `fetch` answering at once (a canned user; a token): what each client itself spends per call (validation, request building, the send loop, parsing), 3,000 calls each after warm-up, alternating rounds. Unlike the table above it does not move with the emulator\'s or the machine\'s load.', '');
    lines.push('| operation | Gatehouse µs/call | `auth0` µs/call | Gatehouse speed / `auth0` |', '|---|---:|---:|---:|');
    for (const r of oh) lines.push(`| ${r.name} | ${r.gatehouse.toFixed(1)} | ${r.auth0.toFixed(1)} | ${r.ratio.toFixed(2)} |`);
    lines.push('');
  }
  if (rl) {
    lines.push('## Rate limits', '');
    lines.push(`A bulk job of ${OPS} user updates (\`PATCH /api/v2/users/{id}\`), ${CONCURRENCY} in flight, against an emulator limited to ${RATE} requests/s with bursts of ${BURST} (Auth0's paid-tier Management API limits; a fresh emulator for each client). The ideal is (${OPS} − ${BURST}) / ${RATE} = ${((OPS - BURST) / RATE).toFixed(1)} s. Both clients with their defaults: Gatehouse paces (15/s, bursts of 50, following \`x-ratelimit-*\`) and retries 429s after \`Retry-After\`; \`auth0\` retries 429s (2 retries, backoff).`, '');
    lines.push('| client | elapsed | share of the ideal | failed updates | errors |', '|---|---:|---:|---:|---|');
    for (const r of rl) {
      const errs = Object.entries(r.errors).map(([k, v]) => `${v} × ${k}`).join(', ') || '—';
      lines.push(`| ${r.label} | ${r.elapsed.toFixed(1)} s | ${(r.share * 100).toFixed(0)}% | ${r.failed} | ${errs} |`);
    }
    for (const r of rl.filter((r) => r.metrics)) lines.push('', `${r.label}: counters ${JSON.stringify(r.metrics)}.`);
    lines.push('');
  }
  lines.push('## Commands', '');
  lines.push('```sh');
  lines.push('cargo xtask pkg                      # build pkg/ and print its sizes');
  lines.push('cargo xtask bench client             # everything above (about 5 minutes: two ~130 s bulk jobs)');
  lines.push('cargo xtask bench client -- --ops 300 --speed-iterations 100   # a quicker run');
  lines.push('cargo xtask bench client -- --skip-rate --no-write             # size and speed only, no file written');
  lines.push('cargo xtask bench client -- --also-local-pacing              # adds Gatehouse with local pacing only (one more bulk job)');
  lines.push('```');
  lines.push('');
  return lines.join('\n');
}

console.log('size');
const s = await size();
for (const f of s.shipped) console.log(`  pkg/${f.file.padEnd(22)} ${String(f.raw).padStart(8)} B  gzip ${String(f.gzip).padStart(7)} B  brotli ${String(f.brotli).padStart(7)} B`);
const total = (k) => s.shipped.reduce((n, f) => n + f[k], 0);
console.log(`  ${'total as shipped'.padEnd(26)} ${String(total('raw')).padStart(8)} B  gzip ${String(total('gzip')).padStart(7)} B  brotli ${String(total('brotli')).padStart(7)} B`);
for (const e of s.entries) console.log(`  entry ${e.name.padEnd(20)} ${String(e.raw).padStart(8)} B  gzip ${String(e.gzip).padStart(7)} B  brotli ${String(e.brotli).padStart(7)} B`);
console.log(`  gatehouse bundled (esbuild, min) + wasm: ${kb(s.gatehouseBundled.raw)}, gzip ${kb(s.gatehouseBundled.gzip)}`);
console.log(s.auth0.error ? `  auth0: ${s.auth0.error}` : `  auth0 ${s.auth0Version} ManagementClient bundled (esbuild, min): ${kb(s.auth0.raw)}, gzip ${kb(s.auth0.gzip)}`);
console.log('speed (Node)');
const sp = await speed();
console.log('client overhead (Node, no network)');
const oh = await overhead();
let rl = null;
if (!SKIP_RATE) {
  console.log(`rate limits (${OPS} updates at ${RATE}/s, burst ${BURST}, ${CONCURRENCY} in flight)`);
  rl = await rateLimits();
}
if (WRITE) {
  // Hand-written notes below the marker survive a new run.
  const MARK = '<!-- notes: kept by bench.mjs -->';
  let notes = '';
  try {
    const old = readFileSync(join(PKG, 'BENCHMARKS.md'), 'utf8');
    if (old.includes(MARK)) notes = old.slice(old.indexOf(MARK));
  } catch {}
  writeFileSync(join(PKG, 'BENCHMARKS.md'), markdown(s, sp, rl, oh) + (notes ? `\n${notes}` : ''));
  console.log(`wrote ${join(PKG, 'BENCHMARKS.md')}`);
}
process.exit(0);
