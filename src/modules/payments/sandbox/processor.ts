import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../../db/errors.js';
import type { Database } from '../../../db/schema.js';
import type { Clock } from '../../../kernel/clock.js';
import { newId } from '../../../kernel/ids.js';
import type { Money } from '../../../kernel/money.js';
import { examineCard, type CardDetails, type CardInput, type SavedCardBehaviour } from './cards.js';
import {
  chargeObject,
  findCharge,
  findChargeByKey,
  findPaymentMethod,
  findRefundByKey,
  findSession,
  isLive,
  sessionObject,
  type SandboxCharge,
  type SandboxPaymentMethod,
  type SandboxRefund,
  type SandboxSession,
} from './queries.js';
import { queueSandboxEvent } from './webhooks.js';

/** How long a payer has to pay on the hosted page, as at the big processors' defaults. */
export const sessionLifetimeMs = 60 * 60_000;

export interface CreateSessionInput {
  readonly mode: 'payment' | 'setup';
  /** What is taken now; zero in setup mode. */
  readonly amount: Money;
  readonly description: string;
  readonly customerRef: string;
  /** The merchant's reference (Masthead's checkout id), echoed in events. */
  readonly reference: string;
  readonly successUrl: string;
  readonly cancelUrl: string;
  /** When the session stops taking payment; unset, an hour from now. */
  readonly expiresAt?: Date;
}

/** Why a session cannot be paid or authenticated now. */
export type UnavailableCode =
  'not_found' | 'already_paid' | 'expired' | 'closed' | 'not_awaiting_authentication';

export type PayResult =
  | { readonly status: 'paid'; readonly session: SandboxSession }
  | { readonly status: 'requires_action'; readonly session: SandboxSession }
  /** The card (or its authentication) was refused; the session stays open for another try. */
  | { readonly status: 'declined'; readonly code: string; readonly reason: string }
  /** The session is unknown, paid, expired or not in the state asked of it. */
  | { readonly status: 'unavailable'; readonly code: UnavailableCode; readonly reason: string };

export interface OffSessionChargeInput {
  readonly idempotencyKey: string;
  readonly amount: Money;
  readonly paymentMethodRef: string;
  /** The merchant's reference (Masthead's payment id), echoed in events. */
  readonly reference: string;
  /** Carried in the charge's event only; the sandbox's books do not keep it. */
  readonly description: string;
}

export type OffSessionChargeResult =
  | { readonly status: 'succeeded'; readonly charge: SandboxCharge }
  | {
      readonly status: 'failed';
      readonly charge: SandboxCharge;
      readonly code: string;
      readonly reason: string;
    }
  /** Nothing was charged (or recorded): there is no such saved card. */
  | { readonly status: 'payment_method_not_found'; readonly reason: string };

export interface RefundInput {
  readonly idempotencyKey: string;
  readonly chargeId: string;
  readonly amount: Money;
}

export type RefundOutcome =
  { readonly ok: true; readonly refund: SandboxRefund } | { readonly ok: false; readonly reason: string };

/**
 * An idempotency key was sent again with different parameters. Real processors refuse this too:
 * it is a bug in the caller (one key must mean one operation), not an outcome to show a reader.
 */
export class IdempotencyKeyReusedError extends Error {
  constructor(key: string) {
    super(`The idempotency key "${key}" was already used with different parameters.`);
    this.name = 'IdempotencyKeyReusedError';
  }
}

