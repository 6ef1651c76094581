// Every operation of both of Auth0's specs is a method of the built package
// (pkg/) at auth0's dotted name, sends its method, path and query, and has a
// signature in the .d.ts; and the generic call path's behaviour: options
// refused before sending, checkpoint iteration, new names against the emulator.
//
// The specs are read from $AUTH0_SHARED_DIR (default ../shared/auth0 beside
// the repository); requests go to a recording stub on localhost.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { REPO } from './harness.mjs';
import { emulatorEnv } from './setup.mjs';
import { ManagementClient, ValidationError, ApiError } from '../../pkg/node.js';

const run = promisify(execFile);
const SHARED = process.env.AUTH0_SHARED_DIR || join(REPO, '../shared/auth0');
const SPECS = [
  { file: 'management-api-oas.json', prefix: '', pathPrefix: '/api/v2' },
  { file: 'teams-api-oas.json', prefix: 'teams.', pathPrefix: '' },
];
const VERBS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of both specs: name, verb, path, path parameters, required query, body. */
function operations() {
  const ops = [];
  for (const { file, prefix, pathPrefix } of SPECS) {
    const spec = JSON.parse(readFileSync(join(SHARED, file), 'utf8'));
    const resolve = (v) => {
      while (v && v.$ref) v = v.$ref.split('/').slice(1).reduce((o, k) => o[k], spec);
      return v;
    };
    for (const [path, item] of Object.entries(spec.paths)) {
      for (const [verb, op] of Object.entries(item)) {
        if (!VERBS.includes(verb)) continue;
        const group = [].concat(op['x-operation-group']);
        const name = `${prefix}${group.join('.')}.${op['x-operation-name']}`;
        const params = (op.parameters ?? []).map(resolve);
        const query = params
          .filter((p) => p.in === 'query' && p.required)
          .map((p) => {
            const s = resolve(p.schema) ?? {};
            const value = s.enum?.[0] ?? s.items?.enum?.[0] ?? (s.type === 'integer' ? 1 : s.type === 'boolean' ? true : 'x');
            return [p.name, value];
          });
        let body;
        if (op.requestBody) {
          const content = resolve(op.requestBody).content ?? {};
          const schema = resolve((content['application/json'] ?? Object.values(content)[0] ?? {}).schema) ?? {};
          const required = schema.required ?? [];
          const props = schema.properties ?? {};
          if (schema.type === 'array') body = [];
          else if (required.length === 1 && Object.keys(props).length === 1 && resolve(props[required[0]])?.type === 'array') body = { [required[0]]: ['x'] };
          else body = {};
        }
        ops.push({ name, verb: verb.toUpperCase(), path: pathPrefix + path, query, body });
      }
    }
  }
  return ops;
}

const OPS = operations();
let stub;
let requests = [];
let answer = () => ({ status: 200, body: '{}' });

before(async () => {
  stub = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      requests.push({ method: req.method, url: req.url, body: raw.toString(), raw, contentType: req.headers['content-type'] });
      const { status, body } = answer(req);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  await new Promise((r) => stub.listen(0, '127.0.0.1', r));
});

after(() => stub?.close());

const stubClient = () =>
  new ManagementClient({ baseUrl: `http://127.0.0.1:${stub.address().port}`, token: 't', pacing: false, retry: false });

const at = (client, name) => name.split('.').reduce((node, part) => node?.[part], client);

test('both specs have operations', () => {
  assert.ok(OPS.length > 400, `${OPS.length} operations`);
});

test('every operation of both specs is a method at its name, sending its method, path and query', async () => {
  const client = stubClient();
  const failures = [];
  for (const op of OPS) {
    const method = at(client, op.name);
    if (typeof method !== 'function') {
      failures.push(`${op.name}: not a method`);
      continue;
    }
    const names = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
    const ids = names.map((_, i) => `a|${i}`);
    const args = [...ids];
    if (op.body !== undefined) args.push(op.body);
    args.push(Object.fromEntries(op.query));
    requests = [];
    try {
      await method(...args);
    } catch (e) {
      failures.push(`${op.name}: ${e.message}`);
      continue;
    }
    const expectedPath = names.reduce((p, n, i) => p.replace(`{${n}}`, `a%7C${i}`), op.path);
    const sent = requests[0];
    if (!sent) {
      failures.push(`${op.name}: nothing sent`);
      continue;
    }
    const [path, search = ''] = sent.url.split('?');
    const query = new URLSearchParams(search);
    if (sent.method !== op.verb || path !== expectedPath) {
      failures.push(`${op.name}: sent ${sent.method} ${path}, expected ${op.verb} ${expectedPath}`);
    }
    for (const [k, v] of op.query) {
      if (query.get(k) !== String(v)) failures.push(`${op.name}: query ${k}=${query.get(k)}, expected ${v}`);
    }
  }
  assert.deepEqual(failures, []);
});

