// The package in a bundler: a page importing @gatehouse/auth0 (installed from
// the packed tarball) is built with `vite build`, then loaded in headless
// Chromium from the emulator's origin, where it calls the API.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { chromium } from 'playwright-core';
import { emulatorEnv, scratchProject } from './setup.mjs';
import { REPO } from './harness.mjs';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const DIST = join(REPO, 'tests/js/vite-app/dist');

let env;
let browser;

before(async () => {
  env = await emulatorEnv();
  const project = scratchProject();
  cpSync(join(REPO, 'tests/js/vite-app'), join(project.app, 'site'), { recursive: true, filter: (src) => !src.includes('/dist') });
  rmSync(DIST, { recursive: true, force: true });
  const vite = join(REPO, 'tests/js/node_modules/vite/bin/vite.js');
  execFileSync('node', [vite, 'build', 'site', '--base', './', '--outDir', DIST, '--emptyOutDir', '--logLevel', 'warn'], { cwd: project.app, stdio: 'inherit' });
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ARGS });
});

after(async () => {
  await browser?.close();
  await env?.close();
});

test('vite build emits the wasm as an asset', () => {
  const assets = readdirSync(join(DIST, 'assets'));
  assert.ok(assets.some((f) => f.endsWith('.wasm')), assets.join(', '));
});

test('the Vite-built page calls the API', async () => {
  const page = await browser.newPage();
  const q = new URLSearchParams({ clientId: env.clientId, clientSecret: env.clientSecret });
  await page.goto(`${env.url}/__test/vite-app/dist/index.html?${q}`);
  const result = await page.evaluate(() => window.result);
  assert.deepEqual(result, { users: 3, notFound: true, orgs: (result && result.orgs) || -1 });
  assert.ok(result.orgs >= 12, JSON.stringify(result));
});
