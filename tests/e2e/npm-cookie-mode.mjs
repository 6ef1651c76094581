// The npm package in a real page, in cookie mode, against `gatehouse serve`
// (demo mode): the BFF holds the token, the page holds only the session
// cookie, and the policy decides per signed-in admin.
//
// The BFF serves a copy of the console with pkg/ beside it, so the package
// is same-origin under the BFF's strict CSP. Ends with `N passed, M failed`.
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, launch, signIn, startServer } from './harness.mjs';

const pkg = join(ROOT, 'pkg');
if (!existsSync(join(pkg, 'gatehouse_js_bg.wasm'))) {
  console.error('pkg/ is not built: run cargo xtask pkg');
  process.exit(1);
}
const site = mkdtempSync(join(tmpdir(), 'gatehouse-npm-cookie-'));
const dist = join(ROOT, 'web', 'dist');
if (existsSync(join(dist, 'index.html'))) cpSync(dist, site, { recursive: true });
else writeFileSync(join(site, 'index.html'), '<!doctype html><title>Gatehouse</title>');
cpSync(pkg, join(site, 'pkg'), { recursive: true, filter: (p) => !p.includes('node_modules') });
process.env.GATEHOUSE_CONSOLE_DIR = site;

let passed = 0;
let failed = 0;
async function check(name, fn) {
  try {
    await fn();
    passed += 1;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed += 1;
    console.log(`FAIL ${name}: ${e?.stack ?? e}`);
  }
}
function assert(cond, what) {
  if (!cond) throw new Error(what);
}

/** Loads the package into the page and makes a cookie-mode client at `window.gatehouse`. */
async function withClient(page) {
  await page.evaluate(async () => {
    const { ManagementClient } = await import('/pkg/index.js');
    window.gatehouse = new ManagementClient({ baseUrl: location.origin, credentials: 'include' });
  });
  return page;
}

const server = await startServer();
const browser = await launch();
try {
  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, server, 'admin@demo.test');
  await withClient(admin);

  await check('admin lists users through the BFF with the session cookie only', async () => {
    const r = await admin.evaluate(async () => {
      const page = await window.gatehouse.users.list({ perPage: 5, includeTotals: true });
      return { n: page.users.length, total: page.total };
    });
    assert(r.n === 5 && r.total > 5, JSON.stringify(r));
  });

  await check('admin creates a user and pages through users with an async iterator', async () => {
    const r = await admin.evaluate(async () => {
      const client = window.gatehouse;
      const email = `npm-cookie-${Date.now()}@demo.test`;
      const u = await client.users.create({ connection: 'Username-Password-Authentication', email, password: 'Npm-cookie-mode-1!' });
      let seen = 0;
      for await (const user of client.users.all({ q: `email:"${email}"` })) seen += user.email === email ? 1 : 0;
      return { id: u.user_id, seen };
    });
    assert(r.id && r.seen === 1, JSON.stringify(r));
  });

  await check('no token or secret is visible to the page', async () => {
    const r = await admin.evaluate(async () => {
      const res = await fetch('/auth/me', { credentials: 'include' });
      return { text: await res.text(), cookie: document.cookie };
    });
    assert(!/eyJ[A-Za-z0-9_-]{10,}\./.test(r.text), 'a JWT reached the page');
    assert(r.cookie === '', 'the session cookie is readable from script');
  });

  const viewer = await (await browser.newContext()).newPage();
  await signIn(viewer, server, 'viewer@demo.test');
  await withClient(viewer);
  await check('viewer is denied a write with a typed 403 naming the missing permission', async () => {
    const r = await viewer.evaluate(async () => {
      const client = window.gatehouse;
      const [first] = await client.users.list({ perPage: 1 });
      try {
        await client.users.delete(first.user_id);
        return { deleted: true };
      } catch (e) {
        return { name: e.name, status: e.statusCode, code: e.errorCode, message: e.message };
      }
    });
    assert(r.status === 403 && r.code === 'gatehouse_denied' && /users\.delete:full/.test(r.message), JSON.stringify(r));
  });

  await check('a page without a session gets a typed 401', async () => {
    const anon = await (await browser.newContext()).newPage();
    await anon.goto(server.url + '/pkg/README.md');
    await withClient(anon);
    const r = await anon.evaluate(async () => {
      try {
        await window.gatehouse.users.list({ perPage: 1 });
        return { ok: true };
      } catch (e) {
        return { status: e.statusCode };
      }
    });
    assert(r.status === 401, JSON.stringify(r));
  });
} finally {
  await browser.close();
  await server.stop();
  rmSync(site, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