test('every operation has a signature in the declarations (tsc)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-ops-'));
  const index = relative(dir, join(REPO, 'pkg/index.js')).replaceAll('\\', '/');
  const lines = [
    `import { ManagementClient } from '${index.startsWith('.') ? index : `./${index}`}';`,
    "const client = new ManagementClient({ domain: 'acme.eu.auth0.com', token: 't' });",
    'type AnyMethod = (...args: never[]) => Promise<unknown>;',
    ...OPS.map((op, i) => `export const m${i}: AnyMethod = client.${op.name};`),
  ];
  writeFileSync(join(dir, 'ops.mts'), lines.join('\n') + '\n');
  const tsc = join(REPO, 'tests/js/node_modules/.bin/tsc');
  const flags = ['--noEmit', '--strict', '--target', 'es2022', '--module', 'nodenext', '--moduleResolution', 'nodenext', '--lib', 'es2022,dom'];
  try {
    await run(tsc, [...flags, join(dir, 'ops.mts')], { timeout: 300_000 });
  } catch (e) {
    assert.fail(`tsc: ${e.stdout}${e.stderr}`);
  }
});

/** The parts of a captured multipart request, read by the platform's own `FormData` parser. */
async function parts(sent) {
  return new Response(sent.raw, { headers: { 'content-type': sent.contentType } }).formData();
}

test('the users import goes as multipart/form-data, its users as a file part', async () => {
  const client = stubClient();
  const users = [{ email: 'ana@acme.test', email_verified: true, app_metadata: { roles: ['admin'] } }];
  const text = JSON.stringify(users);
  const inputs = [
    ['an array of users', users],
    ['a string', text],
    ['a Blob', new Blob([text], { type: 'application/json' })],
    ['a Uint8Array', new TextEncoder().encode(text)],
    ['a Buffer', Buffer.from(text)],
  ];
  answer = () => ({ status: 202, body: JSON.stringify({ id: 'job_1', type: 'users_import', status: 'pending' }) });
  try {
    for (const [what, input] of inputs) {
      requests = [];
      const job = await client.jobs.usersImports.create({ users: input, connection_id: 'con_0000000000000001', upsert: true, send_completion_email: false });
      assert.equal(job.id, 'job_1', what);
      const sent = requests[0];
      assert.equal(sent.method, 'POST', what);
      assert.equal(sent.url, '/api/v2/jobs/users-imports', what);
      const boundary = /^multipart\/form-data; boundary=(.+)$/.exec(sent.contentType)?.[1];
      assert.ok(boundary, `${what}: content type ${sent.contentType}`);
      const form = await parts(sent);
      const file = form.get('users');
      assert.ok(file instanceof Blob, `${what}: users is a file part`);
      assert.equal(file.name, 'users.json', what);
      assert.equal(file.type, 'application/octet-stream', what);
      assert.equal(await file.text(), text, what);
      assert.equal(form.get('connection_id'), 'con_0000000000000001', what);
      assert.equal(form.get('upsert'), 'true', what);
      assert.equal(form.get('send_completion_email'), 'false', what);
      assert.deepEqual([...form.keys()].sort(), ['connection_id', 'send_completion_email', 'upsert', 'users'], what);
      // The boundary occurs only as the delimiters (one per part and the closing one).
      assert.equal(sent.body.split(boundary).length - 1, 5, what);
    }
    // Content holding something like a boundary changes nothing.
    requests = [];
    const tricky = `--gatehouse-0000000000000000\r\n${text}`;
    await client.jobs.usersImports.create({ users: tricky, connection_id: 'con_0000000000000001' });
    assert.equal(await (await parts(requests[0])).get('users').text(), tricky);
    // Bytes that are not UTF-8 text are refused before anything is sent.
    requests = [];
    await assert.rejects(
      client.jobs.usersImports.create({ users: new Uint8Array([0xff, 0xfe, 0x00]), connection_id: 'con_1' }),
      ValidationError,
    );
    assert.equal(requests.length, 0);
  } finally {
    answer = () => ({ status: 200, body: '{}' });
  }
});

