import type { LightMyRequestResponse } from 'fastify';
import { aBrowser } from '../support/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

const password = 'correct horse battery staple';

describe.each(dialects)('reader accounts on $name', (dialect) => {
  let t: TestApp;
  const metered: string[] = [];

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    for (let i = 0; i < 12; i++)
      metered.push((await t.services.content.create(anArticle({ access: 'metered' }))).slug);
  });
  afterAll(() => t.close());

  const newBrowser = (userAgent?: string) => aBrowser(t.app, { ...(userAgent && { userAgent }) });

  let counter = 0;
  const anEmail = () => `reader${++counter}-${dialect.name}@example.com`;
  const paywalled = (r: LightMyRequestResponse) => r.body.includes('id="paywall"');

  it('registers, signs in with a cookie, knows the reader, and signs out on the server', async () => {
    const browser = newBrowser();
    const email = anEmail();
    const registered = await browser.send('POST', '/api/v1/auth/register', {
      email: email.toUpperCase(),
      password,
      name: 'Asha',
    });
    expect(registered.statusCode).toBe(201);
    expect(registered.json().account).toMatchObject({ email, name: 'Asha', emailVerified: false });
    const cookie = registered.cookies.find((c) => c.name === 'mh_session');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
    expect((await browser.get('/api/v1/me')).json()).toMatchObject({
      reader: { email, name: 'Asha' },
      entitlements: [],
    });
    // The cookie is signed: its token without the signature opens nothing.
    const token = decodeURIComponent(browser.jar.get('mh_session')!).replace(/\.[^.]+$/, '');
    expect(
      (await t.app.inject({ url: '/api/v1/me', headers: { cookie: `mh_session=${token}` } })).statusCode,
    ).toBe(401);
    const stolen = browser.jar.get('mh_session')!;
    expect((await browser.send('POST', '/api/v1/auth/logout')).statusCode).toBe(204);
    expect((await browser.get('/api/v1/me')).statusCode).toBe(401);
    // The old cookie is dead on the server, not just forgotten by the browser.
    const replay = await t.app.inject({ url: '/api/v1/me', headers: { cookie: `mh_session=${stolen}` } });
    expect(replay.statusCode).toBe(401);
  });

  it('refuses a second account for one email, a weak password, and bad input', async () => {
    const email = anEmail();
    expect((await newBrowser().send('POST', '/api/v1/auth/register', { email, password })).statusCode).toBe(
      201,
    );
    expect((await newBrowser().send('POST', '/api/v1/auth/register', { email, password })).statusCode).toBe(
      409,
    );
    const weak = await newBrowser().send('POST', '/api/v1/auth/register', {
      email: anEmail(),
      password: 'password',
    });
    expect(weak.statusCode).toBe(422);
    expect(weak.json().error.message).toMatch(/^password: This is one of the most commonly used passwords/);
    expect(
      (await newBrowser().send('POST', '/api/v1/auth/register', { email: 'not-an-email', password }))
        .statusCode,
    ).toBe(422);
  });

  it('refuses a name that is not one line: it would add lines to the mail and invoices it is printed in', async () => {
    for (const name of ['Asha\nGSTIN: 29ABCDE1234F1Z5', 'Asha\u2028Rao', 'Asha \u202Eoar']) {
      const refused = await newBrowser().send('POST', '/api/v1/auth/register', {
        email: anEmail(),
        password,
        name,
      });
      expect(refused.statusCode).toBe(422);
      expect(refused.json().error.message).toMatch(/^body.name: must be one line/);
    }
    const kept = await newBrowser().send('POST', '/api/v1/auth/register', {
      email: anEmail(),
      password,
      name: '  आशा राव ',
    });
    expect(kept.statusCode).toBe(201);
    expect(kept.json().account.name).toBe('आशा राव');
  });

  it('answers a wrong password and an unknown email alike', async () => {
    const email = anEmail();
    await newBrowser().send('POST', '/api/v1/auth/register', { email, password });
    const wrong = await newBrowser().send('POST', '/api/v1/auth/login', {
      email,
      password: 'not the password at all',
    });
    const unknown = await newBrowser().send('POST', '/api/v1/auth/login', { email: anEmail(), password });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    const right = await newBrowser().send('POST', '/api/v1/auth/login', { email, password });
    expect(right.statusCode).toBe(200);
  });

  it('gives an app rotating tokens, and ends the chain when a refresh token is reused', async () => {
    const email = anEmail();
    await newBrowser().send('POST', '/api/v1/auth/register', { email, password });
    const login = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password, client: 'app' },
    });
    expect(login.statusCode).toBe(200);
    const first = login.json();
    expect(first).toMatchObject({ tokenType: 'Bearer', expiresIn: 900 });
    expect(login.cookies.find((c) => c.name === 'mh_session')).toBeUndefined();
    const me = (token: string) =>
      t.app.inject({ url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
    expect((await me(first.accessToken)).json().reader.email).toBe(email);

    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: first.refreshToken },
    });
    expect(refreshed.statusCode).toBe(200);
    const second = refreshed.json();
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect((await me(first.accessToken)).statusCode).toBe(401); // the old access token rotated out
    expect((await me(second.accessToken)).statusCode).toBe(200);

    // The first refresh token again: someone copied it. The whole session ends.
    const reuse = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: first.refreshToken },
    });
    expect(reuse.statusCode).toBe(401);
    const after = await me(second.accessToken);
    expect(after.statusCode).toBe(401);
    expect(after.json().error.message).toMatch(/used from two places/);
    const third = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: second.refreshToken },
    });
    expect(third.statusCode).toBe(401);
  });

  it('lists devices, signs one out, and keeps to the device limit by ending the least recently used', async () => {
    const email = anEmail();
    await t.app.inject({
      method: 'PATCH',
      url: '/api/admin/v1/settings',
      headers: t.admin,
      payload: { accounts: { deviceLimit: 2 } },
    });
    try {
      const laptop = newBrowser('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605.1.15');
      await laptop.send('POST', '/api/v1/auth/register', { email, password });
      t.clock.set('2026-11-15T06:10:00.000Z');
      const phone = newBrowser('Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile');
      await phone.send('POST', '/api/v1/auth/login', { email, password });
      const sessions = (await phone.get('/api/v1/sessions')).json().sessions;
      expect(sessions.map((s: { device: string; current: boolean }) => [s.device, s.current])).toEqual([
        ['Chrome on Android', true],
        ['Safari on macOS', false],
      ]);

      t.clock.set('2026-11-15T06:20:00.000Z');
      await phone.get('/api/v1/me'); // the phone is the more recently seen
      const tablet = newBrowser('Mozilla/5.0 (iPad; CPU OS 17_0 like Mac OS X) Safari/605.1.15');
      await tablet.send('POST', '/api/v1/auth/login', { email, password });
      const laptopMe = await laptop.get('/api/v1/me');
      expect(laptopMe.statusCode).toBe(401);
      expect(laptopMe.json().error.message).toMatch(/signed in on another device.*2 at a time/);
      expect((await phone.get('/api/v1/me')).statusCode).toBe(200);

      const phoneId = (await tablet.get('/api/v1/sessions'))
        .json()
        .sessions.find((s: { current: boolean }) => !s.current).id;
      expect((await tablet.send('DELETE', `/api/v1/sessions/${phoneId}`)).statusCode).toBe(204);
      expect((await phone.get('/api/v1/me')).json().error.message).toMatch(/from another of your devices/);
      expect((await tablet.send('DELETE', `/api/v1/sessions/${phoneId}`)).statusCode).toBe(404);
    } finally {
      t.clock.set('2026-11-15T06:00:00.000Z');
      await t.app.inject({
        method: 'PATCH',
        url: '/api/admin/v1/settings',
        headers: t.admin,
        payload: { accounts: { deviceLimit: 5 } },
      });
    }
  });

  it('signs out every other device at once', async () => {
    const email = anEmail();
    const main = newBrowser();
    await main.send('POST', '/api/v1/auth/register', { email, password });
    const others = [newBrowser(), newBrowser()];
    for (const other of others) await other.send('POST', '/api/v1/auth/login', { email, password });
    expect((await main.send('DELETE', '/api/v1/sessions')).json()).toEqual({ ended: 2 });
    for (const other of others) expect((await other.get('/api/v1/me')).statusCode).toBe(401);
    expect((await main.get('/api/v1/me')).statusCode).toBe(200);
  });

  it('meters a signed-in reader by account: anonymous reads carry over, and no device gets a fresh allowance', async () => {
    const email = anEmail();
    const browser = newBrowser();
    for (let i = 0; i < 3; i++) await browser.get(`/article/${metered[i]}`);
    await browser.send('POST', '/api/v1/auth/register', { email, password });
    expect((await browser.get('/api/v1/meter')).json().meter).toMatchObject({ used: 3, remaining: 2 });
    await browser.get(`/article/${metered[3]}`);
    await browser.get(`/article/${metered[4]}`);
    expect(paywalled(await browser.get(`/article/${metered[5]}`))).toBe(true);

    // A second device, fresh cookies: signing in does not bring a new allowance.
    const phone = newBrowser();
    expect(paywalled(await phone.get(`/article/${metered[6]}`))).toBe(false); // anonymous, its own meter
    await phone.send('POST', '/api/v1/auth/login', { email, password });
    expect((await phone.get('/api/v1/meter')).json().meter.used).toBe(6);
    expect(paywalled(await phone.get(`/article/${metered[7]}`))).toBe(true);
    expect(paywalled(await phone.get(`/article/${metered[6]}`))).toBe(false); // a reread stays free

    // Signing out leaves the device with the account's reads, not a fresh allowance.
    await browser.send('POST', '/api/v1/auth/logout');
    expect((await browser.get('/api/v1/meter')).json().meter.used).toBeGreaterThanOrEqual(5);
    expect(paywalled(await browser.get(`/article/${metered[8]}`))).toBe(true);
  });

  it('stops guessing at one account after ten attempts, saying when to try again', async () => {
    const email = anEmail();
    await newBrowser().send('POST', '/api/v1/auth/register', { email, password });
    for (let i = 0; i < 10; i++) {
      expect(
        (await newBrowser().send('POST', '/api/v1/auth/login', { email, password: `guess number ${i}!` }))
          .statusCode,
      ).toBe(401);
    }
    const blocked = await newBrowser().send('POST', '/api/v1/auth/login', { email, password });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    t.clock.set('2026-11-15T06:16:00.000Z');
    try {
      expect((await newBrowser().send('POST', '/api/v1/auth/login', { email, password })).statusCode).toBe(
        200,
      );
    } finally {
      t.clock.set('2026-11-15T06:00:00.000Z');
    }
  });

  it('refuses a cross-site state change that carries cookies', async () => {
    const browser = newBrowser();
    await browser.send('POST', '/api/v1/auth/register', { email: anEmail(), password });
    const cookie = [...browser.jar].map(([k, v]) => `${k}=${v}`).join('; ');
    for (const headers of [
      { cookie },
      { cookie, origin: 'https://evil.example' },
      { cookie, 'sec-fetch-site': 'cross-site' },
    ]) {
      const response = await t.app.inject({ method: 'DELETE', url: '/api/v1/sessions', headers });
      expect(response.statusCode).toBe(403);
      expect(response.json().error.code).toBe('forbidden');
    }
    expect((await browser.get('/api/v1/me')).statusCode).toBe(200);
  });

  it('refuses a sign-in posted from another site even without cookies (login CSRF)', async () => {
    const email = anEmail();
    await newBrowser().send('POST', '/api/v1/auth/register', { email, password });
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }]) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password },
        headers,
      });
      expect(response.statusCode).toBe(403);
    }
    // An app, which sends neither cookies nor browser headers, signs in.
    const app = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password, client: 'app' },
    });
    expect(app.statusCode).toBe(200);
  });
});
