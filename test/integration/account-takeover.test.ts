import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aBrowser, type Browser } from '../support/browser.js';
import { checkoutAndPay } from '../support/billing.js';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

const attackerPassword = 'the attacker chose this passphrase';
const ownerPassword = 'the owner chose this one much later';
const start = '2026-11-15T06:00:00.000Z';

/** The hidden fields of the form a link's page posts. */
function formOf(response: LightMyRequestResponse): { action: string; fields: Record<string, string> } {
  const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(response.body);
  expect(form, 'the page posts a form').toBeTruthy();
  const hidden = [...form![2]!.matchAll(/<input type="hidden" name="(\w+)" value="([^"]*)"/g)];
  return {
    action: form![1]!,
    fields: Object.fromEntries(hidden.map((m) => [m[1]!, m[2]!.replaceAll('&amp;', '&')])),
  };
}

describe.each(dialects)('the first proof of an address takes the account over, on $name', (dialect) => {
  let t: TestApp;
  let ips = 0;
  let emails = 0;
  let premium = '';
  const browser = () => aBrowser(t.app, { remoteAddress: `203.0.113.${++ips}` });
  const anEmail = () => `owner${++emails}-${dialect.name}@example.com`;

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: start });
    premium = (await t.services.content.create(anArticle({ access: 'premium' }))).slug;
  });
  afterAll(() => t.close());

  /** The newest mail of `template` to `address`, from the outbox. */
  async function mailOf(address: string, template: string) {
    await t.services.links.settled();
    const message = (await t.services.mail.list()).find((m) => m.to === address && m.template === template);
    expect(message, `${template} to ${address}`).toBeDefined();
    return message!;
  }
  async function linkOf(address: string, template: string) {
    const url = new URL(/http:\/\/127\.0\.0\.1:3000\/\S+/.exec((await mailOf(address, template)).text)![0]);
    return `${url.pathname}${url.search}`;
  }
  const mailsOf = async (address: string, template: string) => {
    await t.services.links.settled();
    return (await t.services.mail.list()).filter((m) => m.to === address && m.template === template);
  };

  /** Someone signs up with the owner's address: a browser session and an app's tokens. */
  async function preHijacked(email: string) {
    const attacker = browser();
    const signedUp = await attacker.send('POST', '/api/v1/auth/register', {
      email,
      password: attackerPassword,
    });
    expect(signedUp.statusCode).toBe(201);
    const app = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: attackerPassword, client: 'app' },
      remoteAddress: '203.0.113.250',
    });
    expect(app.statusCode).toBe(200);
    const tokens = app.json() as { accessToken: string; refreshToken: string };
    // Unconfirmed, the account works at once for whoever signed up.
    expect((await attacker.get('/api/v1/me')).json().reader).toMatchObject({ email, emailVerified: false });
    return { attacker, tokens };
  }

  /** Everything the attacker held is refused. */
  async function lockedOut(
    attacker: Browser,
    tokens: { accessToken: string; refreshToken: string },
    email: string,
  ) {
    const cookie = await attacker.get('/api/v1/me');
    expect(cookie.statusCode).toBe(401);
    expect(cookie.json().error.message).toMatch(/owner of the email address confirmed it/);
    const article = await attacker.get(`/api/v1/articles/${premium}`);
    expect(article.json().access.granted).toBe(false);
    expect(article.json().article.body).toBeUndefined();
    const password = await browser().send('POST', '/api/v1/auth/login', {
      email,
      password: attackerPassword,
    });
    expect(password.statusCode).toBe(401);
    const bearer = await t.app.inject({
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${tokens.accessToken}` },
    });
    expect(bearer.statusCode).toBe(401);
    const refreshed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: tokens.refreshToken },
    });
    expect(refreshed.statusCode).toBe(401);
  }

  it('a sign-in link ends the sign-up’s sessions, app tokens and password; the owner is told, and what they pay for is theirs alone', async () => {
    const email = anEmail();
    const { attacker, tokens } = await preHijacked(email);

    const owner = browser();
    expect((await owner.send('POST', '/api/v1/auth/link', { email })).statusCode).toBe(202);
    const opened = await owner.get(await linkOf(email, 'sign-in-link'));
    expect(opened.statusCode).toBe(200);
    const { action, fields } = formOf(opened);
    const signedIn = await owner.post(action, fields);
    expect(signedIn.statusCode).toBe(303);
    expect((await owner.get('/api/v1/me')).json().reader).toMatchObject({ email, emailVerified: true });

    await lockedOut(attacker, tokens, email);
    const notice = await mailOf(email, 'password-removed');
    expect(notice.subject).toBe('The password of your The Daily Ledger account was removed');
    expect(notice.text).toContain('http://127.0.0.1:3000/login/reset');

    // The owner pays; the attacker's old session still reads nothing.
    const { checkoutId, paid } = await checkoutAndPay(t, owner);
    expect(paid.json()).toMatchObject({ status: 'paid' });
    expect((await owner.get(`/api/v1/checkout/${checkoutId}`)).json().checkout).toMatchObject({
      status: 'completed',
    });
    expect((await owner.get(`/api/v1/articles/${premium}`)).json().access.granted).toBe(true);
    expect((await attacker.get(`/api/v1/articles/${premium}`)).json().access.granted).toBe(false);

    // A password the owner sets later works; the attacker's does not come back.
    await owner.send('POST', '/api/v1/auth/reset-request', { email });
    const reset = new URL(`http://x${await linkOf(email, 'password-reset')}`).searchParams.get('token')!;
    expect(
      (await browser().send('POST', '/api/v1/auth/reset', { token: reset, password: ownerPassword }))
        .statusCode,
    ).toBe(204);
    expect(
      (await browser().send('POST', '/api/v1/auth/login', { email, password: ownerPassword })).statusCode,
    ).toBe(200);
    expect(
      (await browser().send('POST', '/api/v1/auth/login', { email, password: attackerPassword })).statusCode,
    ).toBe(401);
  });

  it('the name the sign-up gave is not printed in mail to the unproven address, and goes with the password', async () => {
    // Whoever signs up with an address writes the name the mail to that address greets it by.
    const name = 'Your account is suspended, call +1 555 0100';
    const email = anEmail();
    const signedUp = await browser().send('POST', '/api/v1/auth/register', {
      email,
      password: attackerPassword,
      name,
    });
    expect(signedUp.statusCode).toBe(201);
    const owner = browser();
    expect((await owner.send('POST', '/api/v1/auth/link', { email })).statusCode).toBe(202);
    for (const template of ['confirm-email', 'sign-in-link']) {
      const mail = await mailOf(email, template);
      expect(mail.text).toMatch(/^Hello,\n/);
      expect(`${mail.subject} ${mail.text} ${mail.html}`).not.toContain('suspended');
    }

    const opened = await owner.get(await linkOf(email, 'sign-in-link'));
    const { action, fields } = formOf(opened);
    expect((await owner.post(action, fields)).statusCode).toBe(303);
    const notice = await mailOf(email, 'password-removed');
    expect(`${notice.text} ${notice.html}`).not.toContain('suspended');
    // The owner's account, mail and invoices do not carry it either.
    expect((await owner.get('/api/v1/me')).json().reader).toMatchObject({ email, name: '' });
    const { checkoutId } = await checkoutAndPay(t, owner);
    await owner.get(`/api/v1/checkout/${checkoutId}`);
    const receipt = await mailOf(email, 'receipt');
    expect(receipt.text).toMatch(/^Hello,\n/);
    const [invoice] = (await owner.get('/api/v1/invoices')).json().invoices as { id: string }[];
    const full = (await owner.get(`/api/v1/invoices/${invoice!.id}`)).json().invoice;
    expect(full.buyer).toMatchObject({ name: email });
  });

  it('a confirmation link opened without the password takes the account over too; a wrong password uses nothing up', async () => {
    const email = anEmail();
    const { attacker, tokens } = await preHijacked(email);
    const owner = browser();
    const path = await linkOf(email, 'confirm-email');

    const opened = await owner.get(path);
    expect(opened.statusCode).toBe(200);
    expect(opened.body).toContain('name="password"');
    const { action, fields } = formOf(opened);
    const guessed = await owner.post(action, { ...fields, password: 'a guess at the password' });
    expect(guessed.statusCode).toBe(401);
    expect(guessed.body).toContain('That is not the password of this account');
    expect((await attacker.get('/api/v1/me')).statusCode).toBe(200);

    const confirmed = await owner.post(action, { ...fields, password: '' });
    expect(confirmed.statusCode).toBe(200);
    expect(confirmed.body).toContain('Email address confirmed');
    expect(confirmed.body).toContain('password chosen before the address was confirmed is removed');
    expect((await owner.get('/api/v1/me')).json().reader).toMatchObject({ email, emailVerified: true });
    await lockedOut(attacker, tokens, email);
    expect(await mailsOf(email, 'password-removed')).toHaveLength(1);
  });

  it('a reset link takes the account over as well', async () => {
    const email = anEmail();
    const { attacker, tokens } = await preHijacked(email);
    await browser().send('POST', '/api/v1/auth/reset-request', { email });
    const token = new URL(`http://x${await linkOf(email, 'password-reset')}`).searchParams.get('token')!;
    expect(
      (await browser().send('POST', '/api/v1/auth/reset', { token, password: ownerPassword })).statusCode,
    ).toBe(204);
    const cookie = await attacker.get('/api/v1/me');
    expect(cookie.statusCode).toBe(401);
    expect(
      (await browser().send('POST', '/api/v1/auth/login', { email, password: attackerPassword })).statusCode,
    ).toBe(401);
    expect(
      (
        await t.app.inject({
          method: 'POST',
          url: '/api/v1/auth/refresh',
          payload: { refreshToken: tokens.refreshToken },
        })
      ).statusCode,
    ).toBe(401);
    expect(
      (await browser().send('POST', '/api/v1/auth/login', { email, password: ownerPassword })).statusCode,
    ).toBe(200);
  });

  it('the browser that signed up keeps its session and password when it confirms; the owner is not told of a removal', async () => {
    const email = anEmail();
    const reader = browser();
    expect(
      (await reader.send('POST', '/api/v1/auth/register', { email, password: ownerPassword })).statusCode,
    ).toBe(201);
    const opened = await reader.get(await linkOf(email, 'confirm-email'));
    expect(opened.body).not.toContain('name="password"');
    const { action, fields } = formOf(opened);
    expect((await reader.post(action, fields)).statusCode).toBe(200);
    expect((await reader.get('/api/v1/me')).json().reader).toMatchObject({ email, emailVerified: true });
    expect(
      (await browser().send('POST', '/api/v1/auth/login', { email, password: ownerPassword })).statusCode,
    ).toBe(200);
    expect(await mailsOf(email, 'password-removed')).toHaveLength(0);
  });

  it('a later sign-in link on a proven address ends nothing and keeps the password', async () => {
    const email = anEmail();
    const reader = browser();
    await reader.send('POST', '/api/v1/auth/register', { email, password: ownerPassword });
    const opened = await reader.get(await linkOf(email, 'confirm-email'));
    const confirm = formOf(opened);
    await reader.post(confirm.action, confirm.fields);

    const phone = browser();
    await phone.send('POST', '/api/v1/auth/link', { email });
    const link = formOf(await phone.get(await linkOf(email, 'sign-in-link')));
    expect((await phone.post(link.action, link.fields)).statusCode).toBe(303);
    expect((await reader.get('/api/v1/me')).statusCode).toBe(200);
    expect(
      (await browser().send('POST', '/api/v1/auth/login', { email, password: ownerPassword })).statusCode,
    ).toBe(200);
  });
});

