import type { LightMyRequestResponse } from 'fastify';
import { aBrowser, type Browser } from '../support/browser.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeReturnTo } from '../../src/modules/accounts/index.js';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

const password = 'correct horse battery staple';

describe('safeReturnTo', () => {
  it('keeps a path on this site and sends anything else to /account', () => {
    for (const path of ['/', '/article/rupee-firms', '/search?q=rupee&before=2026-11-01', '/account'])
      expect(safeReturnTo(path)).toBe(path);
    for (const elsewhere of [
      undefined,
      '',
      '//evil.example',
      'https://evil.example',
      '/\\evil.example',
      '\\\\evil.example',
      '/\t/evil.example',
      '/\n/evil.example',
      'javascript:alert(1)',
      'article/relative',
      `/${'a'.repeat(2001)}`,
    ])
      expect(safeReturnTo(elsewhere)).toBe('/account');
  });
});

describe.each(dialects)('account pages on $name', (dialect) => {
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
  const anEmail = () => `page-reader${++counter}-${dialect.name}@example.com`;
  const paywalled = (r: LightMyRequestResponse) => r.body.includes('id="paywall"');
  const sessionIds = (html: string) =>
    [...html.matchAll(/data-session="(ses_[0-9a-z]{26})"/g)].map((m) => m[1]);

  async function signedUp(browser: Browser = newBrowser(), email = anEmail()) {
    const response = await browser.post('/register', { name: 'Asha', email, password, returnTo: '/account' });
    expect(response.statusCode).toBe(303);
    return { browser, email };
  }

  it('signs up with the form and lands back on the article, with the meter carried over', async () => {
    const browser = newBrowser();
    const article = `/article/${metered[0]}`;
    expect(paywalled(await browser.get(article))).toBe(false); // one anonymous read
    const login = await browser.get(`/login?returnTo=${article}`);
    expect(login.statusCode).toBe(200);
    expect(login.headers['cache-control']).toBe('private, no-store');
    // Under `no-referrer` a browser posts these forms with `Origin: null`, and the same-origin
    // guard refuses them.
    expect(login.headers['referrer-policy']).toBe('same-origin');
    for (const part of [
      'action="/login"',
      'action="/register"',
      `name="returnTo" value="${article}"`,
      `href="/login/link?returnTo=${article}">Email me a sign-in link</a>`,
      'href="/login/reset">Forgot your password?</a>',
    ])
      expect(login.body).toContain(part);

    const email = anEmail();
    const signedUpResponse = await browser.post('/register', {
      name: 'Asha',
      email,
      password,
      returnTo: article,
    });
    expect(signedUpResponse.statusCode).toBe(303);
    expect(signedUpResponse.headers.location).toBe(article);
    // The same cookie as the JSON API sets.
    expect(signedUpResponse.cookies.find((c) => c.name === 'mh_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
    });
    const back = await browser.get(article);
    expect(back.body).toContain('<a class="account-link" href="/account">Account</a>');
    expect((await browser.get('/api/v1/meter')).json().meter.used).toBe(1); // a reread is free
    expect((await browser.get('/api/v1/me')).json().reader).toMatchObject({ email, name: 'Asha' });
  });

  it('shows "Sign in" returning to the page, or "Account", and never serves one to the other from the page cache', async () => {
    const anonymous = newBrowser();
    const front = await anonymous.get('/section/politics');
    expect(front.body).toContain(
      '<a class="account-link" href="/login?returnTo=/section/politics">Sign in</a>',
    );
    const article = `/article/${metered[11]}`;
    // The same article in the same meter state (first read, 4 left) for both readers.
    expect((await anonymous.get(article)).body).toContain(
      `<a class="account-link" href="/login?returnTo=${article}">Sign in</a>`,
    );
    const { browser } = await signedUp();
    const page = await browser.get(article);
    expect(page.body).toContain('You have 4 of 5 free articles left this month.');
    expect(page.body).toContain('<a class="account-link" href="/account">Account</a>');
    expect(page.body).not.toContain('Sign in</a>');
  });

  it('shows the form again on failure: 401 keeping the email, 409, 422, never the password', async () => {
    const { email } = await signedUp();
    const wrong = await newBrowser().post('/login', {
      email,
      password: 'not the password at all',
      returnTo: '/',
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.headers['content-type']).toMatch(/^text\/html/);
    expect(wrong.body).toContain('The email or password is not right.');
    expect(wrong.body).toContain(`id="sign-in-email" name="email" type="email" value="${email}"`);
    expect(wrong.body).toContain('name="returnTo" value="/"');
    expect(wrong.body).not.toContain('not the password at all');
    expect(wrong.cookies.find((c) => c.name === 'mh_session')).toBeUndefined();

    const taken = await newBrowser().post('/register', {
      name: 'Ravi',
      email,
      password: 'another good passphrase',
    });
    expect(taken.statusCode).toBe(409);
    expect(taken.body).toContain('An account with this email exists: sign in instead.');
    expect(taken.body).toContain('value="Ravi"');
    expect(taken.body).not.toContain('another good passphrase');

    const weak = await newBrowser().post('/register', { email: anEmail(), password: 'password' });
    expect(weak.statusCode).toBe(422);
    expect(weak.body).toContain('Password: This is one of the most commonly used passwords');
    expect(weak.body).toContain('id="sign-up-password" name="password" type="password"');
    expect(weak.body).toMatch(/id="sign-up-password"[^>]*aria-invalid="true"/);

    const invalid = await newBrowser().post('/login', { email: 'not-an-email', password });
    expect(invalid.statusCode).toBe(422);
    expect(invalid.body).toContain('Email: expected an email address');
    expect((await newBrowser().post('/login', {})).statusCode).toBe(422);
  });

  it('stops guessing from the form too: 429 with Retry-After, the form shown again', async () => {
    const { email } = await signedUp();
    for (let i = 0; i < 10; i++)
      expect((await newBrowser().post('/login', { email, password: `guess number ${i}!` })).statusCode).toBe(
        401,
      );
    const blocked = await newBrowser().post('/login', { email, password });
    expect(blocked.statusCode).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(blocked.body).toContain('Too many attempts; try again in');
    expect(blocked.body).toContain(`value="${email}"`);
  });

  it('returns only to a path on this site: anything else goes to /account', async () => {
    const { email } = await signedUp();
    for (const returnTo of ['//evil.example', 'https://evil.example', '/\\evil', '/\t/evil.example']) {
      const response = await newBrowser().post('/login', { email, password, returnTo });
      expect(response.statusCode, returnTo).toBe(303);
      expect(response.headers.location, returnTo).toBe('/account');
    }
    const page = await newBrowser().get('/login?returnTo=//evil.example');
    expect(page.body).toContain('name="returnTo" value="/account"');
    const fine = await newBrowser().post('/login', { email, password, returnTo: '/search?q=rupee' });
    expect(fine.headers.location).toBe('/search?q=rupee');
  });

  it('lists the devices on /account and signs one out, which is then told why', async () => {
    const { browser: laptop, email } = await signedUp(
      newBrowser('Mozilla/5.0 (Macintosh; Intel Mac OS X 14_0) Safari/605.1.15'),
    );
    const phone = newBrowser('Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile');
    expect((await phone.post('/login', { email, password })).headers.location).toBe('/account');

    const page = await laptop.get('/account');
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('private, no-store');
    for (const part of [
      `<dd class="account-email">${email}</dd>`,
      '<dd class="email-confirmed">Not yet</dd>',
      'Safari on macOS<strong class="this-device"> · this device</strong>',
      'Chrome on Android',
      'action="/account/sessions/end-others"',
      'href="/account/export"',
      'action="/account/delete"',
    ])
      expect(page.body).toContain(part);
    const ids = sessionIds(page.body);
    expect(ids).toHaveLength(2);
    const phoneId = ids.find((id) => !page.body.includes(`data-session="${id}" data-current="true"`))!;

    const ended = await laptop.post(`/account/sessions/${phoneId}/end`);
    expect(ended.statusCode).toBe(303);
    expect(ended.headers.location).toBe('/account?notice=device_signed_out');
    expect(sessionIds((await laptop.get('/account?notice=device_signed_out')).body)).toHaveLength(1);

    const away = await phone.get('/account');
    expect(away.statusCode).toBe(303);
    expect(away.headers.location).toBe('/login?returnTo=/account&signedOut=ended_by_reader');
    expect((await phone.get(away.headers.location!)).body).toContain(
      'You were signed out from another of your devices.',
    );
    // Twice is harmless: the device is already signed out.
    expect((await laptop.post(`/account/sessions/${phoneId}/end`)).headers.location).toBe('/account');
  });

  it('signs out every other device, and this one', async () => {
    const { browser: main, email } = await signedUp();
    const others = [newBrowser(), newBrowser()];
    for (const other of others) await other.post('/login', { email, password });
    expect(sessionIds((await main.get('/account')).body)).toHaveLength(3);
    expect((await main.post('/account/sessions/end-others')).headers.location).toBe(
      '/account?notice=others_signed_out',
    );
    for (const other of others) expect((await other.get('/account')).statusCode).toBe(303);
    expect((await main.get('/account?notice=others_signed_out')).body).toContain(
      'Every other device is signed out.',
    );

    const out = await main.post('/logout');
    expect(out.statusCode).toBe(303);
    expect(out.headers.location).toBe('/');
    expect(main.jar.has('mh_session')).toBe(false);
    expect((await main.get('/account')).headers.location).toBe('/login?returnTo=/account');
  });

  it('exports the account, its devices and its reads as a JSON download', async () => {
    const { browser, email } = await signedUp();
    for (const slug of metered.slice(1, 3)) await browser.get(`/article/${slug}`);
    await t.services.links.settled(); // the confirmation mail goes out after the answer
    const download = await browser.get('/account/export');
    expect(download.statusCode).toBe(200);
    expect(download.headers['content-type']).toMatch(/^application\/json/);
    expect(download.headers['cache-control']).toBe('private, no-store');
    const data = download.json();
    expect(download.headers['content-disposition']).toBe(
      `attachment; filename="account-${data.account.id}.json"`,
    );
    expect(data.account).toMatchObject({ email, name: 'Asha', emailVerifiedAt: null, hasPassword: true });
    expect(data.sessions).toHaveLength(1);
    expect(data.sessions[0]).toMatchObject({ kind: 'web', device: 'Firefox on Linux', endedAt: null });
    const ids = await Promise.all(metered.slice(1, 3).map((slug) => t.services.content.findPublished(slug)));
    expect(data.reads.map((read: { articleId: string }) => read.articleId).sort()).toEqual(
      ids.map((article) => article!.id).sort(),
    );
    expect(data.reads[0]).toMatchObject({ period: '2026-11' });
    // The confirmation mail sent on signing up, without its one-time link.
    expect(data.mail).toEqual([expect.objectContaining({ to: email, template: 'confirm-email' })]);
    expect(download.body).not.toMatch(/hash|token/i);
    expect((await browser.get('/api/v1/me/export')).json()).toEqual(data);
  });

  it('deletes the account only when confirmed, signing out every device and forgetting its reads', async () => {
    const device = newBrowser();
    await device.get(`/article/${metered[3]}`); // read anonymously, carried over on signing up
    const { browser, email } = await signedUp(device);
    await browser.get(`/article/${metered[4]}`);
    const phone = newBrowser();
    await phone.post('/login', { email, password });
    const accountId = (await browser.get('/api/v1/me')).json().reader.id;

    await t.services.links.settled();
    expect(await t.services.mail.sentTo(email)).not.toEqual([]);
    const unconfirmed = await browser.post('/account/delete');
    expect(unconfirmed.statusCode).toBe(422);
    expect(unconfirmed.body).toContain('Tick the box to confirm');
    expect((await browser.get('/api/v1/me')).statusCode).toBe(200);

    const deleted = await browser.post('/account/delete', { confirm: 'yes' });
    expect(deleted.statusCode).toBe(303);
    expect(deleted.headers.location).toBe('/login?signedOut=account_deleted');
    expect(browser.jar.has('mh_session')).toBe(false);
    expect((await browser.get(deleted.headers.location!)).body).toContain('Your account was deleted');
    expect((await phone.get('/account')).headers.location).toBe('/login?returnTo=/account');
    expect((await newBrowser().post('/login', { email, password })).statusCode).toBe(401);
    const { db } = t.database;
    expect(await db.selectFrom('accounts').select('id').where('id', '=', accountId).execute()).toEqual([]);
    expect(
      await db.selectFrom('account_sessions').select('id').where('account_id', '=', accountId).execute(),
    ).toEqual([]);
    expect(await t.services.meter.reads(accountId)).toEqual([]);
    expect(await t.services.mail.sentTo(email)).toEqual([]);
    // The device keeps this month's reads, as on signing out: deleting is no fresh allowance.
    expect((await browser.get('/api/v1/meter')).json().meter.used).toBe(2);
  });

  it('deletes through the JSON API too', async () => {
    const { browser } = await signedUp();
    expect((await browser.send('DELETE', '/api/v1/me')).statusCode).toBe(204);
    expect((await browser.get('/api/v1/me')).statusCode).toBe(401);
    expect((await browser.get('/api/v1/me/export')).statusCode).toBe(401);
  });

  it('sends a reader who is not signed in to /login, from every account page', async () => {
    const stranger = newBrowser();
    for (const response of [
      await stranger.get('/account'),
      await stranger.get('/account/export'),
      await stranger.post('/account/delete', { confirm: 'yes' }),
      await stranger.post('/account/sessions/end-others'),
    ]) {
      expect(response.statusCode).toBe(303);
      expect(response.headers.location).toBe('/login?returnTo=/account');
    }
    const page = await stranger.get('/login?returnTo=/account&signedOut=nonsense');
    expect(page.statusCode).toBe(200);
    expect(page.body).not.toContain('role="status"');
  });

  it('refuses a form posted from another site', async () => {
    const { browser } = await signedUp();
    const response = await t.app.inject({
      method: 'POST',
      url: '/account/delete',
      payload: 'confirm=yes',
      headers: {
        cookie: [...browser.jar].map(([k, v]) => `${k}=${v}`).join('; '),
        origin: 'https://evil.example',
        'content-type': 'application/x-www-form-urlencoded',
      },
    });
    expect(response.statusCode).toBe(403);
    expect((await browser.get('/account')).statusCode).toBe(200);
  });
});
