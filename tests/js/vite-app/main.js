// A page built by Vite with @gatehouse/auth0 as a dependency (vite.test.mjs):
// the wasm must come along as an emitted asset and load from it.
import { ManagementClient, ApiError } from '@gatehouse/auth0';

const q = new URLSearchParams(location.search);
const client = new ManagementClient({
  baseUrl: location.origin,
  clientId: q.get('clientId'),
  clientSecret: q.get('clientSecret'),
  pacing: false,
});

window.result = (async () => {
  const users = await client.users.list({ perPage: 3 });
  let notFound = false;
  try {
    await client.users.get('auth0|000000000000000000000000');
  } catch (e) {
    notFound = e instanceof ApiError && e.statusCode === 404;
  }
  let orgs = 0;
  for await (const _ of client.organizations.all({ take: 5 })) orgs += 1;
  return { users: users.length, notFound, orgs };
})().catch((e) => ({ error: `${e?.name}: ${e?.message}` }));
