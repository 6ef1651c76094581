// The BFF's MCP endpoint through the official MCP TypeScript SDK's client
// (`@modelcontextprotocol/sdk`, streamable HTTP), against `gatehouse serve`
// in demo mode with API keys created by `--create-api-key`: the tools a
// read-only key sees, a read, a denied write, a refused key; and a key that
// may delete users only with approval: one call approved, one denied, one
// timed out (decided with `POST /approvals/{id}` by another key), with the
// audit entries of the calls and the decisions.
// Ends with `N passed, M failed` (exit 1 on any failure).
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { appendFileSync } from 'node:fs';
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

/** How long a call waits for approval in this run, in seconds. */
const APPROVAL_TIMEOUT = 5;

let reader;
let approving;
let approver;
const server = await startServer({
  withConsole: false,
  before: (serve, { config }) => {
    reader = createKey(serve, 'agent-reader', 'users=read,logs=read');
    approving = createKey(serve, 'agent-approving', 'users=read,users.delete=approve');
    approver = createKey(serve, 'approver', 'users=full,approvals=full,audit=read');
    appendFileSync(config, `\n[approvals]\ntimeout_secs = ${APPROVAL_TIMEOUT}\n`);
  },
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

  await check('gatehouse_events_next hears of a write through the BFF without polling', async () => {
    const start = await client.callTool({ name: 'gatehouse_events_next', arguments: { wait_secs: 0 } });
    assert(!start.isError, text(start));
    const after = start.structuredContent.next_after;
    // A user holding no policy role (changing an admin needs what its role grants).
    const { user_id: id } = (await client.callTool({ name: 'users_list', arguments: { per_page: 20 } })).structuredContent.result
      .find((u) => !u.email?.endsWith('@demo.test'));
    const waiting = client.callTool({ name: 'gatehouse_events_next', arguments: { after, wait_secs: 20 } });
    waiting.catch(() => {});
    const write = await fetch(new URL(`/api/v2/users/${encodeURIComponent(id)}`, url), {
      method: 'PATCH',
      headers: { Authorization: `Bearer ${approver}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ app_metadata: { heard_by_agent: true } }),
    });
    const r = await waiting;
    assert(write.status === 200, `the write: ${write.status}`);
    assert(!r.isError, text(r));
    const heard = r.structuredContent.events.map((e) => e.event);
    assert(heard.some((e) => e.type === 'sapi' && e.user_id === id), JSON.stringify(heard).slice(0, 500));
    assert(r.structuredContent.next_after > after, JSON.stringify(r.structuredContent));
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

  const agent = await connect(approving);
  /** A JSON request to the BFF with the approver's key. */
  const asApprover = async (method, path, body) => {
    const r = await fetch(new URL(path, url), {
      method,
      headers: { Authorization: `Bearer ${approver}`, 'Content-Type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: r.status, json: await r.json() };
  };
  /** The agent's pending approval request, once it shows in GET /approvals. */
  const pendingRequest = async () => {
    for (let i = 0; i < 200; i += 1) {
      const { status, json } = await asApprover('GET', '/approvals');
      assert(status === 200, JSON.stringify(json));
      const mine = json.approvals.find((a) => a.principal === 'agent-approving');
      if (mine) return mine;
      await new Promise((ok) => setTimeout(ok, 25));
    }
    throw new Error('no pending approval request');
  };
  const users = (await agent.callTool({ name: 'users_list', arguments: { per_page: 20 } })).structuredContent.result
    .filter((u) => !u.email?.endsWith('@demo.test'))
    .map((u) => u.user_id);
  const exists = async (id) => {
    const r = await agent.callTool({ name: 'users_get', arguments: { id } });
    return !r.isError;
  };
  const ids = {};

  await check('a tool needing approval is listed and says so', async () => {
    const { tools } = await agent.listTools();
    const del = tools.find((t) => t.name === 'users_delete');
    assert(del, 'users_delete is not listed');
    assert(/approval/i.test(del.description), del.description);
    assert(!tools.some((t) => t.name === 'users_update'), 'users_update is listed');
  });

  await check('an approved call runs', async () => {
    const call = agent.callTool({ name: 'users_delete', arguments: { id: users[0] } });
    const pending = await pendingRequest();
    ids.approved = pending.id;
    assert(pending.via === 'mcp' && pending.operation === 'users.delete', JSON.stringify(pending));
    assert(pending.sentence.startsWith('agent-approving asks to delete user'), pending.sentence);
    const d = await asApprover('POST', `/approvals/${pending.id}`, { decision: 'approve', reason: 'ticket 7' });
    assert(d.status === 200 && d.json.status === 'approved' && d.json.decidedBy === 'approver', JSON.stringify(d));
    const r = await call;
    assert(!r.isError, text(r));
    assert(!(await exists(users[0])), 'the user still exists');
  });

  await check('a denied call is a tool error naming the approval', async () => {
    const call = agent.callTool({ name: 'users_delete', arguments: { id: users[1] } });
    const pending = await pendingRequest();
    ids.denied = pending.id;
    const d = await asApprover('POST', `/approvals/${pending.id}`, { decision: 'deny', reason: 'not this one' });
    assert(d.status === 200 && d.json.status === 'denied', JSON.stringify(d));
    const r = await call;
    assert(r.isError === true, JSON.stringify(r));
    assert(text(r).includes('gatehouse_approval_denied') && text(r).includes(pending.id), text(r));
    assert(r.structuredContent.approval === pending.id && r.structuredContent.reason === 'not this one',
      JSON.stringify(r.structuredContent));
    assert(await exists(users[1]), 'the user was deleted');
  });

  await check('a call no one decides times out', async () => {
    const started = Date.now();
    const call = agent.callTool({ name: 'users_delete', arguments: { id: users[2] } });
    const pending = await pendingRequest();
    ids.expired = pending.id;
    const r = await call;
    assert(Date.now() - started >= (APPROVAL_TIMEOUT - 1) * 1000, 'it did not wait');
    assert(r.isError === true && text(r).includes('gatehouse_approval_timeout') && text(r).includes(pending.id), text(r));
    const { json } = await asApprover('GET', `/approvals/${pending.id}`);
    assert(json.status === 'expired', JSON.stringify(json));
    const late = await asApprover('POST', `/approvals/${pending.id}`, { decision: 'approve' });
    assert(late.status === 409 && late.json.errorCode === 'gatehouse_approval_closed', JSON.stringify(late));
    assert(await exists(users[2]), 'the user was deleted');
  });

  await check('the audit log links each call and decision to its approval', async () => {
    for (const [outcome, id] of Object.entries(ids)) {
      const { status, json } = await asApprover('GET', `/audit?approval=${id}`);
      assert(status === 200, JSON.stringify(json));
      const call = json.entries.find((e) => e.principal === 'agent-approving');
      assert(call && call.via === 'mcp' && call.approval === id, `${outcome}: ${JSON.stringify(json.entries)}`);
      const decision = json.entries.find((e) => e.principal === 'approver');
      if (outcome === 'expired') {
        assert(!decision || decision.status === 409, `${outcome}: ${JSON.stringify(decision)}`);
        assert(call.status === 403 && /no one approved/.test(call.sentence), call.sentence);
      } else {
        assert(decision && decision.via === 'api' && decision.sentence.startsWith(
          `approver ${outcome} agent-approving's request to delete user`), JSON.stringify(decision));
        const { json: a } = await asApprover('GET', `/approvals/${id}`);
        assert(a.auditId === call.id, `${outcome}: the request does not link to the call's entry`);
      }
    }
  });

  await agent.close();
} finally {
  await server.stop();
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
