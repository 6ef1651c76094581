// Test harness: starts `gatehouse emulator` behind a small Node server that
// (1) forwards every other request to the emulator, adding CORS headers so a
// page on another origin (wasm-bindgen-test-runner's) can call it and read
// the rate-limit headers, and (2) serves pkg/ under /__pkg/ and
// tests/js/ under /__test/, so a page there calls the API on its own
// origin. The emulator's public URL is the proxy's, so token audiences match.
//
// As a program: `node harness.mjs [emulator flags...]` prints
// `ready <url> <clientId> <clientSecret>` and runs until killed.

import http from 'node:http';
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '../..');

const TYPES = { '.js': 'text/javascript', '.mjs': 'text/javascript', '.wasm': 'application/wasm', '.html': 'text/html', '.json': 'application/json', '.ts': 'text/plain' };
const EXPOSE = 'x-ratelimit-limit, x-ratelimit-remaining, x-ratelimit-reset, retry-after';

/** The `gatehouse` binary: $GATEHOUSE_BIN, else the debug build in the cargo target dir. */
export function gatehouseBin() {
  if (process.env.GATEHOUSE_BIN) return process.env.GATEHOUSE_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? join(REPO, 'target');
  return join(target, 'debug', 'gatehouse');
}

async function serveFile(res, root, rel) {
  const path = normalize(join(root, rel));
  if (!path.startsWith(root)) return void res.writeHead(403).end();
  try {
    const body = await readFile(path);
    res.writeHead(200, { 'content-type': TYPES[extname(path)] ?? 'application/octet-stream', 'cache-control': 'no-store' });
    res.end(body);
  } catch {
    res.writeHead(404).end('not found');
  }
}

/**
 * Starts an emulator behind the proxy. Resolves with
 * `{ url, emulatorUrl, clientId, clientSecret, teamsAudience, setFaults, close }`.
 */
export async function startEmulator(flags = [], { clientId = 'gatehouse-js-tests', clientSecret = 'gatehouse-js-tests-secret' } = {}) {
  let target = null;
  const server = http.createServer(async (req, res) => {
    const origin = req.headers.origin;
    const cors = origin
      ? {
          'access-control-allow-origin': origin,
          'access-control-allow-credentials': 'true',
          'access-control-expose-headers': EXPOSE,
          vary: 'origin',
        }
      : {};
    const path = req.url ?? '/';
    if (path.startsWith('/__pkg/')) return serveFile(res, join(REPO, 'pkg'), path.slice('/__pkg/'.length).split('?')[0]);
    if (path.startsWith('/__test/')) return serveFile(res, here, path.slice('/__test/'.length).split('?')[0]);
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...cors,
        'access-control-allow-methods': 'GET, POST, PUT, PATCH, DELETE',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? 'authorization, content-type, x-csrf',
        'access-control-max-age': '600',
      });
      return res.end();
    }
    const chunks = [];
    for await (const c of req) chunks.push(c);
    const headers = { ...req.headers };
    delete headers.host;
    delete headers.origin;
    delete headers.connection;
    try {
      const upstream = await fetch(target + path, {
        method: req.method,
        headers,
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
      const out = { ...cors };
      upstream.headers.forEach((v, k) => {
        if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k)) out[k] = v;
      });
      const body = Buffer.from(await upstream.arrayBuffer());
      res.writeHead(upstream.status, out);
      res.end(body);
    } catch (e) {
      res.writeHead(502, cors).end(String(e));
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${server.address().port}`;
  const child = spawn(
    gatehouseBin(),
    ['emulator', '--listen', '127.0.0.1:0', '--public-url', url, '--client-id', clientId, '--client-secret', clientSecret, ...flags],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout });
  target = await new Promise((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`gatehouse emulator exited (${code})`)));
    child.once('error', fail);
    lines.on('line', (line) => {
      const m = /^listening on (http:\/\/\S+)/.exec(line);
      if (m) ok(m[1]);
    });
  });
  const setFaults = async (faults) => {
    const r = await fetch(`${target}/__emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(faults) });
    if (!r.ok) throw new Error(`setting faults: ${r.status} ${await r.text()}`);
  };
  const close = async () => {
    child.kill('SIGTERM');
    await new Promise((ok) => server.close(ok));
    server.closeAllConnections?.();
  };
  return { url, emulatorUrl: target, clientId, clientSecret, teamsAudience: `${url}/teams/`, setFaults, close, child };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === resolve(process.argv[1])) {
  const emu = await startEmulator(process.argv.slice(2));
  console.log(`ready ${emu.url} ${emu.clientId} ${emu.clientSecret} ${emu.emulatorUrl}`);
  const stop = async () => {
    await emu.close();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
