import type { LightMyRequestResponse } from 'fastify';
import { expect } from 'vitest';
import type { StaffRole } from '../../src/kernel/staff-access.js';
import type { TestApp } from './build-app.js';

const origin = 'http://127.0.0.1:3000';

/** A browser on the admin: keeps its cookies, posts forms from the site. */
export function aStaffBrowser(t: TestApp) {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (response: LightMyRequestResponse) => {
    for (const c of response.cookies) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) jar.delete(c.name);
      else jar.set(c.name, c.value);
    }
    return response;
  };
  return {
    get: async (url: string) => remember(await t.app.inject({ url, headers: { cookie: cookie() } })),
    /** Posts `form` as a browser does (repeated fields as arrays of values), from the site or `from`. */
    post: async (url: string, form: Record<string, string | readonly string[]> = {}, from = origin) => {
      const body = new URLSearchParams();
      for (const [name, value] of Object.entries(form))
        for (const one of [value].flat()) body.append(name, one);
      return remember(
        await t.app.inject({
          method: 'POST',
          url,
          headers: { cookie: cookie(), origin: from, 'content-type': 'application/x-www-form-urlencoded' },
          payload: body.toString(),
        }),
      );
    },
    /** Posts a `multipart/form-data` body (see `multipart` in ./epaper.ts) as a form with a file input does. */
    postMultipart: async (url: string, body: { payload: Buffer; headers: Record<string, string> }) =>
      remember(
        await t.app.inject({
          method: 'POST',
          url,
          headers: { cookie: cookie(), origin, ...body.headers },
          payload: body.payload,
        }),
      ),
  };
}
export type StaffBrowser = ReturnType<typeof aStaffBrowser>;

let members = 0;

/** A new staff member of `role`, signed in on a browser of their own. */
export async function signedInStaff(t: TestApp, role: StaffRole): Promise<StaffBrowser> {
  members++;
  const email = `${role}${members}@news.example`;
  const password = `a long password for ${role}`;
  await t.services.staff.create({ email, password, role, name: `${role} ${members}` });
  const browser = aStaffBrowser(t);
  const signedIn = await browser.post('/admin/login', { email, password });
  expect(signedIn.statusCode, signedIn.body.slice(0, 300)).toBe(303);
  return browser;
}
