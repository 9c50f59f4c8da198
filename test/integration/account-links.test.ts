import { createHash } from 'node:crypto';
import { aBrowser, siteOrigin as origin, type Browser } from '../support/browser.js';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects, type TestDialect } from '../support/databases.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

const password = 'correct horse battery staple';
const newPassword = 'a brand new passphrase for the ledger';
const start = '2026-11-15T06:00:00.000Z';
const accepted = { message: 'If there is an account for that address, a link is on its way.' };
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

/** What the two suites share: a test app, browsers with an address each, and accounts. */
function linkHarness(dialect: TestDialect, label: string) {
  let built: TestApp | undefined;
  let ips = 0;
  let emails = 0;
  const testApp = () => {
    if (!built) throw new Error('The test app is not built yet.');
    return built;
  };
  const anEmail = () => `${label}${++emails}-${dialect.name}@example.com`;

  /** A browser on an address of its own: attempt limits count per address. */
  const newBrowser = (userAgent?: string) =>
    aBrowser(testApp().app, { remoteAddress: `198.51.100.${++ips}`, ...(userAgent && { userAgent }) });

  /** Registers an account through the JSON API; the browser is signed in. */
  async function registered(browser = newBrowser(), email = anEmail()) {
    const response = await browser.send('POST', '/api/v1/auth/register', { email, password, name: 'Asha' });
    expect(response.statusCode).toBe(201);
    return { browser, email, accountId: response.json().account.id as string };
  }

  return {
    get t(): TestApp {
      return testApp();
    },
    set t(app: TestApp) {
      built = app;
    },
    anEmail,
    newBrowser,
    registered,
  };
}

/** The site path and query of a link in a mail, and its token. */
function linkIn(text: string) {
  const found = /http:\/\/127\.0\.0\.1:3000\/\S+/.exec(text)?.[0];
  expect(found, 'a link to the site').toBeDefined();
  const url = new URL(found!);
  return { url, path: `${url.pathname}${url.search}`, token: url.searchParams.get('token') ?? '' };
}

const page = (response: LightMyRequestResponse) => response.body;

const unescape = (value: string) =>
  value
    .replaceAll('&quot;', '"')
    .replaceAll('&#39;', "'")
    .replaceAll('&lt;', '<')
    .replaceAll('&gt;', '>')
    .replaceAll('&amp;', '&');

/** The form a link's page posts, and its hidden fields; undefined when the page has none. */
function linkForm(html: string) {
  const form = /<form method="post" action="(\/auth\/link|\/account\/confirm)">([\s\S]*?)<\/form>/.exec(html);
  if (!form) return undefined;
  const hidden = [...(form[2] ?? '').matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)"/g)];
  return {
    action: form[1]!,
    fields: Object.fromEntries(hidden.map((m) => [m[1]!, unescape(m[2]!)])),
  };
}

/**
 * Follows a link as a reader does: opens the page it leads to and presses its button (with
 * `extra` fields, such as a password). A page without the button (a refused link) is returned.
 */
async function press(browser: Browser, path: string, extra: Record<string, string> = {}) {
  const opened = await browser.get(path);
  const form = opened.statusCode === 200 ? linkForm(opened.body) : undefined;
  if (!form) return opened;
  return browser.post(form.action, { ...form.fields, ...extra });
}

