// Shared by run.mjs and bench-console.mjs: start `gatehouse serve` in demo mode
// on a free port, launch headless Chromium, sign in as a demo admin.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'tests', 'e2e', 'artifacts');

/** The gatehouse binary: $GATEHOUSE_BIN, else target/debug/gatehouse of $CARGO_TARGET_DIR or the repo. */
export function gatehouseBin() {
  if (process.env.GATEHOUSE_BIN) return process.env.GATEHOUSE_BIN;
  const target = process.env.CARGO_TARGET_DIR || join(ROOT, 'target');
  for (const profile of ['debug', 'release']) {
    const bin = join(target, profile, 'gatehouse');
    if (existsSync(bin)) return bin;
  }
  throw new Error(`no gatehouse binary: build it (cargo build -p gatehouse) or set GATEHOUSE_BIN`);
}

function freePort() {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.unref();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => ok(port));
    });
  });
}

/**
 * Starts the BFF in demo mode; resolves once it listens. By default it
 * serves the built console (web/dist); `withConsole: false` serves none.
 * `before(run, { config })` runs first with a function that calls `gatehouse serve`
 * with the same configuration file and environment (to create API keys),
 * and that file's path (to add settings to it).
 */
export async function startServer({ withConsole = true, before } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-e2e-'));
  let consoleDir = join(dir, 'no-console');
  if (withConsole) {
    consoleDir = process.env.GATEHOUSE_CONSOLE_DIR || join(ROOT, 'web', 'dist');
    if (!existsSync(join(consoleDir, 'index.html'))) {
      throw new Error(`the console is not built: no ${consoleDir}/index.html (run trunk build --offline --release in web/)`);
    }
  }
  const port = await freePort();
  const config = join(dir, 'gatehouse.toml');
  const password = `Demo-${randomBytes(9).toString('base64url')}!1`;
  const env = { ...process.env, GATEHOUSE_DEMO_PASSWORD: password, RUST_LOG: process.env.RUST_LOG || 'warn' };
  for (const k of ['GATEHOUSE_CONFIG', 'GATEHOUSE_DOMAIN', 'GATEHOUSE_BASE_URL', 'GATEHOUSE_CLIENT_ID']) delete env[k];
  const serve = (args) => spawnSync(gatehouseBin(), ['serve', '--config', config, ...args], { env, encoding: 'utf8' });
  await before?.(serve, { config });
  const child = spawn(
    gatehouseBin(),
    ['serve', ...(existsSync(config) ? ['--config', config] : []), '--listen', `127.0.0.1:${port}`, '--database', join(dir, 'gatehouse.sqlite'),
      '--console-dir', consoleDir],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const url = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`gatehouse serve did not start in 60 s\n${stderr}`)), 60_000);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) { clearTimeout(timer); ok(m[1]); }
    });
    child.on('exit', (code) => { clearTimeout(timer); fail(new Error(`gatehouse serve exited (${code})\n${stderr}`)); });
  });
  const stop = async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((ok) => { child.once('exit', ok); setTimeout(ok, 5000); });
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { url, password, stop, logs: () => stderr };
}

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

export function launch() {
  return chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
}

/** Signs in through the BFF (and the emulator's login page); resolves on the console. */
export async function signIn(page, server, email, path = '/') {
  await page.goto(server.url + path);
  await page.waitForSelector('#username', { timeout: 30_000 });
  await page.fill('#username', email);
  await page.fill('#password', server.password);
  await Promise.all([
    page.waitForSelector('[data-testid="who"]', { timeout: 30_000 }),
    page.click('button[type="submit"], input[type="submit"]'),
  ]);
}
