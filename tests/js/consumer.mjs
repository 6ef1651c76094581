// Scenarios that use @gatehouse/auth0 as a consumer does: imported by its
// package name. pack.test.mjs installs the packed tarball into a scratch
// project, copies this file there and runs each export against the emulator.
// The browser test runs the same scenarios in Chromium (browser/index.html).

import { ManagementClient, GatehouseError, ApiError, ValidationError, ResultWindowError } from '@gatehouse/auth0';

function assert(cond, message) {
  if (!cond) throw new Error(`assertion failed: ${message}`);
}

function equal(a, b, message) {
  const [x, y] = [JSON.stringify(a), JSON.stringify(b)];
  if (x !== y) throw new Error(`${message}: expected ${y}, got ${x}`);
}

async function rejects(promise, Class, message) {
  try {
    await promise;
  } catch (e) {
    assert(e instanceof Class, `${message}: expected ${Class.name}, got ${e?.name}: ${e?.message}`);
    return e;
  }
  throw new Error(`${message}: expected a ${Class.name}, nothing was thrown`);
}

/** A client for the emulator `env` describes ({url, clientId, clientSecret}). */
export function client(env, extra = {}) {
  return new ManagementClient({
    baseUrl: env.url,
    clientId: env.clientId,
    clientSecret: env.clientSecret,
    teamsAudience: `${env.url}/teams/`,
    pacing: false,
    ...extra,
  });
}

export async function everyNamespace(env) {
  const c = client(env);
  // users
  const users = await c.users.list();
  assert(Array.isArray(users) && users.length === 50, 'users.list gives a plain array of 50');
  const user = await c.users.create({
    connection: 'Username-Password-Authentication',
    email: `consumer-${env.tag}@example.com`,
    password: 'Sup3r-secret!',
    custom_field: { kept: true },
  });
  equal(user.custom_field, { kept: true }, 'unknown fields are kept');
  assert(Object.getPrototypeOf(user) === Object.prototype, 'results are plain objects');
  const uid = user.user_id;
  equal((await c.users.get(uid)).email, user.email, 'users.get');
  equal((await c.users.update(uid, { user_metadata: { tz: 'UTC' } })).user_metadata.tz, 'UTC', 'users.update');
  const roles = await c.roles.list({ perPage: 100 });
  const editor = roles.find((r) => r.name === 'Editor').id;
  await c.users.roles.assign(uid, [editor]);
  equal((await c.users.roles.list(uid, { includeTotals: true })).total, 1, 'users.roles.list');
  await c.users.roles.remove(uid, { roles: [editor] });
  await c.roles.assign(uid, [editor]);
  // roles
  const role = await c.roles.create({ name: `consumer-role-${env.tag}` });
  equal((await c.roles.get(role.id)).name, role.name, 'roles.get');
  await c.roles.update(role.id, { description: 'changed' });
  const three = (await c.users.list({ perPage: 3 })).map((u) => u.user_id);
  await c.roles.users.assign(role.id, three);
  equal((await c.roles.users.list(role.id, { take: 2 })).users.length, 2, 'roles.users.list checkpoint');
  await c.roles.delete(role.id);
  // clients
  const app = await c.clients.create({ name: 'Consumer App', app_type: 'spa' });
  await c.clients.get(app.client_id);
  await c.clients.update(app.client_id, { description: 'x' });
  assert((await c.clients.list({ take: 3 })).next, 'clients.list checkpoint has next');
  await c.clients.delete(app.client_id);
  // connections
  const conn = await c.connections.create({ name: `consumer-db-${env.tag}`, strategy: 'auth0' });
  await c.connections.get(conn.id);
  await c.connections.update(conn.id, { display_name: 'Consumer' });
  equal((await c.connections.list({ strategy: 'auth0', includeTotals: true })).total, 2, 'connections.list');
  // Auth0's names, as auth0 7 takes them, and the spec's list parameters as arrays.
  equal((await c.connections.list({ strategy: ['auth0'], include_totals: true })).total, 2, 'strategy as an array');
  const some = await c.connections.list({ strategy: ['auth0', 'google-oauth2'], per_page: 100 });
  assert(some.every((k) => ['auth0', 'google-oauth2'].includes(k.strategy)), 'several strategies');
  equal(Object.keys(await c.connections.get(conn.id, { fields: 'id,name', include_fields: true })).length, 2, 'get with fields');
  await c.connections.delete(conn.id);
  // organizations
  const org = await c.organizations.create({ name: `consumer-org-${env.tag}` });
  await c.organizations.get(org.id);
  await c.organizations.update(org.id, { display_name: 'Consumer Org' });
  await c.organizations.members.add(org.id, three);
  equal((await c.organizations.members.list(org.id, { includeTotals: true })).total, 3, 'members');
  await c.organizations.members.roles.list(org.id, three[0]);
  await c.organizations.members.remove(org.id, [three[0]]);
  await c.organizations.list();
  await c.organizations.delete(org.id);
  // logs, grants, APIs
  const logs = await c.logs.list({ perPage: 5 });
  await c.logs.get(logs[0].log_id);
  assert(Array.isArray(await c.logs.search({ q: 'type:sapi' })), 'logs.search');
  const grants = await c.grants.list({ includeTotals: true });
  await c.grants.delete(grants.grants[0].id);
  const api = await c.resourceServers.create({ name: 'Consumer API', identifier: `https://consumer-${env.tag}.test/api` });
  await c.resourceServers.get(api.id);
  await c.resourceServers.update(api.id, { token_lifetime: 3600 });
  await c.resourceServers.list();
  await c.resourceServers.delete(api.id);
  await c.users.delete(uid);
  // Teams
  const members = await c.teams.members.list();
  const member = members.members.find((m) => m.role !== 'teams_owner').id;
  await c.teams.members.get(member);
  await c.teams.members.invite({ email: `consumer-${env.tag}@gatehouse-team.test`, role: 'teams_contributor' });
  await c.teams.members.update(member, { role: 'teams_report_viewer' });
  const tenant = await c.teams.tenants.create({ tenant_name: `consumer-${env.tag}`, admin_email: 'alice@gatehouse-team.test', locality: 'eu' });
  await c.teams.tenants.get(tenant.tenant_id);
  await c.teams.tenants.list();
  await c.teams.tenants.members.list(tenant.tenant_id);
  await c.teams.members.tenants.add(member, { tenants: [tenant.tenant_id], roles: ['editor-users'] });
  await c.teams.members.tenants.update(member, { tenants: [tenant.tenant_id], roles: ['viewer-users'] });
  await c.teams.members.tenants.list(member, 'EU-1');
  await c.teams.members.tenants.remove(member, { tenants: [tenant.tenant_id] });
  assert((await c.teams.environments.list()).environments.includes('EU-1'), 'environments');
  equal((await c.teams.activity.list({ take: 10 })).logs.length, 10, 'activity');
  await c.teams.tenants.delete(tenant.tenant_id);
  await c.teams.members.remove(member);
  return 'ok';
}