describe.each(dialects)('emailed links over SMTP, on $name', (dialect) => {
  let smtp: TestSmtpServer;
  const h = linkHarness(dialect, 'linked');
  const metered: string[] = [];

  beforeAll(async () => {
    smtp = await startSmtpServer();
    h.t = await buildTestApp(dialect, { env: { SMTP_URL: smtp.url }, at: start });
    for (let i = 0; i < 4; i++)
      metered.push((await h.t.services.content.create(anArticle({ access: 'metered' }))).slug);
  });
  afterAll(async () => {
    await h.t.close();
    await smtp.close();
  });

  /** The newest mail to `address` with a subject starting `subject`, once all sending is done. */
  async function mailed(address: string, subject: string) {
    await h.t.services.links.settled();
    const mail = smtp
      .mailTo(address)
      .filter((m) => m.subject?.startsWith(subject))
      .at(-1);
    expect(mail, `a "${subject}" mail to ${address}`).toBeDefined();
    return { mail: mail!, ...linkIn(mail!.text ?? '') };
  }
  const confirmation = (address: string) => mailed(address, 'Confirm your email address');
  const signInLink = (address: string) => mailed(address, 'Your sign-in link');
  const resetLink = (address: string) => mailed(address, 'Reset your');

  it('mails a confirmation link on registration; following it confirms the address, once', async () => {
    const { browser, email } = await h.registered();
    expect((await browser.get('/api/v1/me')).json().reader.emailVerified).toBe(false);

    const { mail, url, path, token } = await confirmation(email);
    expect(mail.from?.value).toEqual([{ name: 'The Daily Ledger', address: 'no-reply@localhost' }]);
    // Not "Hello Asha": the address is unproven, and whoever signed up chose the name.
    expect(mail.text).toMatch(/^Hello,\n/);
    expect(mail.text).toMatch(/works for 24 hours/);
    expect(`${url.origin}${url.pathname}`).toBe(`${origin}/account/confirm`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/); // 32 random bytes

    // Opened anywhere — here a phone that is not signed in, where the reader vouches for the
    // password they chose by typing it.
    const phone = h.newBrowser();
    const opened = await phone.get(path);
    expect(opened.statusCode).toBe(200);
    expect(opened.headers['cache-control']).toBe('private, no-store');
    expect(page(opened)).toContain('Confirm your email address');
    expect(page(opened)).toContain('name="password"');
    expect((await browser.get('/api/v1/me')).json().reader.emailVerified).toBe(false); // opening is not confirming
    const confirmed = await press(phone, path, { password });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.headers['cache-control']).toBe('private, no-store');
    expect(page(confirmed)).toContain('Email address confirmed');
    expect(page(confirmed)).toContain(email);
    expect(page(confirmed)).not.toContain('password chosen before the address was confirmed is removed');
    expect((await phone.get('/api/v1/me')).json().reader).toMatchObject({ email, emailVerified: true });
    // The first proof ends every other session; the password the prover vouched for still works.
    const laptop = await browser.get('/api/v1/me');
    expect(laptop.statusCode).toBe(401);
    expect(laptop.json().error.message).toMatch(/confirmed it with a link/);
    expect((await h.newBrowser().send('POST', '/api/v1/auth/login', { email, password })).statusCode).toBe(
      200,
    );

    const again = await phone.get(path);
    expect(again.statusCode).toBe(410);
    expect(page(again)).toContain('This confirmation link was used already');
  });

  it('stores only the SHA-256 of a token, and the delivery log withholds the link', async () => {
    const { email, accountId } = await h.registered();
    const { token } = await confirmation(email);
    const rows = await h.t.database.db
      .selectFrom('account_links')
      .selectAll()
      .where('account_id', '=', accountId)
      .execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id: expect.stringMatching(/^lnk_[0-9a-z]{26}$/),
      purpose: 'confirm_email',
      token_hash: sha256(token),
      created_at: start,
      expires_at: '2026-11-16T06:00:00.000Z',
      used_at: null,
    });
    expect(JSON.stringify(rows)).not.toContain(token);
    const logged = (await h.t.services.mail.list()).filter((m) => m.to === email);
    expect(logged).toHaveLength(1);
    expect(`${logged[0]?.text}${logged[0]?.html}`).not.toContain(token);
  });

  it('lets a confirmation link expire after 24 hours', async () => {
    const { browser, email } = await h.registered();
    const { path } = await confirmation(email);
    h.t.clock.set('2026-11-16T06:00:00.000Z');
    try {
      const expired = await h.newBrowser().get(path);
      expect(expired.statusCode).toBe(410);
      expect(page(expired)).toContain('This confirmation link has expired. Links work for 24 hours');
      // A way on: a sign-in link, which confirms the address too.
      expect(page(expired)).toMatch(/<form method="post" action="\/login\/link"/);
    } finally {
      h.t.clock.set(start);
    }
    expect((await browser.get('/api/v1/me')).json().reader.emailVerified).toBe(false);
  });

  it('signs in by link on a new device: lands on returnTo with a session and the meter carried; a second use fails', async () => {
    const { email } = await h.registered();
    const phone = h.newBrowser('Mozilla/5.0 (Linux; Android 14) Chrome/130.0 Mobile');
    await phone.get(`/article/${metered[0]}`);
    await phone.get(`/article/${metered[1]}`);
    const asked = await phone.send('POST', '/api/v1/auth/link', {
      email,
      returnTo: `/article/${metered[2]}`,
    });
    expect(asked.statusCode).toBe(202);
    expect(asked.json()).toEqual(accepted);

    const { mail, url, path } = await signInLink(email);
    expect(mail.text).toMatch(/works once, for 15 minutes/);
    expect(url.pathname).toBe('/auth/link');
    expect(url.searchParams.get('returnTo')).toBe(`/article/${metered[2]}`);

    const landed = await press(phone, path);
    expect(landed.statusCode).toBe(303);
    expect(landed.headers.location).toBe(`/article/${metered[2]}`);
    expect(landed.cookies.find((c) => c.name === 'mh_session')).toMatchObject({
      httpOnly: true,
      sameSite: 'Lax',
      path: '/',
    });
    const me = (await phone.get('/api/v1/me')).json();
    expect(me.reader).toMatchObject({ email, emailVerified: true }); // the link proves the address
    expect((await phone.get('/api/v1/meter')).json().meter.used).toBe(2); // reads carried over
    const devices = (await phone.get('/api/v1/sessions')).json().sessions;
    expect(devices.find((s: { current: boolean }) => s.current).device).toBe('Chrome on Android');

    const thief = h.newBrowser();
    const second = await thief.get(path);
    expect(second.statusCode).toBe(410);
    expect(page(second)).toContain('This sign-in link was used already');
    expect(page(second)).toMatch(/<form method="post" action="\/login\/link"/);
    expect(thief.jar.has('mh_session')).toBe(false);
  });

  it('keeps to the device limit when signing in by link', async () => {
    await h.t.app.inject({
      method: 'PATCH',
      url: '/api/admin/v1/settings',
      headers: h.t.admin,
      payload: { accounts: { deviceLimit: 1 } },
    });
    try {
      const { browser: laptop, email } = await h.registered();
      // Confirmed from the laptop that signed up: the address is proven, the laptop stays in.
      expect((await press(laptop, (await confirmation(email)).path)).statusCode).toBe(200);
      const phone = h.newBrowser();
      await phone.send('POST', '/api/v1/auth/link', { email });
      expect((await press(phone, (await signInLink(email)).path)).statusCode).toBe(303);
      expect((await phone.get('/api/v1/me')).statusCode).toBe(200);
      const laptopMe = await laptop.get('/api/v1/me');
      expect(laptopMe.statusCode).toBe(401);
      expect(laptopMe.json().error.message).toMatch(/1 at a time/);
    } finally {
      await h.t.app.inject({
        method: 'PATCH',
        url: '/api/admin/v1/settings',
        headers: h.t.admin,
        payload: { accounts: { deviceLimit: 5 } },
      });
    }
  });

  it('lets one of two racing uses of a sign-in link win', async () => {
    const { email } = await h.registered();
    await h.newBrowser().send('POST', '/api/v1/auth/link', { email });
    const { path } = await signInLink(email);
    const browsers = [h.newBrowser(), h.newBrowser(), h.newBrowser(), h.newBrowser()];
    const opened = await Promise.all(browsers.map((b) => b.get(path)));
    expect(opened.map((a) => a.statusCode)).toEqual([200, 200, 200, 200]);
    const answers = await Promise.all(
      browsers.map((b, i) => b.post('/auth/link', linkForm(opened[i]!.body)!.fields)),
    );
    expect(answers.map((a) => a.statusCode).sort()).toEqual([303, 410, 410, 410]);
  });

  it('lets a sign-in link expire after 15 minutes, and a newer link retires the older', async () => {
    const { email } = await h.registered();
    const device = h.newBrowser();
    await device.send('POST', '/api/v1/auth/link', { email });
    const first = await signInLink(email);
    await device.send('POST', '/api/v1/auth/link', { email });
    const second = await signInLink(email);
    expect(second.token).not.toBe(first.token);

    const retired = await h.newBrowser().get(first.path);
    expect(retired.statusCode).toBe(410);
    expect(page(retired)).toContain('only the newest one sent works');

    h.t.clock.set('2026-11-15T06:15:00.000Z');
    try {
      const late = await h.newBrowser().get(second.path);
      expect(late.statusCode).toBe(410);
      expect(page(late)).toContain('This sign-in link has expired. Links work for 15 minutes');
    } finally {
      h.t.clock.set(start);
    }
  });

  it('does not use up a link when a mail scanner or preview asks for its head', async () => {
    const { email } = await h.registered();
    await h.newBrowser().send('POST', '/api/v1/auth/link', { email });
    const { path } = await signInLink(email);
    const preview = await h.newBrowser().head(path);
    expect(preview.statusCode).toBe(200);
    expect(preview.cookies).toHaveLength(0);
    expect((await press(h.newBrowser(), path)).statusCode).toBe(303);
  });

  it('refuses a returnTo that leaves the site, when asked and when the link is opened', async () => {
    const { email } = await h.registered();
    for (const returnTo of [
      '//evil.example',
      'https://evil.example/',
      '/\\evil.example',
      '/\t/evil.example',
      'evil.example',
    ]) {
      const response = await h.newBrowser().send('POST', '/api/v1/auth/link', { email, returnTo });
      expect(response.statusCode, returnTo).toBe(422);
      expect(response.json().error.message).toMatch(/^body\.returnTo: expected a path on this site/);
    }
    // A link edited on its way: the sign-in works, the redirect stays on the site.
    await h.newBrowser().send('POST', '/api/v1/auth/link', { email, returnTo: '/archive' });
    const { url } = await signInLink(email);
    url.searchParams.set('returnTo', '//evil.example/phish');
    const landed = await press(h.newBrowser(), `${url.pathname}${url.search}`);
    expect(landed.statusCode).toBe(303);
    expect(landed.headers.location).toBe('/account');
  });

  it('answers a link or reset request the same for a registered and an unknown email, and mails only the account', async () => {
    const { email: known } = await h.registered();
    const unknown = h.anEmail();
    const stable = (r: LightMyRequestResponse) => {
      const headers = { ...r.headers };
      delete headers.date;
      return { status: r.statusCode, headers, body: r.body };
    };
    for (const url of ['/api/v1/auth/link', '/api/v1/auth/reset-request']) {
      const forKnown = await h.newBrowser().send('POST', url, { email: known });
      const forUnknown = await h.newBrowser().send('POST', url, { email: unknown });
      expect(forKnown.statusCode, url).toBe(202);
      expect(stable(forUnknown), url).toEqual(stable(forKnown));
    }
    for (const url of ['/login/link', '/login/reset']) {
      const forKnown = await h.newBrowser().post(url, { email: known });
      const forUnknown = await h.newBrowser().post(url, { email: unknown });
      expect(forKnown.statusCode, url).toBe(200);
      expect(page(forKnown)).toContain(accepted.message);
      expect(stable(forUnknown), url).toEqual(stable(forKnown));
    }
    await h.t.services.links.settled();
    expect(smtp.mailTo(unknown)).toHaveLength(0);
    // Sent in parallel, so they may arrive in any order.
    expect(
      smtp
        .mailTo(known)
        .map((m) => m.subject)
        .filter((subject) => !subject?.startsWith('Confirm'))
        .sort(),
    ).toEqual([
      'Reset your The Daily Ledger password',
      'Reset your The Daily Ledger password',
      'Your sign-in link for The Daily Ledger',
      'Your sign-in link for The Daily Ledger',
    ]);
  });

  it('answers a link request the same when the mail server refuses the mail', async () => {
    const { email } = await h.registered();
    await h.t.services.links.settled();
    smtp.refuseRecipients(true);
    try {
      const asked = await h.newBrowser().send('POST', '/api/v1/auth/link', { email });
      expect(asked.statusCode).toBe(202);
      expect(asked.json()).toEqual(accepted);
      await h.t.services.links.settled(); // the failure is logged, not thrown
    } finally {
      smtp.refuseRecipients(false);
    }
    const logged = (await h.t.services.mail.list()).find(
      (m) => m.to === email && m.template === 'sign-in-link',
    );
    expect(logged?.error).toMatch(/Mailbox unavailable/);
  });

  it('limits requests per address and email, and per email, account or not, with Retry-After', async () => {
    const { email: known } = await h.registered();
    for (const email of [known, h.anEmail()]) {
      const one = h.newBrowser();
      for (let i = 0; i < 5; i++)
        expect((await one.send('POST', '/api/v1/auth/link', { email })).statusCode).toBe(202);
      const blocked = await one.send('POST', '/api/v1/auth/link', { email });
      expect(blocked.statusCode).toBe(429);
      expect(blocked.json().error.code).toBe('rate_limited');
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      // Reset requests count apart.
      expect((await one.send('POST', '/api/v1/auth/reset-request', { email })).statusCode).toBe(202);
      // From many addresses, one mailbox gets at most 20 an hour.
      for (let i = 0; i < 15; i++)
        expect((await h.newBrowser().send('POST', '/api/v1/auth/link', { email })).statusCode).toBe(202);
      expect((await h.newBrowser().send('POST', '/api/v1/auth/link', { email })).statusCode).toBe(429);
    }
  });

  it('limits requests per address', async () => {
    const office = h.newBrowser();
    for (let i = 0; i < 20; i++)
      expect(
        (await office.send('POST', '/api/v1/auth/reset-request', { email: h.anEmail() })).statusCode,
      ).toBe(202);
    const blocked = await office.post('/login/reset', { email: h.anEmail() });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBeDefined();
  });

  it('resets a password: the new one works, the old one stops, every session ends, the link works once', async () => {
    const { browser: laptop, email } = await h.registered();
    const app = await h.t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password, client: 'app' },
    });
    const tokens = app.json();

    await h.newBrowser().send('POST', '/api/v1/auth/reset-request', { email });
    const { mail, url, path, token } = await resetLink(email);
    expect(mail.text).toMatch(/works once, for 30 minutes/);
    expect(url.pathname).toBe('/login/reset/new');
    const form = await h.newBrowser().get(path);
    expect(form.statusCode).toBe(200);
    expect(page(form)).toContain(`name="token" value="${token}"`);
    expect(page(form)).toContain(email);

    // A password the rules refuse leaves the link usable.
    const weak = await h.newBrowser().send('POST', '/api/v1/auth/reset', { token, password: 'password' });
    expect(weak.statusCode).toBe(422);
    expect(weak.json().error.message).toMatch(/^password: This is one of the most commonly used passwords/);

    const reset = await h.newBrowser().send('POST', '/api/v1/auth/reset', { token, password: newPassword });
    expect(reset.statusCode).toBe(204);

    const login = (pw: string) => h.newBrowser().send('POST', '/api/v1/auth/login', { email, password: pw });
    expect((await login(password)).statusCode).toBe(401);
    expect((await login(newPassword)).statusCode).toBe(200);

    const laptopMe = await laptop.get('/api/v1/me');
    expect(laptopMe.statusCode).toBe(401);
    expect(laptopMe.json().error.message).toMatch(/password of your account was changed/);
    const appMe = await h.t.app.inject({
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    });
    expect(appMe.statusCode).toBe(401);
    const refreshed = await h.t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: tokens.refreshToken },
    });
    expect(refreshed.statusCode).toBe(401);

    const again = await h
      .newBrowser()
      .send('POST', '/api/v1/auth/reset', { token, password: 'yet another long passphrase' });
    expect(again.statusCode).toBe(401);
    expect(again.json().error).toMatchObject({ code: 'unauthorized', details: { reason: 'used' } });
    expect((await h.newBrowser().get(path)).statusCode).toBe(410);
  });

  it('lets a reset link expire after 30 minutes', async () => {
    const { email } = await h.registered();
    await h.newBrowser().send('POST', '/api/v1/auth/reset-request', { email });
    const { path, token } = await resetLink(email);
    h.t.clock.set('2026-11-15T06:30:00.000Z');
    try {
      const late = await h.newBrowser().send('POST', '/api/v1/auth/reset', { token, password: newPassword });
      expect(late.statusCode).toBe(401);
      expect(late.json().error).toMatchObject({ details: { reason: 'expired' } });
      const form = await h.newBrowser().get(path);
      expect(form.statusCode).toBe(410);
      expect(page(form)).toMatch(/<form method="post" action="\/login\/reset"/);
    } finally {
      h.t.clock.set(start);
    }
    expect((await h.newBrowser().send('POST', '/api/v1/auth/login', { email, password })).statusCode).toBe(
      200,
    );
  });

  it('resets a password through the pages', async () => {
    const { browser, email } = await h.registered();
    const asking = h.newBrowser();
    const formPage = await asking.get('/login/reset');
    expect(formPage.statusCode).toBe(200);
    expect(page(formPage)).toMatch(/<form method="post" action="\/login\/reset"/);
    const notAnAddress = await asking.post('/login/reset', { email: 'not an address' });
    expect(notAnAddress.statusCode).toBe(422);
    expect(page(notAnAddress)).toContain('Enter your email address');
    const sent = await asking.post('/login/reset', { email: email.toUpperCase() });
    expect(sent.statusCode).toBe(200);
    expect(page(sent)).toContain(accepted.message);

    const { path, token } = await resetLink(email);
    const weak = await asking.post('/login/reset/new', { token, password: 'short' });
    expect(weak.statusCode).toBe(422);
    expect(page(weak)).toContain('Use at least 8 characters.');
    expect(page(weak)).toContain(`name="token" value="${token}"`);
    const done = await asking.post('/login/reset/new', { token, password: newPassword });
    expect(done.statusCode).toBe(200);
    expect(page(done)).toContain('Password changed');
    expect((await browser.get('/api/v1/me')).statusCode).toBe(401);
    expect((await asking.post('/login/reset/new', { token, password: newPassword })).statusCode).toBe(410);
    expect((await asking.get(path)).statusCode).toBe(410);
    expect(
      (await h.newBrowser().send('POST', '/api/v1/auth/login', { email, password: newPassword })).statusCode,
    ).toBe(200);
  });

  it('signs in with a link asked for on the page, back to where the reader was', async () => {
    const { email } = await h.registered();
    const browser = h.newBrowser();
    const form = await browser.get('/login/link?returnTo=/archive');
    expect(form.statusCode).toBe(200);
    expect(page(form)).toContain('name="returnTo" value="/archive"');
    const sent = await browser.post('/login/link', { email, returnTo: '/archive' });
    expect(sent.statusCode).toBe(200);
    expect(page(sent)).toContain(accepted.message);
    const landed = await press(browser, (await signInLink(email)).path);
    expect(landed.statusCode).toBe(303);
    expect(landed.headers.location).toBe('/archive');
    expect((await browser.get('/api/v1/me')).json().reader.email).toBe(email);
  });

  it('refuses a token that is not a link, and a link used for another purpose', async () => {
    const { email } = await h.registered();
    const { token } = await confirmation(email);
    for (const path of [`/auth/link?token=${token}`, '/auth/link?token=nonsense', '/auth/link']) {
      const response = await h.newBrowser().get(path);
      expect(response.statusCode, path).toBe(404);
      expect(page(response)).toContain('This sign-in link does not work');
    }
    const asReset = await h.newBrowser().send('POST', '/api/v1/auth/reset', { token, password: newPassword });
    expect(asReset.json().error.details).toEqual({ reason: 'unknown' });
    // Still good for what it is.
    expect((await h.newBrowser().get(`/account/confirm?token=${token}`)).statusCode).toBe(200);
  });
});