/** The sandbox card processor: sessions, saved cards, charges and refunds in its own books. */
export interface SandboxProcessor {
  /** Opens a hosted checkout session (`cs_…`) that expires at `expiresAt`, or after an hour. */
  createSession(input: CreateSessionInput): Promise<SandboxSession>;
  /** A session as the payer sees it now (an open one past its expiry shows as expired). */
  retrieveSession(id: string): Promise<SandboxSession | undefined>;
  retrievePaymentMethod(id: string): Promise<SandboxPaymentMethod | undefined>;
  retrieveCharge(id: string): Promise<SandboxCharge | undefined>;
  /**
   * Pays a session with a card. A paid session has saved the card, taken the charge (payment
   * mode) and queued `checkout.session.completed`; a declined card leaves it open with the
   * reason; the authentication test card leaves it in `requires_action`.
   */
  pay(sessionId: string, card: CardInput): Promise<PayResult>;
  /** Completes (`approve`) or fails the extra authentication step of a `requires_action` session. */
  authenticate(sessionId: string, approve: boolean): Promise<PayResult>;
  /** Charges a saved card off-session, once per idempotency key; queues `charge.succeeded`/`charge.failed`. */
  charge(input: OffSessionChargeInput): Promise<OffSessionChargeResult>;
  /** Refunds all or part of what is left of a charge, once per idempotency key; queues `charge.refunded`. */
  refund(input: RefundInput): Promise<RefundOutcome>;
  /** Expires open sessions past their expiry, queuing `checkout.session.expired`; returns how many. */
  expireDue(): Promise<number>;
}

/** Thrown inside a transaction to roll it back when a row is no longer as it was read. */
class Changed extends Error {}

const declinedMessage = 'Your card was declined.';
const authenticationFailed = 'The card’s authentication failed. Try again, or use another card.';