export async function asyncIterators(env) {
  const c = client(env);
  let n = 0;
  for await (const org of c.organizations.all({ take: 5 })) {
    assert(typeof org.id === 'string', 'an organization');
    n += 1;
  }
  equal(n, (await c.organizations.list({ includeTotals: true })).total, 'every organization, by checkpoint');
  const pages = [];
  for await (const page of c.roles.pages({ perPage: 2 })) pages.push(page);
  assert(pages.length >= 2 && typeof pages[0].total === 'number', 'pages with totals');
  // Offset paging never pretends a list ends at the 1,000-result window.
  let seen = 0;
  const e = await rejects(
    (async () => {
      for await (const _ of c.users.all()) seen += 1;
    })(),
    ResultWindowError,
    'users.all over more than 1,000 users',
  );
  equal(seen, 1000, 'every reachable user came first');
  assert(e.total > 1000 && e.window === 1000, 'the window error says how many there are');
  return 'ok';
}

export async function typedErrors(env) {
  const c = client(env);
  const e = await rejects(c.users.get('auth0|000000000000000000000000'), ApiError, 'missing user');
  assert(e instanceof GatehouseError && e instanceof Error, 'ApiError is a GatehouseError and an Error');
  equal([e.statusCode, e.errorCode, e.message, e.name], [404, 'inexistent_user', 'The user does not exist.', 'ApiError'], 'ApiError fields');
  assert(typeof e.rateLimit === 'object', 'rateLimit');
  // The client's own errors cross from the wasm as a code and fields; the wrapper composes the sentence.
  const r = await rejects(c.users.list({ perPage: 500 }), ValidationError, 'perPage out of range');
  assert(/^`per_page` must be between \d+ and 100, got 500$/.test(r.message), `out of range message: ${r.message}`);
  const u = await rejects(c.users.list({ perpage: 5 }), ValidationError, 'unknown option');
  equal([u.kind, u.unknown, u.accepted.includes('per_page'), u.code], ['option', ['perpage'], true, 'option_unknown'], 'unknown option fields');
  assert(u.message.startsWith('users.list does not take `perpage`; it takes `') && u.message.includes('`per_page`'), `unknown option message: ${u.message}`);
  const o = await rejects(c.users.list({ search_engine: 'v4' }), ValidationError, 'a value outside the enum');
  equal([o.option, o.allowed], ['search_engine', ['v1', 'v2', 'v3']], 'enum option fields');
  equal(o.message, '`search_engine` must be one of `v1`, `v2`, `v3`, got `v4`', 'enum option message');
  const s = await rejects(c.users.list({ per_page: '5' }), ValidationError, 'a string for a number');
  equal([s.option, s.message], ['per_page', '`per_page` must be a whole number from 0, got `"5"`'], 'type message');
  const p = await rejects(c.users.get('..'), ValidationError, 'an id that is not one segment');
  assert(p.message.endsWith('cannot be "..": it would not name a single object'), `path message: ${p.message}`);
  const n = await rejects(c.users.roles.assign('auth0|1', []), ValidationError, 'no roles');
  equal([n.code, n.message], ['empty', `\`${n.field}\` must not be empty`], 'empty list message');
  const w = await rejects(c.users.list({ page: 20, perPage: 100 }), ResultWindowError, 'past the window');
  equal([w.page, w.perPage], [20, 100], 'window error fields');
  assert(w.message.startsWith('page 20 with per_page 100 is past the first 1,000 results Auth0 serves'), `window message: ${w.message}`);
  const bad = client(env, { clientSecret: 'wrong' });
  const t = await rejects(bad.roles.list(), ApiError, 'wrong secret');
  equal([t.statusCode, t.errorCode, t.token], [401, 'access_denied', true], 'token refusal');
  const k = await rejects(new ManagementClient({ baseUrl: env.url }).ready(), ValidationError, 'no credentials');
  assert(k.kind === 'config' && k.message.startsWith('client configuration: '), `config message: ${k.message}`);
  return 'ok';
}

