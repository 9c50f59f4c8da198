import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { fixedClock } from '../../src/kernel/clock.js';
import { money } from '../../src/kernel/money.js';
import {
  createSandboxGateway,
  createSandboxProcessor,
  createSandboxWebhookDispatcher,
  httpDeliverer,
  sandboxWebhookSecret,
  WebhookSignatureError,
  type PaymentGateway,
  type SandboxProcessor,
  type WebhookDeliverer,
  type WebhookEvent,
} from '../../src/modules/payments/index.js';
import { dialects } from '../support/databases.js';

const start = '2026-11-15T06:00:00.000Z';
const secret = sandboxWebhookSecret('test-secret-that-is-long-enough-0123456789');
const publicUrl = 'https://news.example';

/** A deliverer that records what it was sent and answers with the statuses it is given, in turn. */
function recorder(...statuses: (number | Error)[]) {
  const sent: { body: string; headers: Record<string, string> }[] = [];
  const deliver: WebhookDeliverer = async (body, headers) => {
    sent.push({ body, headers });
    const next = statuses.length > 1 ? statuses.shift()! : (statuses[0] ?? 200);
    if (next instanceof Error) throw next;
    return next;
  };
  return { sent, deliver };
}

describe.each(dialects)('sandbox webhooks and gateway on $name', (dialect) => {
  let database: DatabaseHandle;
  const clock = fixedClock(start);
  let processor: SandboxProcessor;
  let gateway: PaymentGateway;

  beforeAll(async () => {
    database = await dialect.open();
    processor = createSandboxProcessor({ db: database.db, clock });
    gateway = createSandboxGateway({ processor, secret, publicUrl: `${publicUrl}/`, clock });
  });
  afterAll(() => database.destroy());
  // Each test starts at the same moment with no webhook queued and no session left open: a
  // dispatcher sends every due webhook, and expireDue expires every lapsed session.
  beforeEach(async () => {
    clock.set(start);
    await database.db.deleteFrom('sandbox_webhooks').execute();
    await database.db
      .updateTable('sandbox_sessions')
      .set({ status: 'expired' })
      .where('status', 'in', ['open', 'requires_action'])
      .execute();
  });

  const dispatcher = (deliver: WebhookDeliverer) =>
    createSandboxWebhookDispatcher({ db: database.db, clock, secret, deliver });

  async function checkout(reference = 'chk_1') {
    return gateway.createCheckout({
      mode: 'payment',
      reference,
      amount: money(39_900, 'INR'),
      description: 'Digital — 1 year',
      customer: { id: 'acc_reader', email: 'reader@example.com', name: 'Reader' },
      successUrl: `${publicUrl}/subscribe/done`,
      cancelUrl: `${publicUrl}/subscribe`,
      expiresAt: new Date(clock.now().getTime() + 60 * 60_000),
    });
  }

  /** What Masthead's webhook route would do with a delivery: parse it as the gateway does. */
  const parse = (delivery: { body: string; headers: Record<string, string> }): WebhookEvent =>
    gateway.parseWebhook(Buffer.from(delivery.body), delivery.headers);

  it('creates a checkout whose URL is the hosted page, and reports it open, then paid', async () => {
    const { sessionId, url } = await checkout();
    expect(url).toBe(`${publicUrl}/sandbox/checkout/${sessionId}`);
    expect(await gateway.retrieveCheckout(sessionId)).toEqual({ status: 'open' });
    const paid = await processor.pay(sessionId, { number: '4242424242424242' });
    if (paid.status !== 'paid') throw new Error('not paid');
    expect(await gateway.retrieveCheckout(sessionId)).toEqual({
      status: 'paid',
      reference: 'chk_1',
      paymentRef: paid.session.chargeId,
      amount: money(39_900, 'INR'),
      paymentMethod: {
        ref: paid.session.paymentMethod?.id,
        label: 'Visa •••• 4242',
        customerRef: 'acc_reader',
      },
    });
    await expect(gateway.retrieveCheckout('cs_unknown')).rejects.toThrow();
  });

  it('reports an expired checkout', async () => {
    const { sessionId } = await checkout('chk_late');
    clock.set('2026-11-15T07:00:00.000Z');
    expect(await gateway.retrieveCheckout(sessionId)).toMatchObject({
      status: 'expired',
      reference: 'chk_late',
    });
  });

  it('delivers a signed completion event that the gateway parses, and never delivers it again', async () => {
    const { sessionId } = await checkout();
    await processor.pay(sessionId, { number: '4242424242424242' });
    const { sent, deliver } = recorder(200);
    const webhooks = dispatcher(deliver);

    expect(await webhooks.deliverDue()).toBe(1);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers['content-type']).toBe('application/json');
    expect(sent[0]?.headers['sandbox-signature']).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    const event = parse(sent[0]!);
    expect(event).toEqual({
      eventId: expect.stringMatching(/^evt_/),
      action: 'checkout.completed',
      sessionId,
      reference: 'chk_1',
    });
    const row = await database.db.selectFrom('sandbox_webhooks').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ id: event.eventId, attempts: 1, delivered_at: start, last_error: null });
    expect(row.payload).toBe(sent[0]?.body);

    clock.set('2026-11-16T06:00:00.000Z');
    expect(await webhooks.deliverDue()).toBe(0);
    expect(sent).toHaveLength(1);
  });

  it('refuses a delivery whose body, signature or age is wrong', async () => {
    const { sessionId } = await checkout();
    await processor.pay(sessionId, { number: '4242424242424242' });
    const { sent, deliver } = recorder(200);
    await dispatcher(deliver).deliverDue();
    const delivery = sent[0]!;
    const tampered = delivery.body.replace('chk_1', 'chk_2');
    expect(() => gateway.parseWebhook(Buffer.from(tampered), delivery.headers)).toThrow(
      WebhookSignatureError,
    );
    expect(() => gateway.parseWebhook(Buffer.from(delivery.body), {})).toThrow(WebhookSignatureError);
    const other = createSandboxGateway({
      processor,
      secret: sandboxWebhookSecret('other'),
      publicUrl,
      clock,
    });
    expect(() => other.parseWebhook(Buffer.from(delivery.body), delivery.headers)).toThrow(
      WebhookSignatureError,
    );
    // Header names are case-insensitive.
    const shouted = { 'Sandbox-Signature': delivery.headers['sandbox-signature'] };
    expect(gateway.parseWebhook(Buffer.from(delivery.body), shouted).action).toBe('checkout.completed');
    clock.set('2026-11-15T06:05:01.000Z');
    expect(() => parse(delivery)).toThrow(WebhookSignatureError);
  });

  it('retries after a 500 with backoff, then delivers', async () => {
    const { sessionId } = await checkout();
    await processor.pay(sessionId, { number: '4242424242424242' });
    const { sent, deliver } = recorder(500, 503, 200);
    const webhooks = dispatcher(deliver);

    expect(await webhooks.deliverDue()).toBe(0);
    let row = await database.db.selectFrom('sandbox_webhooks').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      attempts: 1,
      delivered_at: null,
      last_error: 'HTTP 500',
      next_attempt_at: '2026-11-15T06:00:10.000Z',
    });

    // Not yet due: nothing is sent.
    clock.set('2026-11-15T06:00:09.999Z');
    expect(await webhooks.deliverDue()).toBe(0);
    expect(sent).toHaveLength(1);

    clock.set('2026-11-15T06:00:10.000Z');
    expect(await webhooks.deliverDue()).toBe(0);
    row = await database.db.selectFrom('sandbox_webhooks').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      attempts: 2,
      last_error: 'HTTP 503',
      next_attempt_at: '2026-11-15T06:00:30.000Z',
    });

    clock.set('2026-11-15T06:00:30.000Z');
    expect(await webhooks.deliverDue()).toBe(1);
    expect(sent).toHaveLength(3);
    // Each attempt is signed afresh, so a retry hours later still passes the age check.
    expect(parse(sent[2]!).action).toBe('checkout.completed');
    row = await database.db.selectFrom('sandbox_webhooks').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ attempts: 3, last_error: null, delivered_at: '2026-11-15T06:00:30.000Z' });
  });

  it('records a delivery that got no answer, and waits at most an hour between attempts', async () => {
    const { sessionId } = await checkout();
    await processor.pay(sessionId, { number: '4242424242424242' });
    const webhooks = dispatcher(recorder(new Error('connect ECONNREFUSED 127.0.0.1:3000')).deliver);
    await webhooks.deliverDue();
    const row = await database.db.selectFrom('sandbox_webhooks').selectAll().executeTakeFirstOrThrow();
    expect(row).toMatchObject({ attempts: 1, last_error: 'connect ECONNREFUSED 127.0.0.1:3000' });

    await database.db.updateTable('sandbox_webhooks').set({ attempts: 20 }).execute();
    await database.db.updateTable('sandbox_webhooks').set({ next_attempt_at: start }).execute();
    await webhooks.deliverDue();
    const later = await database.db.selectFrom('sandbox_webhooks').selectAll().executeTakeFirstOrThrow();
    expect(later).toMatchObject({ attempts: 21, next_attempt_at: '2026-11-15T07:00:00.000Z' });
  });

  it('sends events in the order they were made, each once even when two runs overlap', async () => {
    const first = await checkout('chk_a');
    const second = await checkout('chk_b');
    await processor.pay(second.sessionId, { number: '4242424242424242' });
    await processor.pay(first.sessionId, { number: '4242424242424242' });
    const { sent, deliver } = recorder(200);
    const webhooks = dispatcher(deliver);
    const counts = await Promise.all([webhooks.deliverDue(), webhooks.deliverDue()]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(
      sent.map((delivery) => parse(delivery)).map((event) => 'reference' in event && event.reference),
    ).toEqual(['chk_b', 'chk_a']);
  });

  it('normalises charge and refund events, and ignores what Masthead does not act on', async () => {
    const { sessionId } = await checkout();
    const paid = await processor.pay(sessionId, { number: '4242424242424242' });
    if (paid.status !== 'paid') throw new Error('not paid');
    const card = paid.session.paymentMethod!.id;
    const renewal = await gateway.charge({
      idempotencyKey: 'renewal-1',
      amount: money(39_900, 'INR'),
      paymentMethodRef: card,
      customerRef: 'acc_reader',
      description: 'Renewal',
      reference: 'pay_1',
    });
    expect(renewal).toEqual({ ok: true, paymentRef: expect.stringMatching(/^ch_/) });
    if (!renewal.ok) return;
    expect(
      await gateway.refund({
        idempotencyKey: 'refund-1',
        paymentRef: renewal.paymentRef,
        amount: money(100, 'INR'),
      }),
    ).toEqual({
      ok: true,
      refundRef: expect.stringMatching(/^re_/),
    });
    expect(
      await gateway.refund({
        idempotencyKey: 'refund-2',
        paymentRef: renewal.paymentRef,
        amount: money(39_900, 'INR'),
      }),
    ).toEqual({ ok: false, reason: 'The refund is more than what is left of the charge.' });
    expect(
      await gateway.charge({
        idempotencyKey: 'renewal-missing',
        amount: money(100, 'INR'),
        paymentMethodRef: 'pm_missing',
        customerRef: null,
        description: 'Renewal',
        reference: 'pay_missing',
      }),
    ).toMatchObject({ ok: false, paymentRef: null, code: 'payment_method_not_found' });

    const failing = await checkout('chk_0341');
    const failingPaid = await processor.pay(failing.sessionId, { number: '4000000000000341' });
    if (failingPaid.status !== 'paid') throw new Error('not paid');
    const declined = await gateway.charge({
      idempotencyKey: 'renewal-2',
      amount: money(39_900, 'INR'),
      paymentMethodRef: failingPaid.session.paymentMethod!.id,
      customerRef: 'acc_reader',
      description: 'Renewal',
      reference: 'pay_2',
    });
    expect(declined).toEqual({
      ok: false,
      paymentRef: expect.stringMatching(/^ch_/),
      code: 'card_declined',
      reason: 'Your card was declined.',
    });

    const late = await checkout('chk_late');
    clock.set('2026-11-15T07:00:00.000Z');
    await processor.expireDue();

    const { sent, deliver } = recorder(200);
    expect(await dispatcher(deliver).deliverDue()).toBe(6);
    const events = sent.map(parse);
    expect(events.map(({ eventId: _id, ...rest }) => rest)).toEqual([
      { action: 'checkout.completed', sessionId, reference: 'chk_1' },
      { action: 'charge.succeeded', reference: 'pay_1', paymentRef: renewal.paymentRef },
      { action: 'refund.succeeded', paymentRef: renewal.paymentRef },
      { action: 'checkout.completed', sessionId: failing.sessionId, reference: 'chk_0341' },
      {
        action: 'charge.failed',
        reference: 'pay_2',
        paymentRef: declined.paymentRef,
        reason: 'Your card was declined.',
      },
      {
        action: 'checkout.failed',
        sessionId: late.sessionId,
        reference: 'chk_late',
        reason: 'The checkout expired before it was paid.',
      },
    ]);
    expect(new Set(events.map((event) => event.eventId)).size).toBe(6);

    const body = JSON.stringify({
      id: 'evt_other',
      type: 'customer.created',
      created: 1,
      data: { object: {} },
    });
    const { sent: other, deliver: otherDeliver } = recorder(200);
    await database.db
      .insertInto('sandbox_webhooks')
      .values({
        id: 'evt_other',
        type: 'customer.created',
        payload: body,
        next_attempt_at: start,
        created_at: start,
      })
      .execute();
    await dispatcher(otherDeliver).deliverDue();
    expect(parse(other[0]!)).toEqual({ eventId: 'evt_other', action: 'ignored', type: 'customer.created' });
  });
});

describe('httpDeliverer', () => {
  it('POSTs the body and headers and answers with the HTTP status', async () => {
    const received: { method?: string; headers?: IncomingHttpHeaders; body?: string }[] = [];
    const server = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
      request.on('end', () => {
        received.push({ method: request.method, headers: request.headers, body });
        response.statusCode = received.length === 1 ? 204 : 500;
        response.end('ignored');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const deliver = httpDeliverer(`http://127.0.0.1:${port}/webhooks/sandbox`);
      const headers = { 'content-type': 'application/json', 'sandbox-signature': 't=1,v1=ab' };
      expect(await deliver('{"id":"evt_1"}', headers)).toBe(204);
      expect(await deliver('{"id":"evt_2"}', headers)).toBe(500);
      expect(received[0]).toMatchObject({
        method: 'POST',
        body: '{"id":"evt_1"}',
        headers: { 'content-type': 'application/json', 'sandbox-signature': 't=1,v1=ab' },
      });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('gives up after its timeout', async () => {
    const server = createServer(() => {
      // never answers
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      await expect(httpDeliverer(`http://127.0.0.1:${port}/`, 50)('{}', {})).rejects.toThrow();
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
