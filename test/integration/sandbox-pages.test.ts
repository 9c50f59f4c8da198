import fastifyFormbody from '@fastify/formbody';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { fixedClock } from '../../src/kernel/clock.js';
import { money } from '../../src/kernel/money.js';
import {
  createSandboxProcessor,
  sandboxRoutes,
  type CreateSessionInput,
  type SandboxProcessor,
} from '../../src/modules/payments/index.js';
import { registerErrorHandling } from '../../src/web/errors.js';
import { dialects } from '../support/databases.js';

const start = '2026-11-15T06:00:00.000Z';
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const successUrl = 'https://news.example/subscribe/done?checkout=chk_1';
const cancelUrl = 'https://news.example/subscribe?plan=digital';

function aSession(overrides: Partial<CreateSessionInput> = {}): CreateSessionInput {
  return {
    mode: 'payment',
    amount: money(270_000, 'INR'),
    description: 'Digital — 1 year',
    customerRef: 'acc_reader',
    reference: 'chk_1',
    successUrl,
    cancelUrl,
    ...overrides,
  };
}

describe.each(dialects)('sandbox hosted pages on $name', (dialect) => {
  let database: DatabaseHandle;
  let processor: SandboxProcessor;
  let app: FastifyInstance;
  const clock = fixedClock(start);

  beforeAll(async () => {
    database = await dialect.open();
    processor = createSandboxProcessor({ db: database.db, clock });
    app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    registerErrorHandling(app);
    await app.register(fastifyFormbody);
    await app.register(sandboxRoutes, { processor });
    await app.ready();
  });
  afterAll(async () => {
    await app.close();
    await database.destroy();
  });

  const newSession = async (overrides: Partial<CreateSessionInput> = {}) =>
    (await processor.createSession(aSession(overrides))).id;
  const page = (id: string) => `/sandbox/checkout/${id}`;

  it('shows what is paid for, the amount, the card form, the test cards and the way back', async () => {
    const id = await newSession();
    const response = await app.inject({ method: 'GET', url: page(id) });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-store');
    const html = response.body;
    expect(html).toContain('Sandbox — test payments, no real money is taken');
    expect(html).toContain('Digital — 1 year');
    expect(html).toContain('₹2,700');
    expect(html).toContain(`<form method="post" action="/sandbox/checkout/${id}">`);
    for (const field of ['number', 'expiry', 'cvc', 'name']) expect(html).toContain(`name="${field}"`);
    expect(html).toContain('4242 4242 4242 4242');
    expect(html).toContain('4000 0027 6000 3184');
    expect(html).toContain(`href="${cancelUrl.replace('&', '&amp;')}">Cancel and return</a>`);
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/ style=/i);
  });

  it('serves its own stylesheet', async () => {
    const response = await app.inject({ method: 'GET', url: '/sandbox/assets/sandbox.css' });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(response.body).toContain('.sandbox-banner');
  });

  it('answers an unknown session with a 404 page', async () => {
    const response = await app.inject({ method: 'GET', url: page('cs_unknown') });
    expect(response.statusCode).toBe(404);
    expect(response.body).toContain('Checkout not found');
    expect(response.body).toContain('no real money is taken');
  });

  it('pays from the form and sends the payer to the success URL', async () => {
    const id = await newSession();
    const response = await app.inject({
      method: 'POST',
      url: page(id),
      headers: form,
      payload: 'number=4242+4242+4242+4242&expiry=12%2F30&cvc=123&name=A+Reader',
    });
    expect(response.statusCode).toBe(303);
    expect(response.headers.location).toBe(successUrl);
    expect(await processor.retrieveSession(id)).toMatchObject({ status: 'paid' });
    const after = await app.inject({ method: 'GET', url: page(id) });
    expect(after.body).toContain('This checkout is complete');
    expect(after.body).not.toContain('name="number"');
  });

  it('shows the form again with the error and what was typed when the card is declined', async () => {
    const id = await newSession();
    const response = await app.inject({
      method: 'POST',
      url: page(id),
      headers: form,
      payload: 'number=4000000000000002&expiry=12%2F30&cvc=123&name=A+Reader',
    });
    expect(response.statusCode).toBe(402);
    expect(response.body).toContain('Your card was declined.');
    expect(response.body).toContain('value="4000000000000002"');
    expect(response.body).toContain('value="12/30"');
    expect(response.body).toContain('value="A Reader"');
    expect(response.body).not.toContain('value="123"');
    expect(await processor.retrieveSession(id)).toMatchObject({ status: 'open' });
  });

  it('answers a typing mistake with 422 and says what is wrong', async () => {
    const id = await newSession();
    const wrongNumber = await app.inject({
      method: 'POST',
      url: page(id),
      headers: form,
      payload: 'number=4242424242424241&expiry=12%2F30&cvc=123',
    });
    expect(wrongNumber.statusCode).toBe(422);
    expect(wrongNumber.body).toContain('Your card number is incorrect.');
    const expired = await app.inject({
      method: 'POST',
      url: page(id),
      headers: form,
      payload: 'number=4242424242424242&expiry=10%2F26&cvc=123',
    });
    expect(expired.statusCode).toBe(422);
    expect(expired.body).toContain('Your card has expired.');
    const empty = await app.inject({ method: 'POST', url: page(id), headers: form, payload: '' });
    expect(empty.statusCode).toBe(422);
    expect(await processor.retrieveSession(id)).toMatchObject({ status: 'open' });
  });

  it('refuses to pay a paid session again, showing that it is complete', async () => {
    const id = await newSession();
    await processor.pay(id, { number: '4242424242424242' });
    const response = await app.inject({
      method: 'POST',
      url: page(id),
      headers: form,
      payload: 'number=4242424242424242&expiry=12%2F30&cvc=123',
    });
    expect(response.statusCode).toBe(409);
    expect(response.body).toContain('This checkout is complete');
  });

  it('takes the 3184 card through the authentication page, approved', async () => {
    const id = await newSession();
    const paid = await app.inject({
      method: 'POST',
      url: page(id),
      headers: form,
      payload: 'number=4000+0027+6000+3184&expiry=12%2F30&cvc=123',
    });
    expect(paid.statusCode).toBe(303);
    expect(paid.headers.location).toBe(`${page(id)}/authenticate`);
    const challenge = await app.inject({ method: 'GET', url: `${page(id)}/authenticate` });
    expect(challenge.statusCode).toBe(200);
    expect(challenge.headers['cache-control']).toBe('no-store');
    expect(challenge.body).toContain('Complete authentication');
    expect(challenge.body).toContain('Fail authentication');
    expect(challenge.body).toContain('Visa •••• 3184');
    const approved = await app.inject({
      method: 'POST',
      url: `${page(id)}/authenticate`,
      headers: form,
      payload: 'outcome=approve',
    });
    expect(approved.statusCode).toBe(303);
    expect(approved.headers.location).toBe(successUrl);
    expect(await processor.retrieveSession(id)).toMatchObject({ status: 'paid' });
    // Nothing left to authenticate: back to the checkout page.
    const again = await app.inject({ method: 'GET', url: `${page(id)}/authenticate` });
    expect(again.statusCode).toBe(303);
    expect(again.headers.location).toBe(page(id));
  });

  it('takes the 3184 card through the authentication page, failed, back to the form with the reason', async () => {
    const id = await newSession();
    await processor.pay(id, { number: '4000002760003184' });
    const pending = await app.inject({ method: 'GET', url: page(id) });
    expect(pending.body).toContain('waiting for authentication');
    expect(pending.body).toContain(`href="${page(id)}/authenticate"`);
    const failed = await app.inject({
      method: 'POST',
      url: `${page(id)}/authenticate`,
      headers: form,
      payload: 'outcome=fail',
    });
    expect(failed.statusCode).toBe(303);
    expect(failed.headers.location).toBe(page(id));
    const form2 = await app.inject({ method: 'GET', url: page(id) });
    expect(form2.body).toContain('authentication failed');
    expect(form2.body).toContain('name="number"');
  });

  it('shows an expired session as closed, with the way back', async () => {
    const id = await newSession();
    clock.set('2026-11-15T07:00:00.000Z');
    try {
      const response = await app.inject({ method: 'GET', url: page(id) });
      expect(response.body).toContain('This checkout has expired');
      expect(response.body).not.toContain('name="number"');
    } finally {
      clock.set(start);
    }
  });

  describe('JSON automation', () => {
    const pay = (id: string, payload: unknown) =>
      app.inject({ method: 'POST', url: `${page(id)}/pay`, payload: payload as Record<string, unknown> });

    it('pays with a test card number', async () => {
      const id = await newSession();
      const response = await pay(id, { card: '4242424242424242' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'paid', redirectUrl: successUrl });
      expect(await processor.retrieveSession(id)).toMatchObject({ status: 'paid' });
    });

    it('reports a decline, checking expiry and CVC when given', async () => {
      const id = await newSession();
      expect((await pay(id, { card: '4000 0000 0000 0002' })).json()).toEqual({
        status: 'declined',
        code: 'card_declined',
        reason: 'Your card was declined.',
      });
      expect((await pay(id, { card: '4242424242424242', expiry: '10/26' })).json()).toMatchObject({
        status: 'declined',
        code: 'expired_card',
      });
      expect((await pay(id, { card: '4242424242424242', cvc: '12' })).json()).toMatchObject({
        status: 'declined',
        code: 'invalid_cvc',
      });
    });

    it('authenticates with a JSON outcome', async () => {
      const id = await newSession();
      expect((await pay(id, { card: '4000002760003184' })).json()).toEqual({
        status: 'requires_action',
        redirectUrl: `${page(id)}/authenticate`,
      });
      const failed = await app.inject({
        method: 'POST',
        url: `${page(id)}/authenticate`,
        payload: { outcome: 'fail' },
      });
      expect(failed.statusCode).toBe(200);
      expect(failed.json()).toMatchObject({ status: 'declined', code: 'authentication_failed' });
      await pay(id, { card: '4000002760003184' });
      const approved = await app.inject({
        method: 'POST',
        url: `${page(id)}/authenticate`,
        payload: { outcome: 'approve' },
      });
      expect(approved.json()).toEqual({ status: 'paid', redirectUrl: successUrl });
      const late = await app.inject({
        method: 'POST',
        url: `${page(id)}/authenticate`,
        payload: { outcome: 'approve' },
      });
      expect(late.statusCode).toBe(409);
      expect(late.json()).toEqual({ error: { code: 'conflict', message: 'This checkout is already paid.' } });
    });

    it('answers bad input, unknown and closed sessions with JSON errors', async () => {
      const id = await newSession();
      const missing = await pay(id, { number: '4242424242424242' });
      expect(missing.statusCode).toBe(422);
      expect(missing.headers['content-type']).toMatch(/^application\/json/);
      expect(missing.json()).toMatchObject({ error: { code: 'validation_failed' } });
      expect(missing.json().error.message).toContain('card');

      const malformed = await app.inject({
        method: 'POST',
        url: `${page(id)}/pay`,
        headers: { 'content-type': 'application/json' },
        payload: '{"card":',
      });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json()).toMatchObject({ error: { code: 'bad_request' } });

      const badOutcome = await app.inject({
        method: 'POST',
        url: `${page(id)}/authenticate`,
        payload: { outcome: 'maybe' },
      });
      expect(badOutcome.statusCode).toBe(422);
      expect(badOutcome.json()).toMatchObject({ error: { code: 'validation_failed' } });

      const unknown = await pay('cs_unknown', { card: '4242424242424242' });
      expect(unknown.statusCode).toBe(404);
      expect(unknown.json()).toEqual({ error: { code: 'not_found', message: 'There is no such checkout.' } });

      await pay(id, { card: '4242424242424242' });
      const twice = await pay(id, { card: '4242424242424242' });
      expect(twice.statusCode).toBe(409);
      expect(twice.json()).toMatchObject({ error: { code: 'conflict' } });
    });

    it('leaves a bad form post to the site’s HTML error page', async () => {
      const id = await newSession();
      const response = await app.inject({
        method: 'POST',
        url: `${page(id)}/authenticate`,
        headers: form,
        payload: 'outcome=maybe',
      });
      expect(response.statusCode).toBe(422);
      expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    });
  });
});