export async function metricsAndRateLimit(env) {
  const c = client(env);
  await c.roles.list();
  await c.roles.list();
  const m = c.metrics();
  equal([m.requests, m.tokenRequests], [3, 1], 'one token for two calls');
  assert(typeof c.rateLimit() === 'object', 'rateLimit()');
  return 'ok';
}

export const SCENARIOS = { everyNamespace, asyncIterators, typedErrors, metricsAndRateLimit };

/**
 * A per-resource entry point (`@gatehouse/auth0/users`): only that group's
 * methods (and the deprecated names answering as them), working as the full
 * client's do, with the same error classes.
 */
export async function resourceEntry(env) {
  const entry = await import('@gatehouse/auth0/users');
  const c = new entry.ManagementClient({
    baseUrl: env.url,
    clientId: env.clientId,
    clientSecret: env.clientSecret,
    pacing: false,
  });
  assert(c.clients === undefined && c.roles?.list === undefined, 'no other resource in the users entry');
  const users = await c.users.list({ per_page: 3 });
  assert(Array.isArray(users) && users.length === 3, 'users.list through the entry');
  let n = 0;
  for await (const u of c.users.all({ per_page: 50 })) if (++n >= 120 || !u.user_id) break;
  assert(n === 120, 'users.all walks pages through the entry');
  let error;
  try {
    await c.users.get('auth0|does-not-exist');
  } catch (e) {
    error = e;
  }
  assert(error instanceof entry.ApiError && error.statusCode === 404, 'an API error through the entry is an ApiError');
  assert(error.operation === 'users.get', 'an API error names the method called');
  assert(typeof error.message === 'string' && error.message.length > 0, 'with a message');
  try {
    await c.users.list({ perpage: 5 });
    error = undefined;
  } catch (e) {
    error = e;
  }
  assert(error instanceof entry.ValidationError && error.unknown?.[0] === 'perpage', 'options checked through the entry');
  // The wasm knows operations by position; the wrapper names the operation in the error.
  assert(error.operation === 'users.list' && error.message.startsWith('users.list does not take `perpage`'), error.message);
  return 'ok';
}