export function createSandboxProcessor(deps: { db: Kysely<Database>; clock: Clock }): SandboxProcessor {
  const { db, clock } = deps;

  /** Why `sessionId` cannot be paid (or authenticated) now, read afresh. */
  async function unavailable(sessionId: string, forAuthentication = false): Promise<PayResult> {
    const session = await findSession(db, sessionId, clock.now());
    const refuse = (code: UnavailableCode, reason: string): PayResult => ({
      status: 'unavailable',
      code,
      reason,
    });
    switch (session?.status) {
      case undefined:
        return refuse('not_found', 'There is no such checkout.');
      case 'paid':
        return refuse('already_paid', 'This checkout is already paid.');
      case 'expired':
        return refuse('expired', 'This checkout has expired: return to the site and start again.');
      case 'failed':
        return refuse('closed', 'This checkout is closed.');
      case 'open':
      case 'requires_action':
        return forAuthentication
          ? refuse('not_awaiting_authentication', 'This checkout is not waiting for authentication.')
          : refuse('closed', 'This checkout changed while it was being paid; try again.');
    }
  }

  /**
   * Marks a live session paid, saving the card and taking the charge, in one transaction with
   * its event. The conditional update comes first: it takes the row's lock, so of two payments
   * racing for one session exactly one completes it.
   */
  async function complete(
    session: SandboxSession,
    card:
      | { readonly pending: SandboxPaymentMethod }
      | { readonly details: CardDetails; saved: SavedCardBehaviour },
  ): Promise<PayResult> {
    const now = clock.now();
    const at = now.toISOString();
    const paymentMethodId = 'pending' in card ? card.pending.id : newId('pm');
    const chargeId = session.mode === 'payment' ? newId('ch') : null;
    try {
      await db.transaction().execute(async (trx) => {
        let update = trx
          .updateTable('sandbox_sessions')
          .set({
            status: 'paid',
            payment_method_id: paymentMethodId,
            charge_id: chargeId,
            failure_reason: null,
            completed_at: at,
          })
          .where('id', '=', session.id)
          .where('expires_at', '>', at);
        update =
          'pending' in card
            ? update.where('status', '=', 'requires_action').where('payment_method_id', '=', paymentMethodId)
            : update.where('status', 'in', ['open', 'requires_action']);
        if ((await update.executeTakeFirst()).numUpdatedRows !== 1n) throw new Changed();
        if (!('pending' in card)) {
          await trx
            .insertInto('sandbox_payment_methods')
            .values({
              id: paymentMethodId,
              customer_ref: session.customerRef,
              brand: card.details.brand,
              last4: card.details.last4,
              behaviour: card.saved,
              created_at: at,
            })
            .execute();
        }
        if (chargeId) {
          await trx
            .insertInto('sandbox_charges')
            .values({
              id: chargeId,
              // One charge per session, whatever happens: the key is the session's.
              idempotency_key: `checkout:${session.id}`,
              payment_method_id: paymentMethodId,
              amount_minor: session.amount.amountMinor,
              currency: session.amount.currency,
              reference: session.reference,
              status: 'succeeded',
              failure_reason: null,
              created_at: at,
            })
            .execute();
        }
        const paid = await findSession(trx, session.id, now);
        if (!paid) throw new Error(`Sandbox session ${session.id} vanished while being paid`);
        await queueSandboxEvent(trx, 'checkout.session.completed', sessionObject(paid), now);
      });
    } catch (error) {
      if (error instanceof Changed) return unavailable(session.id);
      throw error;
    }
    return { status: 'paid', session: await mustFind(session.id) };
  }

  async function mustFind(sessionId: string): Promise<SandboxSession> {
    const session = await findSession(db, sessionId, clock.now());
    if (!session) throw new Error(`Sandbox session ${sessionId} was not found`);
    return session;
  }

  /** Records why the last attempt failed and reopens the session (dropping a card awaiting authentication). */
  async function recordFailure(
    sessionId: string,
    reason: string,
    from: { readonly status: 'open' | 'requires_action'; readonly paymentMethodId?: string } | 'live',
  ): Promise<boolean> {
    const at = clock.now().toISOString();
    let update = db
      .updateTable('sandbox_sessions')
      .set({ status: 'open', failure_reason: reason, payment_method_id: null })
      .where('id', '=', sessionId)
      .where('expires_at', '>', at);
    if (from === 'live') update = update.where('status', 'in', ['open', 'requires_action']);
    else {
      update = update.where('status', '=', from.status);
      if (from.paymentMethodId) update = update.where('payment_method_id', '=', from.paymentMethodId);
    }
    return (await update.executeTakeFirst()).numUpdatedRows === 1n;
  }

  /** The first attempt's result for a charge replayed under its idempotency key. */
  function replayCharge(first: SandboxCharge, input: OffSessionChargeInput): OffSessionChargeResult {
    const same =
      first.amount.amountMinor === input.amount.amountMinor &&
      first.amount.currency === input.amount.currency &&
      first.paymentMethodId === input.paymentMethodRef &&
      first.reference === input.reference;
    if (!same) throw new IdempotencyKeyReusedError(input.idempotencyKey);
    return chargeResult(first);
  }

  function chargeResult(charge: SandboxCharge): OffSessionChargeResult {
    return charge.status === 'succeeded'
      ? { status: 'succeeded', charge }
      : {
          status: 'failed',
          charge,
          code: charge.failureCode ?? 'card_declined',
          reason: charge.failureReason ?? declinedMessage,
        };
  }

  async function replayRefund(first: SandboxRefund, input: RefundInput): Promise<RefundOutcome> {
    const same =
      first.chargeId === input.chargeId &&
      first.amount.amountMinor === input.amount.amountMinor &&
      first.amount.currency === input.amount.currency;
    if (!same) throw new IdempotencyKeyReusedError(input.idempotencyKey);
    return { ok: true, refund: first };
  }

  return {
    async createSession(input) {
      const { amountMinor } = input.amount;
      if (input.mode === 'payment' ? amountMinor <= 0 : amountMinor !== 0) {
        throw new RangeError(`A ${input.mode} session cannot be for ${amountMinor} minor units.`);
      }
      // The hosted page links to these: anything but a web address (`javascript:`…) is a bug.
      for (const url of [input.successUrl, input.cancelUrl]) {
        if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) {
          throw new RangeError(
            `A sandbox session's return URL must be an absolute http(s) URL, not "${url}".`,
          );
        }
      }
      const now = clock.now();
      const id = newId('cs');
      await db
        .insertInto('sandbox_sessions')
        .values({
          id,
          mode: input.mode,
          amount_minor: amountMinor,
          currency: input.amount.currency,
          description: input.description,
          customer_ref: input.customerRef,
          reference: input.reference,
          success_url: input.successUrl,
          cancel_url: input.cancelUrl,
          status: 'open',
          failure_reason: null,
          payment_method_id: null,
          charge_id: null,
          created_at: now.toISOString(),
          expires_at: (input.expiresAt ?? new Date(now.getTime() + sessionLifetimeMs)).toISOString(),
          completed_at: null,
        })
        .execute();
      return mustFind(id);
    },

    retrieveSession: (id) => findSession(db, id, clock.now()),
    retrievePaymentMethod: (id) => findPaymentMethod(db, id),
    retrieveCharge: (id) => findCharge(db, id),

    async pay(sessionId, input) {
      const session = await findSession(db, sessionId, clock.now());
      if (!session || !isLive(session.status)) return unavailable(sessionId);
      const verdict = examineCard(input, clock.now());
      switch (verdict.kind) {
        case 'declined':
          // As on a real hosted page, the payer may try another card: the session stays open.
          if (!(await recordFailure(sessionId, verdict.reason, 'live'))) return unavailable(sessionId);
          return { status: 'declined', code: verdict.code, reason: verdict.reason };
        case 'approved':
          return complete(session, { details: verdict.card, saved: verdict.saved });
        case 'requires_authentication': {
          const now = clock.now();
          const at = now.toISOString();
          const paymentMethodId = newId('pm');
          try {
            await db.transaction().execute(async (trx) => {
              const updated = await trx
                .updateTable('sandbox_sessions')
                .set({ status: 'requires_action', payment_method_id: paymentMethodId, failure_reason: null })
                .where('id', '=', sessionId)
                .where('status', 'in', ['open', 'requires_action'])
                .where('expires_at', '>', at)
                .executeTakeFirst();
              if (updated.numUpdatedRows !== 1n) throw new Changed();
              // The card is on file but not yet usable: the session points at it until the
              // payer authenticates (then it is saved) or fails (then it is dropped).
              await trx
                .insertInto('sandbox_payment_methods')
                .values({
                  id: paymentMethodId,
                  customer_ref: session.customerRef,
                  brand: verdict.card.brand,
                  last4: verdict.card.last4,
                  behaviour: verdict.saved,
                  created_at: at,
                })
                .execute();
            });
          } catch (error) {
            if (error instanceof Changed) return unavailable(sessionId);
            throw error;
          }
          return { status: 'requires_action', session: await mustFind(sessionId) };
        }
      }
    },

    async authenticate(sessionId, approve) {
      const session = await findSession(db, sessionId, clock.now());
      if (session?.status !== 'requires_action' || !session.paymentMethod) {
        return unavailable(sessionId, true);
      }
      if (approve) return complete(session, { pending: session.paymentMethod });
      const recorded = await recordFailure(sessionId, authenticationFailed, {
        status: 'requires_action',
        paymentMethodId: session.paymentMethod.id,
      });
      if (!recorded) return unavailable(sessionId, true);
      return { status: 'declined', code: 'authentication_failed', reason: authenticationFailed };
    },

    async charge(input) {
      const { idempotencyKey } = input;
      if (input.amount.amountMinor <= 0) {
        throw new RangeError(`A charge must be of a positive amount, not ${input.amount.amountMinor}.`);
      }
      const earlier = await findChargeByKey(db, idempotencyKey);
      if (earlier) return replayCharge(earlier, input);
      const method = await findPaymentMethod(db, input.paymentMethodRef);
      if (!method) return { status: 'payment_method_not_found', reason: 'The saved card was not found.' };

      const now = clock.now();
      const fails = method.behaviour === 'renewals_fail';
      const charge: SandboxCharge = {
        id: newId('ch'),
        status: fails ? 'failed' : 'succeeded',
        amount: input.amount,
        refunded: { amountMinor: 0, currency: input.amount.currency },
        reference: input.reference,
        paymentMethodId: method.id,
        failureCode: fails ? 'card_declined' : null,
        failureReason: fails ? declinedMessage : null,
        createdAt: now.toISOString(),
      };
      try {
        await db.transaction().execute(async (trx) => {
          await trx
            .insertInto('sandbox_charges')
            .values({
              id: charge.id,
              idempotency_key: idempotencyKey,
              payment_method_id: charge.paymentMethodId,
              amount_minor: charge.amount.amountMinor,
              currency: charge.amount.currency,
              reference: charge.reference,
              status: charge.status,
              failure_reason: charge.failureReason,
              created_at: charge.createdAt,
            })
            .execute();
          await queueSandboxEvent(
            trx,
            fails ? 'charge.failed' : 'charge.succeeded',
            { ...chargeObject(charge), description: input.description },
            now,
          );
        });
      } catch (error) {
        // A concurrent call with the same key inserted first: its charge is the one result.
        if (!isUniqueViolation(error)) throw error;
        const first = await findChargeByKey(db, idempotencyKey);
        if (!first) throw error;
        return replayCharge(first, input);
      }
      return chargeResult(charge);
    },

    async refund(input) {
      const { idempotencyKey, chargeId, amount } = input;
      const earlier = await findRefundByKey(db, idempotencyKey);
      if (earlier) return replayRefund(earlier, input);
      if (amount.amountMinor <= 0) return { ok: false, reason: 'A refund must be of a positive amount.' };
      const charge = await findCharge(db, chargeId);
      if (!charge) return { ok: false, reason: 'There is no such charge.' };
      if (charge.status !== 'succeeded') return { ok: false, reason: 'A failed charge cannot be refunded.' };
      if (charge.amount.currency !== amount.currency) {
        return { ok: false, reason: `The charge is in ${charge.amount.currency}, not ${amount.currency}.` };
      }

      const now = clock.now();
      const refund: SandboxRefund = { id: newId('re'), chargeId, amount, createdAt: now.toISOString() };
      try {
        await db.transaction().execute(async (trx) => {
          // The refund row first: a concurrent call with the same key waits on (then trips over)
          // its unique key rather than finding the charge already refunded.
          await trx
            .insertInto('sandbox_refunds')
            .values({
              id: refund.id,
              idempotency_key: idempotencyKey,
              charge_id: chargeId,
              amount_minor: amount.amountMinor,
              created_at: refund.createdAt,
            })
            .execute();
          // One conditional update, so concurrent refunds of one charge never exceed it.
          const updated = await trx
            .updateTable('sandbox_charges')
            .set((eb) => ({ refunded_minor: eb('refunded_minor', '+', amount.amountMinor) }))
            .where('id', '=', chargeId)
            .where((eb) => eb(eb('refunded_minor', '+', amount.amountMinor), '<=', eb.ref('amount_minor')))
            .executeTakeFirst();
          if (updated.numUpdatedRows !== 1n) throw new Changed();
          const refunded = await findCharge(trx, chargeId);
          if (!refunded) throw new Error(`Sandbox charge ${chargeId} vanished while being refunded`);
          await queueSandboxEvent(trx, 'charge.refunded', chargeObject(refunded), now);
        });
      } catch (error) {
        if (error instanceof Changed) {
          return { ok: false, reason: 'The refund is more than what is left of the charge.' };
        }
        if (!isUniqueViolation(error)) throw error;
        const first = await findRefundByKey(db, idempotencyKey);
        if (!first) throw error;
        return replayRefund(first, input);
      }
      return { ok: true, refund };
    },

    async expireDue() {
      const now = clock.now();
      return db.transaction().execute(async (trx) => {
        const expired = await trx
          .updateTable('sandbox_sessions')
          .set({ status: 'expired' })
          .where('status', 'in', ['open', 'requires_action'])
          .where('expires_at', '<=', now.toISOString())
          .returning('id')
          .execute();
        for (const { id } of expired) {
          const session = await findSession(trx, id, now);
          if (session) await queueSandboxEvent(trx, 'checkout.session.expired', sessionObject(session), now);
        }
        return expired.length;
      });
    },
  };
}
