import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminRoutesOf, roleMayUse, staffRoles, type StaffRole } from '../../src/modules/staff/index.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

// Generated from the route table: every admin route the app registers is called with no
// credentials, a reader's session, a revoked key, and a key of each role it does not allow. A
// route added tomorrow is in this test without anyone touching it (and an admin route that
// declares no access does not even register).

const publicOrigin = 'http://127.0.0.1:3000';
const concrete = (url: string) =>
  url
    .replace(/:id\b/g, 'x_00000000000000000000')
    .replace(/:slug\b/g, 'nope')
    .replace(/:token\b/g, 'a'.repeat(43))
    .replace(/:(\w+)/g, 'x');

describe.each(dialects)('admin authorisation on $name', (dialect) => {
  let t: TestApp;
  const keys = new Map<StaffRole, string>();
  let revoked: string;
  let readerCookie: string;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    for (const role of staffRoles)
      keys.set(role, (await t.services.apiKeys.create(`as ${role}`, 'admin', role)).key);
    const spent = await t.services.apiKeys.create('spent', 'admin', 'owner');
    await t.services.apiKeys.revoke(spent.id);
    revoked = spent.key;
    const registered = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/register',
      payload: { email: 'reader@example.com', password: 'a long reader password' },
    });
    expect(registered.statusCode).toBe(201);
    readerCookie = registered.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  });
  afterAll(() => t.close());

  it('knows the admin routes, each with a declared access', () => {
    const routes = adminRoutesOf(t.app);
    expect(routes.length).toBeGreaterThan(60);
    expect(routes.some((r) => r.url === '/api/admin/v1/audit-log')).toBe(true);
    expect(routes.some((r) => r.url === '/admin/login' && r.access === 'public')).toBe(true);
  });

  it('refuses every non-public admin route without a principal, to a reader, to a revoked key and to the wrong role', async () => {
    const routes = adminRoutesOf(t.app).filter((r) => r.access !== 'public');
    let checked = 0;
    for (const route of routes) {
      const url = concrete(route.url);
      const method = route.method as 'GET';
      const page = route.url.startsWith('/admin') && method === 'GET';
      const call = (headers: Record<string, string>) =>
        t.app.inject({
          method,
          url,
          headers: { origin: publicOrigin, ...headers },
          ...(method !== 'GET' && method !== 'DELETE' && { payload: {} }),
        });
      const refusedWithout = (status: number) =>
        page
          ? expect([303], `${method} ${route.url}`).toContain(status)
          : expect(status, `${method} ${route.url}`).toBe(401);

      refusedWithout((await call({})).statusCode);
      refusedWithout((await call({ cookie: readerCookie })).statusCode);
      refusedWithout((await call({ authorization: `Bearer ${revoked}` })).statusCode);
      for (const role of staffRoles) {
        if (roleMayUse(role, route.access)) continue;
        const response = await call({ authorization: `Bearer ${keys.get(role)}` });
        expect(response.statusCode, `${method} ${route.url} as ${role}`).toBe(403);
      }
      checked++;
    }
    expect(checked).toBe(routes.length);
  });

  it('lets each allowed role past the guard (the answer is the route’s own, never 401 or 403)', async () => {
    for (const route of adminRoutesOf(t.app).filter((r) => Array.isArray(r.access))) {
      for (const role of staffRoles.filter((r) => roleMayUse(r, route.access))) {
        const response = await t.app.inject({
          method: route.method as 'GET',
          url: concrete(route.url),
          headers: { authorization: `Bearer ${keys.get(role)}` },
          ...(route.method !== 'GET' && route.method !== 'DELETE' && { payload: {} }),
        });
        expect(
          [401, 403],
          `${route.method} ${route.url} as ${role}: ${response.body.slice(0, 200)}`,
        ).not.toContain(response.statusCode);
      }
    }
  });
});
