import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aBrowser, siteOrigin, type Browser } from '../support/browser.js';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

const password = 'correct horse battery staple';
const cards = { ok: '4242424242424242', declined: '4000000000000002' };

const paywalled = (response: LightMyRequestResponse) => response.body.includes('id="paywall"');
const decode = (value: string) => value.replaceAll('&amp;', '&').replaceAll('&quot;', '"');
/** The target of the first link whose text is `text` (tags inside it dropped). */
function linkTo(html: string, text: string): string {
  for (const match of html.matchAll(/<a\b[^>]*?href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/g)) {
    if (match[2]!.replace(/<[^>]+>/g, '').trim() === text) return decode(match[1]!);
  }
  throw new Error(`no link "${text}"`);
}
/** The paywall's (or the plan list's) link to the form of `plan`. */
function planLink(html: string, plan: string): string {
  const href = new RegExp(`href="(/subscribe\\?plan=${plan}[^"]*)"`).exec(html)?.[1];
  if (!href) throw new Error(`no link to the ${plan} plan`);
  return decode(href);
}
const hiddenReturnTo = (html: string) =>
  /<input type="hidden" name="returnTo" value="([^"]*)"/.exec(html)?.[1];
const pathOf = (url: string | undefined) => {
  expect(url?.startsWith(siteOrigin), String(url)).toBe(true);
  return url!.slice(siteOrigin.length);
};

/**
 * The article a reader set out to read survives every detour on the way to paying for it:
 * leaving the gateway's page, a declined card, signing in on the way, choosing another plan.
 */
describe.each(dialects)('the way back to the article, on $name', (dialect) => {
  let t: TestApp;
  let article: string;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    article = `/article/${(await t.services.content.create(anArticle({ access: 'premium' }))).slug}`;
  });
  afterAll(() => t.close());

  let counter = 0;
  const anEmail = () => `detour${++counter}-${dialect.name}@example.com`;

  /** Posts the subscribe form as the page shows it; answers the gateway's checkout path. */
  async function continueToPayment(browser: Browser, form: string, fields: Record<string, string> = {}) {
    const response = await browser.post('/subscribe', {
      plan: /<input type="hidden" name="plan" value="([^"]*)"/.exec(form)![1]!,
      returnTo: decode(hiddenReturnTo(form)!),
      billingName: 'Asha Rao',
      billingState: '',
      coupon: '',
      ...fields,
    });
    expect(response.statusCode, response.body).toBe(303);
    return pathOf(response.headers.location);
  }

  async function payAndReturn(browser: Browser, checkoutPath: string) {
    const paid = await browser.send('POST', `${checkoutPath}/pay`, { card: cards.ok });
    expect(paid.json()).toMatchObject({ status: 'paid' });
    const back = await browser.get(pathOf((paid.json() as { redirectUrl: string }).redirectUrl));
    expect(back.statusCode).toBe(303);
    return back.headers.location;
  }

  it('comes back to the article after a declined card and "Cancel and return" on the gateway', async () => {
    const browser = aBrowser(t.app);
    const wall = await browser.get(article);
    expect(paywalled(wall)).toBe(true);
    const form = await browser.get(planLink(wall.body, 'smart-essential'));
    const checkout = await continueToPayment(browser, form.body, {
      account: 'new',
      email: anEmail(),
      password,
    });
    const declined = await browser.send('POST', `${checkout}/pay`, { card: cards.declined });
    expect(declined.json()).toMatchObject({ status: 'declined' });

    const gateway = await browser.get(checkout);
    const cancel = pathOf(linkTo(gateway.body, 'Cancel and return'));
    const again = await browser.get(cancel);
    expect(again.statusCode).toBe(200);
    expect(again.body).toContain('You left the payment page, and nothing was charged.');
    expect(hiddenReturnTo(again.body)).toBe(article);

    expect(await payAndReturn(browser, await continueToPayment(browser, again.body))).toBe(article);
    expect(paywalled(await browser.get(article))).toBe(false);
  });

  it('comes back to the article after signing in from the subscribe form', async () => {
    const email = anEmail();
    await aBrowser(t.app).post('/register', { name: 'Ben', email, password, returnTo: '/account' });

    const browser = aBrowser(t.app);
    const wall = await browser.get(article);
    const form = await browser.get(planLink(wall.body, 'smart-essential'));
    // Both ways to sign in (the form's own link and the header's) lead back to this form.
    for (const signIn of [linkTo(form.body, 'Sign in first'), linkTo(form.body, 'Sign in')]) {
      const login = await browser.get(signIn);
      expect(login.statusCode).toBe(200);
      const returnTo = decode(hiddenReturnTo(login.body)!);
      expect(new URL(returnTo, siteOrigin).searchParams.get('returnTo')).toBe(article);
    }
    const login = await browser.get(linkTo(form.body, 'Sign in first'));
    const signedIn = await browser.post('/login', {
      email,
      password,
      returnTo: decode(hiddenReturnTo(login.body)!),
    });
    expect(signedIn.statusCode).toBe(303);
    const back = await browser.get(signedIn.headers.location!);
    expect(hiddenReturnTo(back.body)).toBe(article);
    expect(await payAndReturn(browser, await continueToPayment(browser, back.body))).toBe(article);
  });

  it('comes back to the article after choosing another plan on the way', async () => {
    const browser = aBrowser(t.app);
    const wall = await browser.get(article);
    const form = await browser.get(planLink(wall.body, 'smart-essential'));
    const other = planLink(form.body, 'super-saver');
    expect(new URL(other, siteOrigin).searchParams.get('returnTo')).toBe(article);
    const switched = await browser.get(other);
    expect(hiddenReturnTo(switched.body)).toBe(article);
    const checkout = await continueToPayment(browser, switched.body, {
      account: 'new',
      email: anEmail(),
      password,
    });
    expect(await payAndReturn(browser, checkout)).toBe(article);
  });
});

