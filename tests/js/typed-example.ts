// Type-checked (tsc --noEmit) against the installed package by pack.test.mjs:
// the generated declarations must type every call below, results included.

import {
  ManagementClient,
  ApiError,
  ResultWindowError,
  type User,
  type Role,
  type Client,
  type Connection,
  type Organization,
  type LogEvent,
  type Teams,
  type UsersListOptions,
  type ConnectionsListOptions,
  type OffsetPage,
  type UserPermission,
  type ClientGrant,
  type GetBruteForceSettings,
} from '@gatehouse/auth0';

const client = new ManagementClient({ domain: 'acme.eu.auth0.com', clientId: 'id', clientSecret: 'secret' });

export async function example(): Promise<void> {
  const users: User[] = await client.users.list({ q: 'email:"*@acme.com"', perPage: 50 });
  const page: OffsetPage<'users', User> = await client.users.list({ includeTotals: true });
  const total: number = page.total;
  const first: User | undefined = page.users[0];
  const email: string | null | undefined = first?.email;
  const user: User = await client.users.get('auth0|123');
  const created: User = await client.users.create({ connection: 'Username-Password-Authentication', email: 'a@b.c' });
  await client.users.update(user.user_id ?? '', { blocked: true });
  await client.users.delete('auth0|123');
  await client.users.roles.assign('auth0|123', ['rol_1']);
  await client.roles.assign('auth0|123', ['rol_1']);
  const roles: Role[] = await client.roles.list({ nameFilter: 'admin' });
  const role: Role = await client.roles.create({ name: 'admin' });
  const apps: Client[] = await client.clients.list();
  const conns = await client.connections.list({ take: 10 });
  const next: string | undefined = conns.next;
  const conn: Connection = await client.connections.get('con_1');
  const orgs: Organization[] = await client.organizations.list();
  await client.organizations.members.add('org_1', ['auth0|1']);
  const events: LogEvent[] = await client.logs.search({ q: 'type:f' });
  const event: LogEvent = await client.logs.get('90020');
  const members = await client.teams.members.list({ take: 10 });
  const member: Teams.TeamMember | undefined = members.members[0];
  const tenants = await client.teams.tenants.list();
  const activity = await client.teams.activity.list({ since: '2026-01-01T00:00:00Z' });
  const options: UsersListOptions = { q: 'x', searchEngine: 'v3', includeFields: true };
  // Auth0's names, as auth0 7 takes them; enums and list parameters typed from the spec.
  const sameUsers: User[] = await client.users.list({ per_page: 50, search_engine: 'v3', primary_order: false });
  const withTotals: OffsetPage<'users', User> = await client.users.list({ include_totals: true, per_page: 10 });
  const strategies: ConnectionsListOptions = { strategy: ['auth0', 'samlp'], include_totals: false };
  const someConns: Connection[] = await client.connections.list(strategies);
  const slim: Connection = await client.connections.get('con_1', { fields: 'id,name', include_fields: true });
  // Every operation of both specs, at auth0's names: path ids, options, bodies and results typed.
  const perms: UserPermission[] = await client.users.permissions.list('auth0|1', { per_page: 50 });
  const permPage = await client.users.permissions.list('auth0|1', { include_totals: true });
  const permTotal: number = permPage.total;
  const grant: ClientGrant = await client.clientGrants.create({ client_id: 'c', audience: 'https://api/' });
  const bfp: GetBruteForceSettings = await client.attackProtection.bruteForceProtection.get();
  for await (const m of client.teams.tenants.members.list.all('ten_1')) {
    const tenantMember: Teams.TenantMember = m;
    void tenantMember;
  }
  for await (const g of client.clientGrants.all({ audience: 'https://api/' })) void g.id;
  // @ts-expect-error: users.permissions.list takes the user id
  await client.users.permissions.list();
  // @ts-expect-error: not an option of clientGrants.list
  await client.clientGrants.list({ colour: 'blue' });
  void [perms, permTotal, grant, bfp];
  // @ts-expect-error: not one of the spec's search engines
  await client.users.list({ search_engine: 'v4' });
  // @ts-expect-error: no such option
  await client.users.list({ perpage: 5 });
  void [sameUsers, withTotals, someConns, slim];

  for await (const u of client.users.all(options)) {
    const id: string | null | undefined = u.user_id;
    // Unknown fields are there too.
    const extra: unknown = u['custom_field'];
    void id;
    void extra;
  }
  for await (const p of client.organizations.pages({ take: 50 })) {
    const items: Organization[] = p.items;
    void items;
  }

  // The users import takes its file as a Blob, bytes, text or the users themselves.
  const file = new Blob(['[{"email":"ana@acme.test"}]'], { type: 'application/json' });
  const job = await client.jobs.usersImports.create({ users: file, connection_id: 'con_0000000000000001', upsert: true });
  await client.jobs.usersImports.create({ users: [{ email: 'ana@acme.test' }], connection_id: 'con_0000000000000001' });
  const jobId: string | null | undefined = job.id;
  void jobId;
  // Lists answered as arrays have typed items.
  for await (const stream of client.logStreams.all()) {
    const streamId: string | null | undefined = stream.id;
    void streamId;
  }

  try {
    await client.users.get('nobody');
  } catch (e) {
    if (e instanceof ApiError) {
      const status: number = e.statusCode;
      const code: string | undefined = e.errorCode;
      const remaining = e.rateLimit.remaining;
      void [status, code, remaining];
    } else if (e instanceof ResultWindowError) {
      const window: number = e.window;
      void window;
    }
  }

  void [users, total, email, created, roles, role, apps, conn, orgs, events, event, member, tenants, activity];
}