test('an unknown option or a value outside its enum is refused before sending', async () => {
  const client = stubClient();
  requests = [];
  await assert.rejects(client.users.permissions.list('auth0|1', { per_page: 50, colour: 'blue' }), (e) => {
    assert.ok(e instanceof ValidationError, String(e));
    assert.deepEqual(e.unknown, ['colour']);
    assert.ok(e.accepted.includes('per_page'), e.accepted.join());
    return true;
  });
  // An enum parameter of an operation the hand-kept table never had.
  const op = OPS.find((o) => o.name === 'hooks.list');
  assert.ok(op, 'hooks.list is in the spec');
  await assert.rejects(client.hooks.list({ triggerId: 'not-a-trigger' }), (e) => {
    assert.ok(e instanceof ValidationError, String(e));
    assert.equal(e.option, 'triggerId');
    return true;
  });
  await assert.rejects(client.attackProtection.bruteForceProtection.get({ fields: 'x' }), ValidationError);
  await assert.rejects(client.clientGrants.get('..'), ValidationError);
  assert.equal(requests.length, 0, 'nothing was sent');
  await client.clientGrants.list({ per_page: 5, include_totals: true, audience: 'https://api/' });
  assert.equal(requests[0].url, '/api/v2/client-grants?per_page=5&include_totals=true&audience=https:%2F%2Fapi%2F');
});

test('an error answer without a message is named by its status (the reason phrase)', async () => {
  const client = stubClient();
  const cases = [
    [503, '', 'Service Unavailable'],
    [418, '{"detail":1}', "I'm a teapot"],
    [404, '[1,2]', 'Not Found'],
    [599, '', 'Error'],
    [409, '{"message":"the body says"}', 'the body says'],
  ];
  try {
    for (const [status, body, message] of cases) {
      answer = () => ({ status, body });
      const e = await client.roles.list().then(
        () => assert.fail(`${status}: resolved`),
        (e) => e,
      );
      assert.ok(e instanceof ApiError, `${status}: ${e}`);
      assert.deepEqual([e.statusCode, e.message, e.operation], [status, message, 'roles.list']);
    }
  } finally {
    answer = () => ({ status: 200, body: '{}' });
  }
});

test('a checkpoint list iterates across pages (client.teams.tenants.members.list.all)', async () => {
  const client = stubClient();
  requests = [];
  answer = (req) => {
    const from = new URL(req.url, 'http://x').searchParams.get('from');
    if (from === null) return { status: 200, body: JSON.stringify({ members: [{ user_id: '1' }, { user_id: '2' }], next: 'n1' }) };
    if (from === 'n1') return { status: 200, body: JSON.stringify({ members: [{ user_id: '3' }], next: 'n2' }) };
    return { status: 200, body: JSON.stringify({ members: [] }) };
  };
  try {
    const seen = [];
    for await (const m of client.teams.tenants.members.list.all('tenant 1', { take: 2 })) seen.push(m.user_id);
    assert.deepEqual(seen, ['1', '2', '3']);
    assert.deepEqual(
      requests.map((r) => r.url),
      ['/api/tenants/tenant%201/members?take=2', '/api/tenants/tenant%201/members?from=n1&take=2', '/api/tenants/tenant%201/members?from=n2&take=2'],
    );
    // The same with the pages, and `clientGrants.all()` beside `clientGrants.list`.
    requests = [];
    let pages = 0;
    for await (const page of client.teams.tenants.members.list.pages('t', { take: 2 })) pages += page.items.length > 0 ? 1 : 0;
    assert.equal(pages, 2);
    assert.equal(typeof client.clientGrants.all, 'function');
    assert.equal(typeof client.users.permissions.all, 'function');
  } finally {
    answer = () => ({ status: 200, body: '{}' });
  }
});

test('operations under their spec names against the emulator', async () => {
  const env = await emulatorEnv();
  const client = new ManagementClient({ baseUrl: env.url, clientId: env.clientId, clientSecret: env.clientSecret, teamsAudience: `${env.url}/teams/` });
  const [user] = await client.users.list({ per_page: 1 });
  const role = await client.roles.create({ name: `ops-test-${Date.now()}` });
  await client.users.roles.assign(user.user_id, [role.id]);
  assert.ok((await client.users.roles.list(user.user_id)).some((r) => r.id === role.id));
  await client.users.roles.delete(user.user_id, { roles: [role.id] });
  assert.ok(!(await client.users.roles.list(user.user_id)).some((r) => r.id === role.id));
  // The name of an earlier version still answers.
  await client.roles.assign(user.user_id, [role.id]);
  await client.users.roles.remove(user.user_id, [role.id]);
  const grants = await client.userGrants.list({ include_totals: true });
  assert.ok(Array.isArray(grants.grants), JSON.stringify(grants));
  await client.roles.delete(role.id);
  await env.close();
});
