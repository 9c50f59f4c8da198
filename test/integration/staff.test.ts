import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/modules/staff/totp.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

const origin = 'http://127.0.0.1:3000';

/** A browser on the admin: keeps its cookies, posts forms from the site. */
function aBrowser(t: TestApp) {
  const jar = new Map<string, string>();
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  const remember = (response: Awaited<ReturnType<TestApp['app']['inject']>>) => {
    for (const c of response.cookies) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) jar.delete(c.name);
      else jar.set(c.name, c.value);
    }
    return response;
  };
  return {
    get: async (url: string) => remember(await t.app.inject({ url, headers: { cookie: cookie() } })),
    post: async (url: string, form: Record<string, string> = {}) =>
      remember(
        await t.app.inject({
          method: 'POST',
          url,
          headers: { cookie: cookie(), origin, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams(form).toString(),
        }),
      ),
  };
}

describe.each(dialects)('staff sign-in, two-factor, invitations and the audit log on $name', (dialect) => {
  let t: TestApp;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await buildTestApp(dialect, { env: { SMTP_URL: smtp.url } });
    await t.services.staff.create({
      email: 'owner@news.example',
      password: 'owner password long',
      role: 'owner',
      name: 'Meera',
    });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('sends a visitor of /admin to sign in, and a wrong password gets a 401 page', async () => {
    const browser = aBrowser(t);
    const home = await browser.get('/admin/staff');
    expect(home.statusCode).toBe(303);
    expect(home.headers.location).toBe('/admin/login?next=%2Fadmin%2Fstaff');
    expect((await browser.get('/admin/login')).body).toContain('name="password"');
    const wrong = await browser.post('/admin/login', {
      email: 'owner@news.example',
      password: 'not it at all',
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).toContain('do not match');
  });

  it('signs the owner in, back to the page asked for — never to another site', async () => {
    const browser = aBrowser(t);
    const signedIn = await browser.post('/admin/login', {
      email: 'Owner@News.example',
      password: 'owner password long',
      next: '/admin/staff',
    });
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe('/admin/staff');
    const cookie = signedIn.cookies.find((c) => c.name === 'mh_staff');
    expect(cookie?.httpOnly).toBe(true);
    expect(cookie?.sameSite).toBe('Strict');
    expect((await browser.get('/admin/staff')).body).toContain('owner@news.example');
    const elsewhere = await aBrowser(t).post('/admin/login', {
      email: 'owner@news.example',
      password: 'owner password long',
      next: '//evil.example/admin',
    });
    expect(elsewhere.headers.location).toBe('/admin');
  });

  it('turns on TOTP: the next sign-in needs a code, each code works once, a recovery code works once', async () => {
    const browser = aBrowser(t);
    await browser.post('/admin/login', { email: 'owner@news.example', password: 'owner password long' });
    const begun = await browser.post('/admin/account/two-factor/begin');
    const secret = /Key: <code>([A-Z2-7]+)<\/code>/.exec(begun.body)?.[1];
    expect(secret).toBeDefined();
    expect(begun.body).toContain('<svg');
    const now = t.clock.now().getTime();
    expect((await browser.post('/admin/account/two-factor/confirm', { code: '000000' })).statusCode).toBe(
      422,
    );
    const confirmed = await browser.post('/admin/account/two-factor/confirm', {
      code: totpCode(secret!, now),
    });
    expect(confirmed.statusCode).toBe(200);
    const codes = [...confirmed.body.matchAll(/<li>([0-9a-f]{5}(?:-[0-9a-f]{5}){3})<\/li>/g)].map(
      (m) => m[1]!,
    );
    expect(codes).toHaveLength(10);

    // The password alone no longer signs in.
    const second = aBrowser(t);
    const halfway = await second.post('/admin/login', {
      email: 'owner@news.example',
      password: 'owner password long',
    });
    expect(halfway.body).toContain('Two-factor sign-in');
    expect((await second.get('/admin/staff')).statusCode).toBe(303);
    // The code used to confirm is spent; the next step's code works.
    expect(
      (await second.post('/admin/login/second-factor', { code: totpCode(secret!, now) })).statusCode,
    ).toBe(401);
    t.clock.set(new Date(now + 30_000));
    expect(
      (await second.post('/admin/login/second-factor', { code: totpCode(secret!, now + 30_000) })).statusCode,
    ).toBe(303);
    expect((await second.get('/admin/staff')).statusCode).toBe(200);

    const third = aBrowser(t);
    await third.post('/admin/login', { email: 'owner@news.example', password: 'owner password long' });
    expect(
      (await third.post('/admin/login/second-factor', { code: codes[0]!.toUpperCase() })).statusCode,
    ).toBe(303);
    const fourth = aBrowser(t);
    await fourth.post('/admin/login', { email: 'owner@news.example', password: 'owner password long' });
    expect((await fourth.post('/admin/login/second-factor', { code: codes[0]! })).statusCode).toBe(401);
  });

  it('invites an editor by mail; the link makes one member once; the editor may not see the staff page', async () => {
    const invited = await t.app.inject({
      method: 'POST',
      url: '/api/admin/v1/staff/invitations',
      headers: t.admin,
      payload: { email: 'editor@news.example', role: 'editor' },
    });
    expect(invited.statusCode).toBe(201);
    const [mail] = smtp.mailTo('editor@news.example');
    const link = /\/admin\/invitations\/([A-Za-z0-9_-]+)/.exec(mail!.text ?? '')?.[1];
    expect(link).toBeDefined();
    const browser = aBrowser(t);
    expect((await browser.get(`/admin/invitations/${link}`)).body).toContain('editor');
    expect(
      (await browser.post(`/admin/invitations/${link}`, { name: 'Ravi', password: 'short' })).statusCode,
    ).toBe(422);
    const joined = await browser.post(`/admin/invitations/${link}`, {
      name: 'Ravi',
      password: 'editor password long',
    });
    expect(joined.statusCode).toBe(303);
    expect((await browser.get('/admin')).body).toContain('editor');
    expect((await browser.get('/admin/staff')).statusCode).toBe(403);
    expect(
      (
        await aBrowser(t).post(`/admin/invitations/${link}`, {
          name: 'Again',
          password: 'editor password long',
        })
      ).statusCode,
    ).toBe(410);
    const staff = (await t.app.inject({ url: '/api/admin/v1/staff', headers: t.admin })).json() as {
      staff: { email: string; role: string }[];
    };
    expect(staff.staff.map((m) => [m.email, m.role])).toEqual([
      ['owner@news.example', 'owner'],
      ['editor@news.example', 'editor'],
    ]);
  });

  it('never removes or demotes the last owner', async () => {
    const [owner] = await t.services.staff.list();
    const demoted = await t.app.inject({
      method: 'PATCH',
      url: `/api/admin/v1/staff/${owner!.id}`,
      headers: t.admin,
      payload: { role: 'support' },
    });
    expect(demoted.statusCode).toBe(409);
    const removed = await t.app.inject({
      method: 'DELETE',
      url: `/api/admin/v1/staff/${owner!.id}`,
      headers: t.admin,
    });
    expect(removed.statusCode).toBe(409);
  });

  it('writes every admin change to the audit log — who, what, before and after — with secrets withheld', async () => {
    const changed = await t.app.inject({
      method: 'PATCH',
      url: '/api/admin/v1/settings',
      headers: t.admin,
      payload: { meter: { freeLimit: 4 } },
    });
    expect(changed.statusCode).toBe(200);
    const log = (
      await t.app.inject({ url: '/api/admin/v1/audit-log?action=settings.', headers: t.admin })
    ).json() as {
      entries: {
        actor: string;
        action: string;
        target: string;
        before: { meter: { freeLimit: number } };
        after: { meter: { freeLimit: number } };
      }[];
    };
    expect(log.entries[0]).toMatchObject({
      actor: 'API key "tests"',
      action: 'settings.update',
      target: 'meter',
    });
    expect(log.entries[0]!.before.meter.freeLimit).not.toBe(4);
    expect(log.entries[0]!.after.meter.freeLimit).toBe(4);

    const all = (await t.app.inject({ url: '/api/admin/v1/audit-log', headers: t.admin })).json() as {
      entries: { actor: string; action: string; after: unknown }[];
    };
    const actions = all.entries.map((e) => `${e.actor} ${e.action}`);
    expect(actions).toContain('owner@news.example staff.sign-in');
    expect(actions).toContain('owner@news.example staff.two-factor.on');
    expect(actions).toContain('editor@news.example staff.join');
    expect(actions).toContain('API key "tests" staff.invite');
    expect(JSON.stringify(all.entries)).not.toContain('editor password long');
    // Filtering by who, and the owner's page of it.
    const byEditor = (
      await t.app.inject({ url: '/api/admin/v1/audit-log?actor=editor@', headers: t.admin })
    ).json() as { entries: unknown[] };
    expect(byEditor.entries.length).toBeGreaterThan(0);
    expect(byEditor.entries.length).toBeLessThan(all.entries.length);
    // A wildcard in the filter is a character to match, not "anything".
    for (const wildcard of ['%', '_', 'editor_news']) {
      const matched = (
        await t.app.inject({
          url: `/api/admin/v1/audit-log?actor=${encodeURIComponent(wildcard)}`,
          headers: t.admin,
        })
      ).json() as { entries: unknown[] };
      expect(matched.entries).toEqual([]);
    }
    expect(
      (await t.app.inject({ url: '/api/admin/v1/audit-log?from=yesterday', headers: t.admin })).statusCode,
    ).toBe(422);
  });

  it('writes no entry for a preview: a POST that changes nothing', async () => {
    const before = (await t.app.inject({ url: '/api/admin/v1/audit-log', headers: t.admin })).json() as {
      entries: unknown[];
    };
    const previewed = await t.app.inject({
      method: 'POST',
      url: '/api/admin/v1/previews/paywall',
      headers: t.admin,
      payload: {
        template: 'Your {{ free_limit }} are used up.',
        premiumTemplate: 'Subscribe.',
        benefitTemplate: 'Subscribe.',
        bannerTemplate: 'Read on.',
        freeLimit: 3,
      },
    });
    expect(previewed.statusCode, previewed.body).toBe(200);
    const after = (await t.app.inject({ url: '/api/admin/v1/audit-log', headers: t.admin })).json() as {
      entries: unknown[];
    };
    expect(after.entries).toEqual(before.entries);
  });

  it('rate-limits sign-in by account', async () => {
    const browser = aBrowser(t);
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++)
      statuses.push(
        (await browser.post('/admin/login', { email: 'target@news.example', password: `guess ${i}` }))
          .statusCode,
      );
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    expect(statuses.at(-1)).toBe(429);
  });
});
