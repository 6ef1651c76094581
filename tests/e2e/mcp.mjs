// The BFF's MCP endpoint through the official MCP TypeScript SDK's client
// (`@modelcontextprotocol/sdk`, streamable HTTP), against `gatehouse serve`
// in demo mode with an API key created by `--create-api-key`: the tools a
// read-only key sees, a read, a denied write, a refused key.
// Ends with `N passed, M failed` (exit 1 on any failure).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startServer } from './harness.mjs';

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

/** Creates an API key with `access` through `serve`; returns the key. */
function createKey(serve, name, access) {
  const r = serve(['--create-api-key', name, '--access', access]);
  if (r.status !== 0) throw new Error(`--create-api-key ${name} failed: ${r.stderr}`);
  return r.stdout.trim();
}

let reader;
const server = await startServer({
  withConsole: false,
  before: (serve) => { reader = createKey(serve, 'agent-reader', 'users=read,logs=read'); },
});
const { url } = server;

/** An MCP client of the official SDK, connected to /mcp with `key`. */
async function connect(key) {
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', url), {
    requestInit: { headers: { Authorization: `Bearer ${key}` } },
  });
  const client = new Client({ name: 'gatehouse-e2e', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

const text = (r) => r.content.filter((c) => c.type === 'text').map((c) => c.text).join('\n');

try {
  const client = await connect(reader);

  await check('a read-only key lists only read tools', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const t of ['users_list', 'users_get', 'logs_list']) assert(names.includes(t), `missing ${t}`);
    for (const t of ['users_delete', 'users_create', 'roles_list']) assert(!names.includes(t), `listed ${t}`);
    assert(tools.every((t) => t.annotations?.readOnlyHint === true), 'a tool that is not read-only');
    const list = tools.find((t) => t.name === 'users_list');
    assert(list.inputSchema.properties.per_page.type === 'integer', JSON.stringify(list.inputSchema));
  });

  await check('users_list returns the tenant\'s users with the next page', async () => {
    const r = await client.callTool({ name: 'users_list', arguments: { per_page: 2 } });
    assert(!r.isError, text(r));
    const users = r.structuredContent.result;
    assert(Array.isArray(users) && users.length === 2 && typeof users[0].user_id === 'string', JSON.stringify(r));
    assert(r.structuredContent.next.page === 1, JSON.stringify(r.structuredContent.next));
    assert(JSON.stringify(JSON.parse(r.content[0].text)) === JSON.stringify(users), 'the text is the JSON');
  });

  await check('a write the key may not make is a tool error naming the permission', async () => {
    const r = await client.callTool({ name: 'users_delete', arguments: { id: 'auth0|someone' } });
    assert(r.isError === true, JSON.stringify(r));
    assert(text(r).includes('needs users.delete:full'), text(r));
    assert(r.structuredContent.missing === 'users.delete:full', JSON.stringify(r.structuredContent));
  });

  await check('an unknown key cannot connect', async () => {
    let refused = false;
    try {
      await connect('gk_not-a-real-key');
    } catch (e) {
      refused = /401|invalid|not valid/i.test(String(e?.message ?? e));
    }
    assert(refused, 'the connection was not refused with 401');
  });

  await client.close();
} finally {
  await server.stop();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