describe.each(dialects)('opening an emailed link, on $name', (dialect) => {
  let t: TestApp;
  let ips = 0;
  const browser = () => aBrowser(t.app, { remoteAddress: `192.0.2.${++ips}` });

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: start });
  });
  afterAll(() => t.close());

  async function signInLinkFor(email: string) {
    await browser().send('POST', '/api/v1/auth/link', { email });
    await t.services.links.settled();
    const message = (await t.services.mail.list()).find(
      (m) => m.to === email && m.template === 'sign-in-link',
    );
    const url = new URL(/http:\/\/127\.0\.0\.1:3000\/\S+/.exec(message!.text)![0]);
    return `${url.pathname}${url.search}`;
  }

  it('signs nobody in on a GET: a scanner following it uses nothing up, and the page names the account', async () => {
    const email = `scanned-${dialect.name}@example.com`;
    await browser().send('POST', '/api/v1/auth/register', { email, password: ownerPassword });
    const path = await signInLinkFor(email);
    const scanner = browser();
    for (let i = 0; i < 3; i++) {
      const opened = await scanner.get(path);
      expect(opened.statusCode).toBe(200);
      expect(opened.cookies.find((c) => c.name === 'mh_session')).toBeUndefined();
      expect(opened.body).toContain(`Sign in as ${email}`);
    }
    expect(scanner.jar.has('mh_session')).toBe(false);
    const reader = browser();
    const { action, fields } = formOf(await reader.get(path));
    expect((await reader.post(action, fields)).statusCode).toBe(303);
    expect((await reader.get('/api/v1/me')).json().reader.email).toBe(email);
  });

  it('refuses the sign-in post from another site, so nobody is signed in to an account of someone else’s choosing', async () => {
    const email = `csrf-${dialect.name}@example.com`;
    await browser().send('POST', '/api/v1/auth/register', { email, password: ownerPassword });
    const path = await signInLinkFor(email);
    const token = new URL(`http://x${path}`).searchParams.get('token')!;
    for (const headers of [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }]) {
      const forged = await t.app.inject({
        method: 'POST',
        url: '/auth/link',
        payload: new URLSearchParams({ token, returnTo: '/account' }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      });
      expect(forged.statusCode, JSON.stringify(headers)).toBe(403);
      expect(forged.cookies.find((c) => c.name === 'mh_session')).toBeUndefined();
    }
    // Still unused: the owner's own press works.
    const reader = browser();
    const posted = await reader.post('/auth/link', { token, returnTo: '/account' });
    expect(posted.statusCode).toBe(303);
    expect((await reader.get('/api/v1/me')).json().reader.email).toBe(email);
  });
});