/** A subscriber is never asked to subscribe, and is welcomed once on the page they paid for. */
describe.each(dialects)('a new subscriber, on $name', (dialect) => {
  let t: TestApp;
  let article: string;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    article = `/article/${(await t.services.content.create(anArticle({ access: 'premium' }))).slug}`;
  });
  afterAll(() => t.close());

  const subscribeLink = '<a class="subscribe-link" href="/subscribe">';
  const welcome = "Welcome, you're subscribed";
  const header = (html: string) => /<header[\s\S]*?<\/header>/.exec(html)?.[0] ?? '';
  const text = (html: string) => html.replace(/<[^>]+>/g, ' ').replaceAll('&#39;', "'");

  it('sees their account instead of Subscribe, and a welcome on the first unlocked page only', async () => {
    const browser = aBrowser(t.app);
    const wall = await browser.get(article);
    expect(header(wall.body)).toContain(subscribeLink);
    const form = await browser.get(planLink(wall.body, 'smart-essential'));
    const checkout = await browser.post('/subscribe', {
      plan: 'smart-essential',
      returnTo: decode(hiddenReturnTo(form.body)!),
      account: 'new',
      email: `welcome-${dialect.name}@example.com`,
      password,
      billingName: 'Asha Rao',
      billingState: '',
      coupon: '',
    });
    const paid = await browser.send('POST', `${pathOf(checkout.headers.location)}/pay`, { card: cards.ok });
    const back = await browser.get(pathOf((paid.json() as { redirectUrl: string }).redirectUrl));
    expect(back.headers.location).toBe(article);

    // A signed-in reader without a subscription, and a stranger, read the same story meanwhile:
    // neither is welcomed, and both are still offered a subscription.
    const stranger = aBrowser(t.app);
    const signedIn = aBrowser(t.app);
    await signedIn.post('/register', { name: 'Ben', email: `ben-${dialect.name}@example.com`, password });
    for (const other of [stranger, signedIn]) {
      const page = await other.get(article);
      expect(header(page.body)).toContain(subscribeLink);
      expect(text(page.body)).not.toContain(welcome);
    }

    const first = await browser.get(article);
    expect(first.body).toContain('data-granted="true"');
    expect(text(first.body)).toContain(welcome);
    expect(header(first.body)).not.toContain(subscribeLink);
    expect(header(first.body)).toContain('<a class="account-link" href="/account">Account</a>');

    // Once: the next page (this story again, or another) says nothing more.
    for (const path of [article, '/', '/archive']) {
      const page = await browser.get(path);
      expect(text(page.body), path).not.toContain(welcome);
      expect(header(page.body), path).not.toContain(subscribeLink);
    }
    // Nor do their account pages offer a subscription.
    for (const path of ['/account', '/account/invoices', '/subscribe']) {
      const page = await browser.get(path);
      expect(page.statusCode, path).toBe(200);
      expect(header(page.body), path).not.toContain(subscribeLink);
    }
    // The stranger's and the non-subscriber's pages are still their own, cached or not.
    for (const other of [stranger, signedIn]) {
      const page = await other.get(article);
      expect(header(page.body)).toContain(subscribeLink);
      expect(text(page.body)).not.toContain(welcome);
    }
  });
});