describe.each(dialects)('emailed links without SMTP (the outbox), on $name', (dialect) => {
  const h = linkHarness(dialect, 'outboxed');

  beforeAll(async () => {
    h.t = await buildTestApp(dialect, { at: start });
  });
  afterAll(() => h.t.close());

  async function fromOutbox(address: string, template: string) {
    await h.t.services.links.settled();
    const message = (await h.t.services.mail.list()).find((m) => m.to === address && m.template === template);
    expect(message, `${template} to ${address}`).toBeDefined();
    expect(message?.sentAt).toBeNull();
    return linkIn(message!.text);
  }

  it('keeps the links in the outbox, where they can be followed', async () => {
    const { browser, email } = await h.registered();
    const confirm = await fromOutbox(email, 'confirm-email');
    expect((await press(browser, confirm.path)).statusCode).toBe(200);
    expect((await browser.get('/api/v1/me')).json().reader.emailVerified).toBe(true);

    const phone = h.newBrowser();
    await phone.send('POST', '/api/v1/auth/link', { email, returnTo: '/subscribe' });
    const signIn = await fromOutbox(email, 'sign-in-link');
    const landed = await press(phone, signIn.path);
    expect(landed.statusCode).toBe(303);
    expect(landed.headers.location).toBe('/subscribe');
    expect((await phone.get('/api/v1/me')).json().reader.email).toBe(email);
  });
});
