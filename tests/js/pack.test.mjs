// The packed package, installed from its tarball into a scratch project,
// used by name (`import ... from '@gatehouse/auth0'`) against the emulator.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { readFileSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { emulatorEnv, scratchProject } from './setup.mjs';
import { REPO } from './harness.mjs';

let env;
let project;
let scenarios;

before(async () => {
  env = { ...(await emulatorEnv()), tag: `node${process.pid}` };
  project = scratchProject(['consumer.mjs', 'typed-example.ts', 'tsconfig.example.json']);
  scenarios = await import(pathToFileURL(join(project.app, 'consumer.mjs')).href);
});

after(async () => {
  await env?.close();
});

test('the tarball holds the package files and nothing else', () => {
  const manifest = JSON.parse(readFileSync(join(REPO, 'pkg/package.json'), 'utf8'));
  const expected = [...manifest.files, 'package.json'].sort();
  assert.deepEqual([...project.installed].sort(), expected);
});

test('the wasm is optimized (no name section, no producers section)', () => {
  const wasm = readFileSync(join(project.app, 'node_modules/@gatehouse/auth0/gatehouse_js_bg.wasm'));
  assert.equal(wasm.includes(Buffer.from('producers')), false);
});

for (const name of ['everyNamespace', 'asyncIterators', 'typedErrors', 'metricsAndRateLimit', 'resourceEntry']) {
  test(`installed package: ${name}`, async () => {
    assert.equal(await scenarios[name](env), 'ok');
  });
}

test('typed-example.ts type-checks against the installed package (tsc --noEmit)', () => {
  const tsc = join(REPO, 'tests/js/node_modules/.bin/tsc');
  execFileSync(tsc, ['--noEmit', '-p', join(project.app, 'tsconfig.example.json')], { cwd: project.app, stdio: 'inherit' });
});

test("a resource's entry point declares that resource only (tsc)", () => {
  const tsc = join(REPO, 'tests/js/node_modules/.bin/tsc');
  writeFileSync(
    join(project.app, 'entry.ts'),
    [
      "import { ManagementClient, ApiError, type User } from '@gatehouse/auth0/users';",
      "const c = new ManagementClient({ domain: 'x', token: 't' });",
      'export async function f(): Promise<number> {',
      '  const users: User[] = await c.users.list({ perPage: 5 });',
      '  for await (const u of c.users.all()) if (u.user_id) break;',
      '  // @ts-expect-error: roles are not in the users entry',
      '  await c.roles.list();',
      '  return users.length + (new ApiError("x") instanceof Error ? 1 : 0);',
      '}',
      // Every entry point's declarations type-check (each names its own group of the API).
      ...Object.keys(JSON.parse(readFileSync(join(REPO, 'pkg/package.json'), 'utf8')).exports)
        .filter((k) => k !== '.' && !k.endsWith('.json'))
        .map((k, i) => `import type * as E${i} from '@gatehouse/auth0/${k.slice(2)}';\nexport type C${i} = E${i}.ManagementClient;`),
      '',
    ].join('\n'),
  );
  writeFileSync(join(project.app, 'tsconfig.entry.json'), JSON.stringify({ extends: './tsconfig.example.json', files: ['entry.ts'] }));
  execFileSync(tsc, ['--noEmit', '-p', join(project.app, 'tsconfig.entry.json')], { cwd: project.app, stdio: 'inherit' });
});

test('tsc rejects a call with a wrong option', () => {
  const tsc = join(REPO, 'tests/js/node_modules/.bin/tsc');
  const bad = join(project.app, 'bad.ts');
  writeFileSync(bad, "import { ManagementClient } from '@gatehouse/auth0';\nconst c = new ManagementClient({ domain: 'x', token: 't' });\nc.users.list({ perpage: 5 });\n");
  writeFileSync(join(project.app, 'tsconfig.bad.json'), JSON.stringify({ extends: './tsconfig.example.json', files: ['bad.ts'] }));
  assert.throws(() => execFileSync(tsc, ['--noEmit', '-p', join(project.app, 'tsconfig.bad.json')], { cwd: project.app, stdio: 'pipe' }));
});
