// The package imported by a page in headless Chromium (playwright-core), the
// page served on the emulator's origin by the test harness: the same
// scenarios as the Node consumer test, fetch and all, in a browser.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { emulatorEnv } from './setup.mjs';

const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let env;
let browser;
let page;
const logs = [];

before(async () => {
  env = await emulatorEnv();
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ARGS });
  page = await browser.newPage();
  page.on('console', (m) => logs.push(`${m.type()}: ${m.text()}`));
  page.on('pageerror', (e) => logs.push(`pageerror: ${e.message}`));
  const q = new URLSearchParams({ clientId: env.clientId, clientSecret: env.clientSecret });
  await page.goto(`${env.url}/__test/browser/index.html?${q}`);
  await page.waitForFunction(() => window.ready === true, null, { timeout: 30_000 });
});

after(async () => {
  await browser?.close();
  await env?.close();
});

for (const name of ['everyNamespace', 'asyncIterators', 'typedErrors', 'metricsAndRateLimit']) {
  test(`in Chromium: ${name}`, async () => {
    const result = await page.evaluate((n) => window.runScenario(n), name);
    assert.equal(result, 'ok', `${result}\n${logs.join('\n')}`);
  });
}

test('in Chromium: the wasm came over fetch as application/wasm', async () => {
  const entries = await page.evaluate(() => performance.getEntriesByType('resource').map((e) => e.name));
  assert.ok(entries.some((n) => n.endsWith('/__pkg/gatehouse_js_bg.wasm')), entries.join('\n'));
});
