// The package README's examples, run against the emulator: every ```js
// block (not ```js browser) is written to a file in a scratch project with the
// packed package installed, and run with node. A shim stands in for
// '@gatehouse/auth0' that points every client at the emulator (the examples
// name a real tenant and read credentials from the environment).

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { emulatorEnv, scratchProject } from './setup.mjs';
import { REPO } from './harness.mjs';

const run = promisify(execFile);

const SHIM = `import { ManagementClient as Real } from '@gatehouse/auth0';
export * from '@gatehouse/auth0';
const E = JSON.parse(process.env.GATEHOUSE_README_ENV);
export class ManagementClient extends Real {
  constructor({ domain, team, teamsBaseUrl, baseUrl, clientId, clientSecret, token, credentials, ...rest }) {
    super({ ...rest, baseUrl: E.url, clientId: E.clientId, clientSecret: E.clientSecret, teamsAudience: E.url + '/teams/' });
  }
}
`;

const readme = readFileSync(join(REPO, 'pkg/README.md'), 'utf8');
const blocks = [...readme.matchAll(/^```js\n([\s\S]*?)^```$/gm)].map((m) => m[1]);

let env;
let project;

before(async () => {
  env = await emulatorEnv();
  project = scratchProject();
  writeFileSync(join(project.app, 'readme-shim.mjs'), SHIM);
});

after(async () => {
  await env?.close();
});

test('the README has examples', () => {
  assert.ok(blocks.length >= 6, `${blocks.length} blocks`);
});

blocks.forEach((code, i) => {
  const title = code.split('\n').find((l) => l.startsWith('const') || l.startsWith('for') || l.startsWith('await')) ?? '';
  test(`README example ${i + 1}: ${title.slice(0, 60)}`, async () => {
    const file = join(project.app, `readme-${i + 1}.mjs`);
    writeFileSync(file, code.replaceAll("'@gatehouse/auth0'", "'./readme-shim.mjs'"));
    const { clientId, clientSecret, url } = env;
    const { stdout } = await run('node', [file], {
      cwd: project.app,
      timeout: 120_000,
      env: { ...process.env, GATEHOUSE_README_ENV: JSON.stringify({ url, clientId, clientSecret }), AUTH0_CLIENT_ID: 'from-env', AUTH0_CLIENT_SECRET: 'from-env' },
    });
    assert.ok(stdout.length > 0, 'the example printed something');
  });
});
