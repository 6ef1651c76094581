// Shared by the node:test files: the emulator to test against, and a scratch
// project with the packed package installed.
//
// With GATEHOUSE_JS_TEST_URL set (run.sh starts one emulator for every
// suite), that emulator is used; otherwise each file starts its own.

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, copyFileSync, readdirSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator, REPO } from './harness.mjs';

export const EMULATOR_FLAGS = ['--rate-limit', '1000', '--burst', '1000', '--seed-users', '1100', '--token-lifetime', '3'];

let emulator = null;

/** The emulator: {url, clientId, clientSecret, setFaults, close}. */
export async function emulatorEnv() {
  if (process.env.GATEHOUSE_JS_TEST_URL) {
    const url = process.env.GATEHOUSE_JS_TEST_URL;
    return {
      url,
      clientId: process.env.GATEHOUSE_JS_TEST_CLIENT_ID ?? 'gatehouse-js-tests',
      clientSecret: process.env.GATEHOUSE_JS_TEST_CLIENT_SECRET ?? 'gatehouse-js-tests-secret',
      setFaults: async (f) => {
        const r = await fetch(`${url}/__emulator/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(f) });
        if (!r.ok) throw new Error(`faults: ${r.status}`);
      },
      close: async () => {},
    };
  }
  emulator ??= await startEmulator(EMULATOR_FLAGS);
  return emulator;
}

/**
 * `npm pack`s pkg/ into a temp dir and installs the tarball into a scratch
 * project there (only the tarball: the package has no dependencies). Copies
 * `files` (paths relative to tests/js) into the project. Returns its path.
 */
export function scratchProject(files = []) {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-pkg-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', dir], { cwd: join(REPO, 'pkg'), encoding: 'utf8' });
  const tarball = JSON.parse(out)[0].filename;
  const app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({ name: 'scratch', private: true, type: 'module', dependencies: { '@gatehouse/auth0': `file:../${tarball}` } }, null, 2),
  );
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error'], { cwd: app, stdio: 'inherit' });
  for (const f of files) copyFileSync(join(REPO, 'tests/js', f), join(app, f.split('/').pop()));
  return { dir, app, tarball, installed: readdirSync(join(app, 'node_modules/@gatehouse/auth0')) };
}
