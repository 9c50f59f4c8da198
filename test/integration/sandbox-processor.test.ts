import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/database.js';
import { fixedClock } from '../../src/kernel/clock.js';
import { money } from '../../src/kernel/money.js';
import {
  createSandboxProcessor,
  IdempotencyKeyReusedError,
  type CreateSessionInput,
  type SandboxEvent,
  type SandboxProcessor,
} from '../../src/modules/payments/index.js';
import { dialects } from '../support/databases.js';

const start = '2026-11-15T06:00:00.000Z';

function aSession(overrides: Partial<CreateSessionInput> = {}): CreateSessionInput {
  return {
    mode: 'payment',
    amount: money(39_900, 'INR'),
    description: 'Digital — 1 year',
    customerRef: 'acc_reader',
    reference: 'chk_1',
    successUrl: 'https://news.example/subscribe/done?checkout=chk_1',
    cancelUrl: 'https://news.example/subscribe',
    ...overrides,
  };
}

describe.each(dialects)('sandbox processor on $name', (dialect) => {
  let database: DatabaseHandle;
  let processor: SandboxProcessor;
  const clock = fixedClock(start);

  beforeAll(async () => {
    database = await dialect.open();
    processor = createSandboxProcessor({ db: database.db, clock });
  });
  afterAll(() => database.destroy());

  /** The queued events, oldest first. */
  async function events(): Promise<SandboxEvent[]> {
    const rows = await database.db
      .selectFrom('sandbox_webhooks')
      .select('payload')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((row) => JSON.parse(row.payload) as SandboxEvent);
  }
  const eventsAbout = async (id: string) =>
    (await events()).filter((event) => event.data.object.id === id).map((event) => event.type);

  /** A saved card of the given test number, by paying a setup session with it. */
  async function savedCard(number: string): Promise<string> {
    const session = await processor.createSession(aSession({ mode: 'setup', amount: money(0, 'INR') }));
    const paid = await processor.pay(session.id, { number });
    if (paid.status !== 'paid' || !paid.session.paymentMethod) throw new Error(`could not save ${number}`);
    return paid.session.paymentMethod.id;
  }

  it('opens a session that expires after one hour', async () => {
    const session = await processor.createSession(aSession());
    expect(session).toMatchObject({
      mode: 'payment',
      status: 'open',
      amount: { amountMinor: 39_900, currency: 'INR' },
      reference: 'chk_1',
      paymentMethod: null,
      chargeId: null,
      createdAt: start,
      expiresAt: '2026-11-15T07:00:00.000Z',
    });
    expect(session.id).toMatch(/^cs_[0-9a-z]{26}$/);
    expect(await processor.retrieveSession(session.id)).toEqual(session);
  });

  it('refuses a session whose amount does not fit its mode, or whose return URL is not a web address', async () => {
    await expect(processor.createSession(aSession({ amount: money(0, 'INR') }))).rejects.toThrow(RangeError);
    await expect(processor.createSession(aSession({ mode: 'setup' }))).rejects.toThrow(RangeError);
    await expect(processor.createSession(aSession({ successUrl: 'javascript:alert(1)' }))).rejects.toThrow(
      RangeError,
    );
  });

  it('pays a session with 4242: card saved, charge taken, completion event queued', async () => {
    const session = await processor.createSession(aSession({ reference: 'chk_4242' }));
    const result = await processor.pay(session.id, {
      number: '4242 4242 4242 4242',
      expiry: '12/30',
      cvc: '123',
    });
    expect(result.status).toBe('paid');
    if (result.status !== 'paid') return;
    const paid = result.session;
    expect(paid).toMatchObject({ status: 'paid', completedAt: start, failureReason: null });
    expect(paid.paymentMethod).toMatchObject({
      brand: 'visa',
      last4: '4242',
      behaviour: 'ok',
      customerRef: 'acc_reader',
    });
    expect(paid.paymentMethod?.id).toMatch(/^pm_/);
    expect(paid.chargeId).toMatch(/^ch_/);
    expect(await processor.retrieveCharge(paid.chargeId!)).toMatchObject({
      status: 'succeeded',
      amount: { amountMinor: 39_900, currency: 'INR' },
      refunded: { amountMinor: 0, currency: 'INR' },
      reference: 'chk_4242',
      paymentMethodId: paid.paymentMethod?.id,
    });
    const [completed] = (await events()).filter((event) => event.data.object.id === session.id);
    expect(completed).toMatchObject({
      type: 'checkout.session.completed',
      created: Date.parse(start) / 1000,
      data: {
        object: {
          object: 'checkout.session',
          id: session.id,
          status: 'paid',
          reference: 'chk_4242',
          charge: paid.chargeId,
          payment_method: paid.paymentMethod?.id,
        },
      },
    });
    expect(completed?.id).toMatch(/^evt_/);
  });

  it('saves a card without charging in setup mode', async () => {
    const session = await processor.createSession(aSession({ mode: 'setup', amount: money(0, 'INR') }));
    const result = await processor.pay(session.id, { number: '4242424242424242' });
    expect(result).toMatchObject({
      status: 'paid',
      session: { chargeId: null, paymentMethod: { last4: '4242' } },
    });
    expect(await eventsAbout(session.id)).toEqual(['checkout.session.completed']);
  });

  it('refuses to pay a session twice, as a value', async () => {
    const session = await processor.createSession(aSession());
    await processor.pay(session.id, { number: '4242424242424242' });
    expect(await processor.pay(session.id, { number: '4242424242424242' })).toEqual({
      status: 'unavailable',
      code: 'already_paid',
      reason: 'This checkout is already paid.',
    });
    expect(await processor.pay('cs_unknown', { number: '4242424242424242' })).toMatchObject({
      status: 'unavailable',
      code: 'not_found',
    });
  });

  it('completes a session once when two payments race for it', async () => {
    const session = await processor.createSession(aSession());
    const results = await Promise.all([
      processor.pay(session.id, { number: '4242424242424242' }),
      processor.pay(session.id, { number: '4000000000000341' }),
    ]);
    expect(results.map((result) => result.status).sort()).toEqual(['paid', 'unavailable']);
    const charges = await database.db
      .selectFrom('sandbox_charges')
      .select('id')
      .where('reference', '=', session.reference)
      .where('idempotency_key', '=', `checkout:${session.id}`)
      .execute();
    expect(charges).toHaveLength(1);
    expect(await eventsAbout(session.id)).toEqual(['checkout.session.completed']);
  });

  it('keeps a declined session open with the reason, and lets another card pay it', async () => {
    const session = await processor.createSession(aSession());
    expect(await processor.pay(session.id, { number: '4000 0000 0000 0002' })).toEqual({
      status: 'declined',
      code: 'card_declined',
      reason: 'Your card was declined.',
    });
    expect(await processor.retrieveSession(session.id)).toMatchObject({
      status: 'open',
      failureReason: 'Your card was declined.',
      paymentMethod: null,
      chargeId: null,
    });
    expect(await processor.pay(session.id, { number: '4242 1234 5678 9012' })).toMatchObject({
      status: 'declined',
      code: 'incorrect_number',
    });
    const paid = await processor.pay(session.id, { number: '4242424242424242' });
    expect(paid).toMatchObject({ status: 'paid', session: { failureReason: null } });
    expect(await eventsAbout(session.id)).toEqual(['checkout.session.completed']);
  });

  it('asks for authentication with 3184, and completes the session when it is approved', async () => {
    const session = await processor.createSession(aSession());
    const asked = await processor.pay(session.id, { number: '4000 0027 6000 3184' });
    expect(asked).toMatchObject({
      status: 'requires_action',
      session: { status: 'requires_action', chargeId: null, paymentMethod: { last4: '3184' } },
    });
    expect(await eventsAbout(session.id)).toEqual([]);
    const approved = await processor.authenticate(session.id, true);
    expect(approved).toMatchObject({
      status: 'paid',
      session: { status: 'paid', paymentMethod: { last4: '3184' } },
    });
    if (approved.status !== 'paid') return;
    expect(approved.session.chargeId).toMatch(/^ch_/);
    expect(await eventsAbout(session.id)).toEqual(['checkout.session.completed']);
    expect(await processor.authenticate(session.id, true)).toMatchObject({
      status: 'unavailable',
      code: 'already_paid',
    });
  });

  it('records a failed authentication and opens the session again', async () => {
    const session = await processor.createSession(aSession());
    await processor.pay(session.id, { number: '4000002760003184' });
    expect(await processor.authenticate(session.id, false)).toMatchObject({
      status: 'declined',
      code: 'authentication_failed',
    });
    const reopened = await processor.retrieveSession(session.id);
    expect(reopened).toMatchObject({ status: 'open', paymentMethod: null, chargeId: null });
    expect(reopened?.failureReason).toMatch(/authentication failed/);
    expect(await processor.authenticate(session.id, true)).toMatchObject({
      status: 'unavailable',
      code: 'not_awaiting_authentication',
    });
    expect(await processor.pay(session.id, { number: '4242424242424242' })).toMatchObject({ status: 'paid' });
  });

  it('takes 0341 at checkout, then fails every off-session charge with card_declined', async () => {
    const session = await processor.createSession(aSession());
    const paid = await processor.pay(session.id, { number: '4000 0000 0000 0341' });
    expect(paid).toMatchObject({
      status: 'paid',
      session: { paymentMethod: { behaviour: 'renewals_fail' } },
    });
    if (paid.status !== 'paid') return;
    expect(await processor.retrieveCharge(paid.session.chargeId!)).toMatchObject({ status: 'succeeded' });

    for (const key of ['renewal-0341-1', 'renewal-0341-2']) {
      const renewal = await processor.charge({
        idempotencyKey: key,
        amount: money(39_900, 'INR'),
        paymentMethodRef: paid.session.paymentMethod!.id,
        reference: `pay_${key}`,
        description: 'Renewal',
      });
      expect(renewal).toMatchObject({
        status: 'failed',
        code: 'card_declined',
        charge: { status: 'failed' },
      });
      if (renewal.status !== 'failed') return;
      expect(renewal.charge.id).toMatch(/^ch_/);
      expect(await eventsAbout(renewal.charge.id)).toEqual(['charge.failed']);
    }
  });

  it('charges a saved 4242 off-session and queues charge.succeeded', async () => {
    const card = await savedCard('4242424242424242');
    const result = await processor.charge({
      idempotencyKey: 'renewal-ok',
      amount: money(39_900, 'INR'),
      paymentMethodRef: card,
      reference: 'pay_ok',
      description: 'Renewal',
    });
    expect(result).toMatchObject({
      status: 'succeeded',
      charge: { reference: 'pay_ok', paymentMethodId: card },
    });
    if (result.status !== 'succeeded') return;
    const [event] = (await events()).filter((e) => e.data.object.id === result.charge.id);
    expect(event).toMatchObject({
      type: 'charge.succeeded',
      data: {
        object: {
          object: 'charge',
          reference: 'pay_ok',
          amount: 39_900,
          currency: 'INR',
          description: 'Renewal',
        },
      },
    });
  });

  it('reports an unknown saved card without charging', async () => {
    expect(
      await processor.charge({
        idempotencyKey: 'renewal-nocard',
        amount: money(100, 'INR'),
        paymentMethodRef: 'pm_missing',
        reference: 'pay_nocard',
        description: 'Renewal',
      }),
    ).toMatchObject({ status: 'payment_method_not_found' });
    expect(
      await database.db
        .selectFrom('sandbox_charges')
        .where('reference', '=', 'pay_nocard')
        .select('id')
        .execute(),
    ).toEqual([]);
  });

  it('charges once per idempotency key, returning the first result, and refuses a different amount', async () => {
    const card = await savedCard('4242424242424242');
    const input = {
      idempotencyKey: 'renewal-seq',
      amount: money(39_900, 'INR'),
      paymentMethodRef: card,
      reference: 'pay_seq',
      description: 'Renewal',
    };
    const first = await processor.charge(input);
    const second = await processor.charge(input);
    expect(second).toEqual(first);
    await expect(processor.charge({ ...input, amount: money(100, 'INR') })).rejects.toThrow(
      IdempotencyKeyReusedError,
    );
    const rows = await database.db
      .selectFrom('sandbox_charges')
      .select('id')
      .where('reference', '=', 'pay_seq')
      .execute();
    expect(rows).toHaveLength(1);
    expect((await events()).filter((e) => e.data.object.id === rows[0]?.id)).toHaveLength(1);
  });

  it('charges once when calls with the same idempotency key run at the same time', async () => {
    const card = await savedCard('4242424242424242');
    const input = {
      idempotencyKey: 'renewal-race',
      amount: money(39_900, 'INR'),
      paymentMethodRef: card,
      reference: 'pay_race',
      description: 'Renewal',
    };
    const results = await Promise.all(Array.from({ length: 5 }, () => processor.charge(input)));
    const ids = new Set(
      results.map((result) => (result.status === 'succeeded' ? result.charge.id : 'failed')),
    );
    expect(ids.size).toBe(1);
    expect([...ids][0]).toMatch(/^ch_/);
    const rows = await database.db
      .selectFrom('sandbox_charges')
      .select('id')
      .where('reference', '=', 'pay_race')
      .execute();
    expect(rows).toHaveLength(1);
    expect(await eventsAbout(rows[0]!.id)).toEqual(['charge.succeeded']);
  });

  it('refunds partly and fully, never more than is left, once per key', async () => {
    const card = await savedCard('4242424242424242');
    const charged = await processor.charge({
      idempotencyKey: 'to-refund',
      amount: money(10_000, 'INR'),
      paymentMethodRef: card,
      reference: 'pay_refund',
      description: 'Renewal',
    });
    if (charged.status !== 'succeeded') throw new Error('charge failed');
    const chargeId = charged.charge.id;

    const part = await processor.refund({
      idempotencyKey: 'refund-1',
      chargeId,
      amount: money(4_000, 'INR'),
    });
    expect(part).toMatchObject({
      ok: true,
      refund: { chargeId, amount: { amountMinor: 4_000, currency: 'INR' } },
    });
    if (!part.ok) return;
    expect(part.refund.id).toMatch(/^re_/);
    // The same key again: the first refund, not a second one.
    expect(
      await processor.refund({ idempotencyKey: 'refund-1', chargeId, amount: money(4_000, 'INR') }),
    ).toEqual(part);
    await expect(
      processor.refund({ idempotencyKey: 'refund-1', chargeId, amount: money(5_000, 'INR') }),
    ).rejects.toThrow(IdempotencyKeyReusedError);
    expect(await processor.retrieveCharge(chargeId)).toMatchObject({ refunded: { amountMinor: 4_000 } });

    expect(
      await processor.refund({ idempotencyKey: 'refund-2', chargeId, amount: money(6_001, 'INR') }),
    ).toEqual({
      ok: false,
      reason: 'The refund is more than what is left of the charge.',
    });
    expect(
      await processor.refund({ idempotencyKey: 'refund-2', chargeId, amount: money(6_000, 'INR') }),
    ).toMatchObject({
      ok: true,
    });
    expect(await processor.retrieveCharge(chargeId)).toMatchObject({ refunded: { amountMinor: 10_000 } });
    expect(
      await processor.refund({ idempotencyKey: 'refund-3', chargeId, amount: money(1, 'INR') }),
    ).toMatchObject({
      ok: false,
    });
    expect(
      await processor.refund({ idempotencyKey: 'refund-4', chargeId: 'ch_missing', amount: money(1, 'INR') }),
    ).toEqual({
      ok: false,
      reason: 'There is no such charge.',
    });
    expect(
      await processor.refund({ idempotencyKey: 'refund-5', chargeId, amount: money(0, 'INR') }),
    ).toMatchObject({
      ok: false,
    });
    expect(await eventsAbout(chargeId)).toEqual(['charge.succeeded', 'charge.refunded', 'charge.refunded']);
    const [last] = (await events())
      .filter((e) => e.type === 'charge.refunded' && e.data.object.id === chargeId)
      .slice(-1);
    expect(last?.data.object).toMatchObject({ amount_refunded: 10_000 });
  });

  it('refunds at most what is left when refunds with different keys race', async () => {
    const card = await savedCard('4242424242424242');
    const charged = await processor.charge({
      idempotencyKey: 'to-refund-race',
      amount: money(10_000, 'INR'),
      paymentMethodRef: card,
      reference: 'pay_refund_race',
      description: 'Renewal',
    });
    if (charged.status !== 'succeeded') throw new Error('charge failed');
    const chargeId = charged.charge.id;
    const results = await Promise.all(
      [1, 2, 3].map((n) =>
        processor.refund({ idempotencyKey: `race-${n}`, chargeId, amount: money(4_000, 'INR') }),
      ),
    );
    expect(results.filter((result) => result.ok)).toHaveLength(2);
    expect(await processor.retrieveCharge(chargeId)).toMatchObject({ refunded: { amountMinor: 8_000 } });
    const same = await Promise.all(
      [1, 2].map(() =>
        processor.refund({ idempotencyKey: 'race-same', chargeId, amount: money(2_000, 'INR') }),
      ),
    );
    expect(same[0]).toEqual(same[1]);
    expect(same[0]).toMatchObject({ ok: true });
    expect(await processor.retrieveCharge(chargeId)).toMatchObject({ refunded: { amountMinor: 10_000 } });
  });

  it('refuses to refund a failed charge', async () => {
    const card = await savedCard('4000000000000341');
    const failed = await processor.charge({
      idempotencyKey: 'failed-then-refund',
      amount: money(10_000, 'INR'),
      paymentMethodRef: card,
      reference: 'pay_failed_refund',
      description: 'Renewal',
    });
    if (failed.status !== 'failed') throw new Error('expected a failure');
    expect(
      await processor.refund({
        idempotencyKey: 'refund-failed',
        chargeId: failed.charge.id,
        amount: money(1, 'INR'),
      }),
    ).toEqual({ ok: false, reason: 'A failed charge cannot be refunded.' });
  });

  it('expires open sessions past their expiry, once, and leaves paid ones alone', async () => {
    const clockAt = fixedClock('2026-12-01T00:00:00.000Z');
    const later = createSandboxProcessor({ db: database.db, clock: clockAt });
    // Sessions left from other tests are expired too; only these three are looked at.
    const open = await later.createSession(aSession({ reference: 'chk_expire_open' }));
    const waiting = await later.createSession(aSession({ reference: 'chk_expire_waiting' }));
    await later.pay(waiting.id, { number: '4000002760003184' });
    const paid = await later.createSession(aSession({ reference: 'chk_expire_paid' }));
    await later.pay(paid.id, { number: '4242424242424242' });

    clockAt.set('2026-12-01T00:59:59.999Z');
    await later.expireDue();
    expect(await later.retrieveSession(open.id)).toMatchObject({ status: 'open' });

    clockAt.set('2026-12-01T01:00:00.000Z');
    // Past expiry the payer sees it expired and cannot pay, even before the sweep.
    expect(await later.retrieveSession(open.id)).toMatchObject({ status: 'expired' });
    expect(await later.pay(open.id, { number: '4242424242424242' })).toMatchObject({
      status: 'unavailable',
      code: 'expired',
    });
    expect(await later.authenticate(waiting.id, true)).toMatchObject({
      status: 'unavailable',
      code: 'expired',
    });
    expect(await later.expireDue()).toBeGreaterThanOrEqual(2);
    expect(await later.expireDue()).toBe(0);
    expect(await eventsAbout(open.id)).toEqual(['checkout.session.expired']);
    expect(await eventsAbout(waiting.id)).toEqual(['checkout.session.expired']);
    expect(await eventsAbout(paid.id)).toEqual(['checkout.session.completed']);
    expect(await later.retrieveSession(paid.id)).toMatchObject({ status: 'paid' });
    const stored = await database.db
      .selectFrom('sandbox_sessions')
      .select('status')
      .where('id', '=', open.id)
      .executeTakeFirst();
    expect(stored?.status).toBe('expired');
  });
});
