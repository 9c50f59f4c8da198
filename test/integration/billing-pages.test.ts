import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { money } from '../../src/kernel/money.js';
import { aBrowser, siteOrigin, type Browser } from '../support/browser.js';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

const password = 'correct horse battery staple';
const cards = {
  ok: '4242424242424242',
  declined: '4000000000000002',
  // Succeeds at checkout, fails every later charge.
  failsLater: '4000000000000341',
};

const paywalled = (response: LightMyRequestResponse) => response.body.includes('id="paywall"');
/** The page's text with tags dropped and whitespace squashed, for reading sentences. */
const textOf = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ');
/** A path on the site from an absolute URL of it. */
const pathOf = (url: string | undefined) => {
  expect(url?.startsWith(siteOrigin), String(url)).toBe(true);
  return url!.slice(siteOrigin.length);
};

describe.each(dialects)('billing pages on $name', (dialect) => {
  let t: TestApp;
  let premium: string;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    premium = (await t.services.content.create(anArticle({ access: 'premium' }))).slug;
  });
  afterAll(() => t.close());

  let counter = 0;
  const anEmail = () => `billing-reader${++counter}-${dialect.name}@example.com`;

  /** Signs up inline on the subscribe form and answers the gateway's checkout page path. */
  async function startSubscribing(
    browser: Browser,
    options: { plan?: string; returnTo?: string; email?: string; fields?: Record<string, string> } = {},
  ) {
    const response = await browser.post('/subscribe', {
      plan: options.plan ?? 'smart-essential',
      returnTo: options.returnTo ?? '',
      account: 'new',
      email: options.email ?? anEmail(),
      password,
      billingName: 'Asha Rao',
      billingState: '27',
      coupon: '',
      ...options.fields,
    });
    expect(response.statusCode, response.body).toBe(303);
    const checkoutPath = pathOf(response.headers.location);
    expect(checkoutPath).toMatch(/^\/sandbox\/checkout\/cs_[0-9a-z]+$/i);
    return checkoutPath;
  }

  /** Pays on the sandbox; answers where the gateway sends the reader back to. */
  async function pay(browser: Browser, checkoutPath: string, card = cards.ok) {
    const paid = await browser.send('POST', `${checkoutPath}/pay`, { card });
    expect(paid.statusCode, paid.body).toBe(200);
    return paid.json() as { status: string; redirectUrl?: string; reason?: string };
  }

  /** The id of the checkout the reader with `email` started (one each in these tests). */
  async function checkoutOf(email: string): Promise<string> {
    const row = await t.database.db
      .selectFrom('checkouts')
      .innerJoin('accounts', 'accounts.id', 'checkouts.account_id')
      .select('checkouts.id')
      .where('accounts.email', '=', email)
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** A new reader with a paid subscription to `plan`. */
  async function aSubscriber(plan = 'smart-essential', card = cards.ok, email = anEmail()) {
    const browser = aBrowser(t.app);
    const paid = await pay(browser, await startSubscribing(browser, { plan, email }), card);
    expect(paid.status).toBe('paid');
    const back = await browser.get(pathOf(paid.redirectUrl));
    expect(back.statusCode).toBe(303);
    expect(back.headers.location).toBe('/account?billing=subscribed');
    return browser;
  }

  it('takes a signed-out reader from the paywall to paying and back to the article, unlocked', async () => {
    const browser = aBrowser(t.app);
    const article = `/article/${premium}`;
    const wall = await browser.get(article);
    expect(paywalled(wall)).toBe(true);
    const subscribeHref = `/subscribe?plan=smart-essential&amp;returnTo=${encodeURIComponent(article)}`;
    expect(wall.body).toContain(`href="${subscribeHref}"`);

    const form = await browser.get(subscribeHref.replace('&amp;', '&'));
    expect(form.statusCode).toBe(200);
    expect(form.headers['cache-control']).toBe('private, no-store');
    expect(form.body).not.toMatch(/<script/i);
    for (const part of [
      '<form method="post" action="/subscribe">',
      '<input type="hidden" name="plan" value="smart-essential"/>',
      `<input type="hidden" name="returnTo" value="${article}"/>`,
      'name="account" value="new"',
      'name="account" value="existing"',
      'name="email"',
      'name="password"',
      'name="billingName"',
      '<select id="subscribe-billingState" name="billingState"',
      '<option value="27">Maharashtra</option>',
      'name="coupon"',
    ])
      expect(form.body).toContain(part);
    const text = textOf(form.body);
    expect(text).toContain('Smart Essential : ₹2,700 for 1 year (₹225/Month)');
    expect(text).toContain('Renews automatically, cancel anytime');

    const email = anEmail();
    const checkout = await startSubscribing(browser, { returnTo: article, email });
    // Signed up on the way: the site now knows the reader.
    expect(browser.jar.has('mh_session')).toBe(true);
    const paid = await pay(browser, checkout);
    expect(paid.status).toBe('paid');
    const returnPath = pathOf(paid.redirectUrl);
    expect(returnPath).toMatch(/^\/subscribe\/return\?checkout=chk_[0-9a-z]{26}$/);

    const back = await browser.get(returnPath);
    expect(back.statusCode).toBe(303);
    expect(back.headers.location).toBe(article);
    const unlocked = await browser.get(article);
    expect(paywalled(unlocked)).toBe(false);
    expect(unlocked.body).toContain('data-granted="true"');

    // The account page: the plan, the renewal a year ahead, the card, the payment and the invoice.
    const account = await browser.get('/account');
    expect(account.statusCode).toBe(200);
    const page = textOf(account.body);
    expect(page).toContain('Smart Essential');
    expect(page).toContain('Renews on 15 November 2027 for ₹2,700');
    expect(page).toContain('Visa •••• 4242');
    expect(account.body).toContain('data-status="succeeded"');
    const invoice = /href="\/account\/invoices\/(inv_[0-9a-z]{26})">([^<]+)<\/a>/.exec(account.body);
    expect(invoice, 'an invoice link').not.toBeNull();
    const [, invoiceId, invoiceNumber] = invoice!;
    expect(account.body).toContain(`href="/account/invoices/${invoiceId}.pdf"`);
    const invoicePage = await browser.get(`/account/invoices/${invoiceId}`);
    expect(invoicePage.statusCode).toBe(200);
    expect(invoicePage.body).toContain(invoiceNumber);
    const pdf = await browser.get(`/account/invoices/${invoiceId}.pdf`);
    expect(pdf.headers['content-type']).toBe('application/pdf');

    // The receipt went out with the invoice's number and links.
    const mail = await t.services.mail.sentTo(email);
    const receipt = mail.find((message) => message.template === 'receipt');
    expect(receipt?.subject).toContain(`invoice ${invoiceNumber}`);
    expect(receipt?.text).toContain(`${siteOrigin}/account/invoices/${invoiceId}.pdf`);

    // A subscriber sees their plan on /subscribe, not a second form.
    const again = await browser.get('/subscribe?plan=super-saver');
    expect(textOf(again.body)).toContain('You subscribe to Smart Essential already.');
    expect(again.body).not.toContain('action="/subscribe"');
  });

  it('cancels in two clicks with the end date stated, and resumes', async () => {
    const browser = await aSubscriber();
    const account = await browser.get('/account?billing=subscribed');
    expect(textOf(account.body)).toContain('Welcome! Your Smart Essential subscription has started.');
    expect(account.body).toContain('href="/account/subscription/cancel"');

    const confirm = await browser.get('/account/subscription/cancel');
    expect(confirm.statusCode).toBe(200);
    expect(confirm.headers['cache-control']).toBe('private, no-store');
    expect(textOf(confirm.body)).toContain('You keep full access until 15 November 2027');
    expect(confirm.body).toContain('<form method="post" action="/account/subscription/cancel">');
    expect(confirm.body).toContain('name="reason" value="too_expensive"');
    expect(confirm.body).not.toMatch(/required/);

    // A reason that is not one of the choices is shown again, with a 4xx.
    const odd = await browser.post('/account/subscription/cancel', { reason: 'free-text' });
    expect(odd.statusCode).toBe(422);
    expect(textOf(odd.body)).toContain('Choose one of the reasons, or none');

    const cancelled = await browser.post('/account/subscription/cancel', { reason: 'too_expensive' });
    expect(cancelled.statusCode).toBe(303);
    expect(cancelled.headers.location).toBe('/account?billing=canceled');
    const after = textOf((await browser.get('/account?billing=canceled')).body);
    expect(after).toContain('Your subscription ends on 15 November 2027.');
    expect(after).toContain('Ends on 15 November 2027');
    expect(after).toContain('Resume subscription');
    expect(after).not.toContain('Renews on');

    const resumed = await browser.post('/account/subscription/resume');
    expect(resumed.statusCode).toBe(303);
    expect(resumed.headers.location).toBe('/account?billing=resumed');
    const back = textOf((await browser.get('/account?billing=resumed')).body);
    expect(back).toContain('Your subscription is back on: it renews on 15 November 2027.');
    expect(back).toContain('Renews on 15 November 2027 for ₹2,700');

    // Resuming twice says why not, and changes nothing.
    const twice = await browser.post('/account/subscription/resume');
    expect(twice.statusCode).toBe(409);
  });

  it('asks a subscriber to cancel before deleting their account', async () => {
    const browser = await aSubscriber();
    const refused = await browser.post('/account/delete', { confirm: 'yes' });
    expect(refused.statusCode).toBe(409);
    expect(textOf(refused.body)).toContain('Cancel your subscription before deleting your account.');
    expect(textOf(refused.body)).toContain('Renews on 15 November 2027');
    expect(browser.jar.has('mh_session')).toBe(true);
  });

  it('skipping the question cancels just the same', async () => {
    const browser = await aSubscriber();
    const cancelled = await browser.post('/account/subscription/cancel');
    expect(cancelled.headers.location).toBe('/account?billing=canceled');
    expect(textOf((await browser.get('/account?billing=canceled')).body)).toContain(
      'Your subscription ends on 15 November 2027.',
    );
    // The confirmation page of a subscription already cancelled is the account page.
    expect((await browser.get('/account/subscription/cancel')).headers.location).toBe(
      '/account?billing=canceled',
    );
  });

  it('leaves a reader whose card was declined without a subscription', async () => {
    const browser = aBrowser(t.app);
    const article = `/article/${premium}`;
    const email = anEmail();
    const checkout = await startSubscribing(browser, { returnTo: article, email });
    const declined = await pay(browser, checkout, cards.declined);
    expect(declined.status).toBe('declined');

    // Back on the site before the checkout closes: the page waits for the gateway, without script.
    const waiting = await browser.get(`/subscribe/return?checkout=${await checkoutOf(email)}`);
    expect(waiting.statusCode).toBe(200);
    expect(waiting.body).toContain('<meta http-equiv="refresh" content="2"/>');
    expect(waiting.body).toContain('Confirming your payment…');
    expect(waiting.body).not.toMatch(/<script/i);

    expect(paywalled(await browser.get(article))).toBe(true);
    expect(textOf((await browser.get('/account')).body)).toContain('You do not subscribe yet.');
    expect((await browser.get('/api/v1/subscription')).json()).toEqual({ subscription: null });
  });

  it('says why a checkout failed and links back to the plan', async () => {
    const browser = aBrowser(t.app);
    const article = `/article/${premium}`;
    const email = anEmail();
    await startSubscribing(browser, { returnTo: article, plan: 'super-saver', email });
    const id = await checkoutOf(email);
    const start = t.clock.now().toISOString();
    t.clock.set(new Date(Date.parse(start) + 2 * 60 * 60_000).toISOString());
    try {
      const expired = await browser.get(`/subscribe/return?checkout=${id}`);
      expect(expired.statusCode).toBe(200);
      expect(textOf(expired.body)).toContain('The checkout expired before it was paid.');
      expect(expired.body).toContain(
        `href="/subscribe?plan=super-saver&amp;returnTo=${encodeURIComponent(article)}"`,
      );
    } finally {
      t.clock.set(start);
    }
  });

  it('shows the return page to the checkout’s owner only', async () => {
    const owner = aBrowser(t.app);
    const email = anEmail();
    await startSubscribing(owner, { email });
    const id = await checkoutOf(email);
    const stranger = aBrowser(t.app);
    expect((await stranger.get(`/subscribe/return?checkout=${id}`)).statusCode).toBe(404);
    await stranger.post('/register', { name: 'Ben', email: anEmail(), password, returnTo: '/account' });
    expect((await stranger.get(`/subscribe/return?checkout=${id}`)).statusCode).toBe(404);
    expect((await owner.get('/subscribe/return?checkout=nonsense')).statusCode).toBe(404);
    expect((await owner.get(`/subscribe/return?checkout=${id}`)).statusCode).toBe(200);
  });

  it('shows the form again with what was typed and a 4xx when something is wrong', async () => {
    const browser = aBrowser(t.app);
    const base = {
      plan: 'smart-quarterly',
      returnTo: '/article/x',
      account: 'new',
      email: 'not-an-email',
      password,
      billingName: 'Asha <b>Rao</b>',
      billingState: '27',
      coupon: '',
    };
    const badEmail = await browser.post('/subscribe', base);
    expect(badEmail.statusCode).toBe(422);
    expect(badEmail.body).toContain('Email: expected an email address');
    expect(badEmail.body).toContain('value="not-an-email"');
    expect(badEmail.body).toMatch(/id="subscribe-email" name="email" aria-invalid="true"/);
    expect(badEmail.body).toContain('value="Asha &lt;b>Rao&lt;/b>"');
    expect(badEmail.body).toContain('<option value="27" selected>Maharashtra</option>');
    expect(badEmail.body).not.toContain(password);
    expect(browser.jar.has('mh_session')).toBe(false);

    const badState = await browser.post('/subscribe', { ...base, email: anEmail(), billingState: '99' });
    expect(badState.statusCode).toBe(422);
    expect(badState.body).toContain('State: choose one from the list, or leave it blank.');

    const weak = await browser.post('/subscribe', { ...base, email: anEmail(), password: 'short' });
    expect(weak.statusCode).toBe(422);
    expect(weak.body).toMatch(/Password: /);

    const email = anEmail();
    const wrongPassword = await browser.post('/subscribe', {
      ...base,
      email,
      account: 'existing',
      password: 'not the password',
    });
    expect(wrongPassword.statusCode).toBe(401);
    expect(wrongPassword.body).toContain('name="account" value="existing" checked');

    const unknownPlan = await browser.post('/subscribe', { ...base, plan: 'no-such-plan', email });
    expect(unknownPlan.statusCode).toBe(422);
    expect(unknownPlan.body).toContain('That plan is not on offer.');

    // A bad coupon: the coupon service's own sentence; the reader is signed up all the same.
    const badCoupon = await browser.post('/subscribe', { ...base, email, coupon: 'NOPE10' });
    expect(badCoupon.statusCode).toBe(422);
    expect(textOf(badCoupon.body)).toContain('There is no code “NOPE10”. Check it and try again.');
    expect(badCoupon.body).toMatch(/id="subscribe-coupon" name="coupon" aria-invalid="true"/);
    expect(badCoupon.body).toContain('value="NOPE10"');
    expect(browser.jar.has('mh_session')).toBe(true);
    // Signed in now: no account fields, the billing fields as typed.
    expect(badCoupon.body).not.toContain('name="password"');
    expect(badCoupon.body).toContain('value="Asha &lt;b>Rao&lt;/b>"');

    const crossSite = await t.app.inject({
      method: 'POST',
      url: '/subscribe',
      payload: new URLSearchParams(base).toString(),
      headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(crossSite.statusCode).toBe(403);
  });

  it('tells a subscriber who tries to subscribe again where their subscription is', async () => {
    const browser = await aSubscriber();
    const again = await browser.post('/subscribe', {
      plan: 'super-saver',
      returnTo: '',
      billingName: 'Asha',
      billingState: '',
      coupon: '',
    });
    expect(again.statusCode).toBe(409);
    expect(textOf(again.body)).toContain('You subscribe to Smart Essential already.');
    expect(again.body).toContain('href="/account">Manage your subscription</a>');
    expect(again.body).not.toContain('action="/subscribe"');
  });

  it('previews and makes an upgrade now and a downgrade at the renewal', async () => {
    const browser = await aSubscriber('smart-quarterly');
    const change = await browser.get('/account/subscription/change');
    expect(change.statusCode).toBe(200);
    const options = textOf(change.body);
    // Paid ₹900 for three months this very moment: all of it is credited.
    expect(options).toContain(
      'Starts now: charged ₹1,800 now, with ₹900 credited for the unused part of your current plan.',
    );
    expect(options).toContain('Starts now: charged ₹3,000 now, with ₹900 credited');
    expect(change.body).not.toContain('data-plan="smart-quarterly"');

    const upgraded = await browser.post('/account/subscription/change', { plan: 'smart-essential' });
    expect(upgraded.statusCode).toBe(303);
    expect(upgraded.headers.location).toBe('/account?billing=changed');
    const account = textOf((await browser.get('/account?billing=changed')).body);
    expect(account).toContain('You are now on Smart Essential.');
    expect(account).toContain('Renews on 15 November 2027 for ₹2,700');

    const down = await browser.get('/account/subscription/change');
    expect(textOf(down.body)).toContain('Starts at your next renewal, on 15 November 2027');
    const scheduled = await browser.post('/account/subscription/change', { plan: 'smart-quarterly' });
    expect(scheduled.headers.location).toBe('/account?billing=change_scheduled');
    expect(textOf((await browser.get('/account?billing=change_scheduled')).body)).toContain(
      'Your plan changes to Smart Quarterly on 15 November 2027.',
    );

    const keep = await browser.get('/account/subscription/change');
    expect(keep.body).toContain('data-kind="keep"');
    const kept = await browser.post('/account/subscription/change', { plan: 'smart-essential' });
    expect(kept.headers.location).toBe('/account?billing=change_kept');
    expect(textOf((await browser.get('/account?billing=change_kept')).body)).toContain(
      'You stay on Smart Essential.',
    );

    const nonsense = await browser.post('/account/subscription/change', { plan: 'no-such-plan' });
    expect(nonsense.statusCode).toBe(422);
  });

  it('shows why a declined upgrade was not made', async () => {
    const browser = await aSubscriber('smart-quarterly', cards.failsLater);
    const declined = await browser.post('/account/subscription/change', { plan: 'super-saver' });
    expect(declined.statusCode).toBe(402);
    expect(textOf(declined.body)).toContain('The upgrade was not charged');
    expect(textOf((await browser.get('/account')).body)).toContain('Smart Quarterly');
  });

  it('shows an overdue renewal, and takes a new card that pays it', async () => {
    const email = anEmail();
    const browser = await aSubscriber('smart-quarterly', cards.failsLater, email);
    const start = t.clock.now().toISOString();
    try {
      // The pre-debit notice three days ahead, then the renewal charge, which fails.
      t.clock.set('2027-02-12T06:00:00.000Z');
      await t.services.billing.runSweep();
      t.clock.set('2027-02-15T06:00:00.000Z');
      await t.services.billing.runSweep();
      // Three months on, the web session has lapsed: the reader signs in again.
      expect((await browser.post('/login', { email, password, returnTo: '/account' })).statusCode).toBe(303);

      const account = await browser.get('/account');
      const page = textOf(account.body);
      expect(page).toContain('Payment overdue');
      expect(page).toContain(
        'Your last payment did not go through. We will try again on 16 February 2027. You keep access until 22 February 2027.',
      );
      expect(page).toContain('Visa •••• 0341');
      expect(account.body).toContain('data-status="failed"');
      expect(account.body).toMatch(
        /<form method="post" action="\/account\/payment-method" class="button-form"><button type="submit" class="button">Update payment method<\/button>/,
      );

      // The reader was told before the charge, and after it failed, with the dates that matter.
      const mail = await t.services.mail.sentTo(email);
      const reminder = mail.find((message) => message.template === 'renewal-reminder');
      expect(reminder?.subject).toBe(
        'The Daily Ledger: ₹900 will be charged on 15 February 2027 for Smart Quarterly',
      );
      const failed = mail.find((message) => message.template === 'payment-failed');
      expect(failed?.text).toContain(
        'We will try again on 16 February 2027. You keep access until 22 February 2027.',
      );
      expect(failed?.text).toContain(`${siteOrigin}/account/payment-method`);

      // Where the failed-payment mail's link lands: one button, as saving a card is a POST.
      const landing = await browser.get('/account/payment-method');
      expect(landing.statusCode).toBe(200);
      expect(landing.body).toContain('<form method="post" action="/account/payment-method"');
      expect(textOf(landing.body)).toContain('Your last payment did not go through.');

      const started = await browser.post('/account/payment-method');
      expect(started.statusCode).toBe(303);
      const checkout = pathOf(started.headers.location);
      expect(checkout).toMatch(/^\/sandbox\/checkout\/cs_/);
      const paid = await pay(browser, checkout, cards.ok);
      expect(paid.status).toBe('paid');
      const back = await browser.get(pathOf(paid.redirectUrl));
      expect(back.headers.location).toBe('/account?billing=card_saved');
      const after = textOf((await browser.get('/account?billing=card_saved')).body);
      expect(after).toContain('Your new card (Visa •••• 4242) is saved for future renewals.');
      // The overdue renewal was tried again with it at once.
      expect(after).not.toContain('Payment overdue');
      expect(after).toContain('Renews on 15 May 2027 for ₹900');
    } finally {
      t.clock.set(start);
    }
  });

  it('sends signed-out readers to sign in, and lists plans on /subscribe as the reference does', async () => {
    const browser = aBrowser(t.app);
    for (const path of [
      '/account/subscription/cancel',
      '/account/subscription/change',
      '/account/payment-method',
    ]) {
      const response = await browser.get(path);
      expect(response.statusCode, path).toBe(303);
      expect(response.headers.location).toBe(`/login?returnTo=${path}`);
    }
    const plans = await browser.get('/subscribe');
    expect(plans.statusCode).toBe(200);
    const shown = [
      ...plans.body.matchAll(
        /<h3 class="plan-name">([^<]+)<\/h3><p class="plan-price"><span class="amount">([^<]+)<\/span> <span class="term">for ([^<]+)<\/span><\/p><p class="plan-per-month">([^<]+)<\/p>/g,
      ),
    ].map((m) => m.slice(1));
    expect(shown).toEqual([
      ['Smart Quarterly', '₹900', '3 months', '₹300/Month'],
      ['Smart Essential', '₹2,700', '1 year', '₹225/Month'],
      ['Super Saver', '₹3,900', '2 years', '₹162/Month'],
    ]);
    expect(plans.body).toContain('Renews automatically, cancel anytime');
    for (const benefit of [
      'E-paper',
      'Curated newsletters',
      'Archives',
      'Ad-free reading',
      'Seamless access across all devices',
    ])
      expect(plans.body).toContain(benefit);
    expect(plans.body).not.toContain('action="/subscribe"');
    const canceled = await browser.get('/subscribe?plan=smart-essential&checkout=canceled');
    expect(textOf(canceled.body)).toContain('You left the payment page, and nothing was charged.');
    expect((await browser.get('/subscribe?plan=no-such-plan')).statusCode).toBe(404);
  });
});

describe.each(dialects)('a plan with a free trial, on $name', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    await t.services.plans.create({
      slug: 'digital-monthly',
      name: 'Digital Monthly',
      term: { unit: 'month', count: 1 },
      prices: [money(29_900, 'INR')],
      benefits: ['premium-stories'],
      trialDays: 14,
    });
  });
  afterAll(() => t.close());

  it('offers the trial, saves a card without charging, and says when the first charge comes', async () => {
    const browser = aBrowser(t.app);
    const offer = textOf((await browser.get('/subscribe?plan=digital-monthly')).body);
    expect(offer).toContain('14-day free trial for new subscribers');
    expect(offer).toContain('New subscribers start with a 14-day free trial: nothing is charged today');

    const email = `trial-${dialect.name}@example.com`;
    const started = await browser.post('/subscribe', {
      plan: 'digital-monthly',
      returnTo: '',
      account: 'new',
      email,
      password,
      billingName: 'Asha',
      billingState: '',
      coupon: '',
    });
    expect(started.statusCode).toBe(303);
    const checkout = pathOf(started.headers.location);
    expect(textOf((await browser.get(checkout)).body)).toContain(
      'Digital Monthly — 1 month, 14-day free trial',
    );
    const paid = await browser.send('POST', `${checkout}/pay`, { card: '4242424242424242' });
    expect(paid.json()).toMatchObject({ status: 'paid' });
    const back = await browser.get(pathOf(paid.json().redirectUrl));
    expect(back.headers.location).toBe('/account?billing=subscribed');

    const account = textOf((await browser.get('/account')).body);
    expect(account).toContain('Free trial');
    expect(account).toContain('Until 29 November 2026');
    expect(account).toContain('First charge on 29 November 2026 for ₹299');
    // Nothing was taken: no payment, no invoice.
    expect(account).not.toContain('First payment');

    const mail = await t.services.mail.sentTo(email);
    const trial = mail.find((message) => message.template === 'trial-started');
    expect(trial?.text).toContain('The trial ends on 29 November 2026.');
    expect(trial?.text).toContain('your card is charged ₹299');
  });
});

describe.each(dialects)('billing mail over SMTP, on $name', (dialect) => {
  let smtp: TestSmtpServer;
  let t: TestApp;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await buildTestApp(dialect, { env: { SMTP_URL: `smtp://user:secret@127.0.0.1:${smtp.port}` } });
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('keeps billing links in the delivery log: they are not secrets', async () => {
    const { id } = await t.services.mail.send({
      to: 'asha@news.example',
      template: 'payment-failed',
      variables: {
        reader_name: 'Asha',
        plan_name: 'Smart Essential',
        amount: '₹2,700',
        reason: 'Your card was declined.',
        retry_on: '16 November 2027',
        access_until: '22 November 2027',
        payment_method_link: 'https://news.example/account/payment-method',
      },
    });
    const delivered = smtp.received.at(-1)?.mail;
    expect(delivered?.subject).toBe('Action needed: we could not renew your Smart Essential subscription');
    expect(delivered?.text).toContain('We will try again on 16 November 2027');
    const logged = await t.services.mail.get(id);
    expect(logged?.sentAt).not.toBeNull();
    expect(logged?.text).toContain('https://news.example/account/payment-method');
    expect(logged?.text).not.toContain('withheld');
  });
});
