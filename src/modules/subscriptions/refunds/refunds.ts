import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { Clock } from '../../../kernel/clock.js';
import { AppError } from '../../../kernel/errors.js';
import { newId } from '../../../kernel/ids.js';
import { money, type Money } from '../../../kernel/money.js';
import type { PaymentGateway } from '../../payments/index.js';
import { paymentById, recordEvent, subscriptionById } from '../queries.js';
import type { SweepLog } from '../renewals/renewals.js';
import {
  insertRefund,
  markFullyRefunded,
  pendingRefundsBefore,
  refundById,
  refundsSettledBetween,
  releaseRefund,
  reserveRefund,
  settleRefund,
} from './queries.js';

/** The part of the invoices module refunds use: a credit note for each refund, in its transaction. */
export interface CreditNoteIssuer {
  issueCreditNote(
    trx: Kysely<Database>,
    input: { refundId: string; paymentId: string; issuedAt: Date; total: Money; reason: string },
  ): Promise<{ readonly id: string; readonly number: string }>;
}

/** A refund as support sees it. */
export interface RefundView {
  readonly id: string;
  readonly paymentId: string;
  readonly accountId: string;
  readonly amount: Money;
  /** What is still refundable on the payment after this refund. */
  readonly remaining: Money;
  readonly createdAt: string;
  readonly creditNote: { readonly id: string; readonly number: string };
}

/** A refund, as analytics reads it. */
export interface RefundFact {
  id: string;
  paymentId: string;
  accountId: string;
  planId: string | null;
  amountMinor: number;
  currency: string;
  at: string;
}

/** What one retry of the pending refunds did. */
export interface RefundRetryReport {
  readonly refundsSettled: number;
  readonly refundsDeclined: number;
  readonly refundsStillPending: number;
}

/** A refund younger than this may still have its request waiting on the gateway. */
const pendingLeaseMs = 5 * 60_000;
/** Refunds retried per sweep: an outage's backlog drains over a few sweeps, not in one. */
const retryBatch = 100;

/**
 * Refunds: all or part of a payment, given back through the gateway. The amount is reserved on
 * the payment first (one conditional update, so concurrent refunds never exceed what was paid),
 * the gateway is asked with the refund's own idempotency key (a retry never refunds twice), and
 * then the refund, its credit note and its subscription event are booked in one transaction —
 * or, when the gateway declines, the reservation is given back.
 *
 * A gateway that fails to answer (an outage: it throws) leaves the refund `pending` with its
 * amount reserved: whether the money moved is unknown, and releasing it could let a second
 * refund exceed the payment. The billing sweep asks again (`retryPending`). The gateway's own
 * `refund.succeeded` webhook is not booked again.
 */
export function createRefunds(deps: {
  db: Kysely<Database>;
  clock: Clock;
  gateway: PaymentGateway;
  creditNotes: CreditNoteIssuer;
}) {
  const { db, clock, gateway, creditNotes } = deps;

  async function refund(input: {
    paymentId: string;
    amountMinor?: number | undefined;
    by: string;
  }): Promise<RefundView> {
    const payment = await paymentById(db, input.paymentId);
    if (!payment) throw new AppError('not_found', 'The payment was not found.');
    if (payment.status !== 'succeeded' && payment.status !== 'refunded') {
      throw new AppError(
        'conflict',
        `Only a payment that succeeded can be refunded; this one is ${payment.status}.`,
      );
    }
    if (payment.gateway !== gateway.name || payment.gateway_ref === null) {
      throw new AppError(
        'conflict',
        `The payment was taken through ${payment.gateway}, which this install no longer uses.`,
      );
    }
    const remaining = payment.amount_minor - payment.refunded_minor;
    if (remaining <= 0) throw new AppError('conflict', 'The payment has been refunded in full already.');
    const amountMinor = input.amountMinor ?? remaining;
    if (!Number.isSafeInteger(amountMinor) || amountMinor <= 0) {
      throw new AppError('validation_failed', 'amount: expected a positive whole number of minor units.');
    }
    if (amountMinor > remaining) {
      throw new AppError(
        'validation_failed',
        `amount: at most ${remaining} (minor units) is left to refund of this payment.`,
        { remaining },
      );
    }
    const amount = money(amountMinor, payment.currency);

    const id = newId('rfd');
    const idempotencyKey = `refund:${id}`;
    const createdAt = clock.now().toISOString();
    const reserved = await db.transaction().execute(async (trx) => {
      if (!(await reserveRefund(trx, payment.id, amountMinor))) return false;
      await insertRefund(trx, {
        id,
        payment_id: payment.id,
        account_id: payment.account_id,
        subscription_id: payment.subscription_id,
        plan_id: payment.plan_id,
        amount_minor: amountMinor,
        currency: payment.currency,
        status: 'pending',
        idempotency_key: idempotencyKey,
        gateway: gateway.name,
        gateway_ref: null,
        failure_reason: null,
        actor: input.by,
        created_at: createdAt,
        settled_at: null,
      });
      return true;
    });
    if (!reserved) {
      throw new AppError(
        'conflict',
        'Another refund of this payment was made meanwhile; less is left to refund now.',
      );
    }

    const outcome = await askGateway({
      id,
      paymentId: payment.id,
      amountMinor,
      idempotencyKey,
      actor: input.by,
    }).catch((error: unknown) => {
      throw new AppError(
        'gateway_unavailable',
        'The payment gateway did not answer. The refund is pending with its amount held; the billing sweep asks the gateway again within minutes.',
        { refund: id },
        { cause: error },
      );
    });
    if (outcome.kind === 'declined') {
      throw new AppError('payment_failed', `The gateway declined the refund: ${outcome.reason}`);
    }
    const after = await paymentById(db, payment.id);
    return {
      id,
      paymentId: payment.id,
      accountId: payment.account_id,
      amount,
      remaining: money((after?.amount_minor ?? 0) - (after?.refunded_minor ?? 0), payment.currency),
      createdAt,
      creditNote: outcome.creditNote,
    };
  }

  /**
   * Asks the gateway for a reserved refund under its own idempotency key and books the answer:
   * a decline gives the reservation back; a success settles the refund and issues its credit
   * note. Whoever settles the refund first books it (the request, or the retry sweep when the
   * request outlived its lease); the other finds it settled and only reads the credit note, which
   * is issued once per refund. Throws when the gateway fails to answer: the refund stays pending.
   */
  async function askGateway(pending: {
    id: string;
    paymentId: string;
    amountMinor: number;
    idempotencyKey: string;
    actor: string;
  }): Promise<
    | { kind: 'declined'; reason: string }
    | { kind: 'refunded'; creditNote: { readonly id: string; readonly number: string } }
  > {
    const payment = await paymentById(db, pending.paymentId);
    if (!payment?.gateway_ref) throw new Error(`Refund ${pending.id}: its payment has no gateway reference.`);
    const amount = money(pending.amountMinor, payment.currency);
    const result = await gateway.refund({
      idempotencyKey: pending.idempotencyKey,
      paymentRef: payment.gateway_ref,
      amount,
    });
    const settledAt = clock.now();
    if (!result.ok) {
      await db.transaction().execute(async (trx) => {
        if (
          await settleRefund(trx, pending.id, {
            status: 'failed',
            gateway_ref: null,
            failure_reason: result.reason,
            settled_at: settledAt.toISOString(),
          })
        )
          await releaseRefund(trx, payment.id, pending.amountMinor);
      });
      return { kind: 'declined', reason: result.reason };
    }

    const creditNote = await db.transaction().execute(async (trx) => {
      const settled = await settleRefund(trx, pending.id, {
        status: 'succeeded',
        gateway_ref: result.refundRef,
        failure_reason: null,
        settled_at: settledAt.toISOString(),
      });
      const issue = () =>
        creditNotes.issueCreditNote(trx, {
          refundId: pending.id,
          paymentId: payment.id,
          issuedAt: settledAt,
          total: amount,
          reason: pending.amountMinor === payment.amount_minor ? 'Refund' : 'Partial refund',
        });
      if (!settled) {
        // Settled meanwhile by the other path: its credit note (issued once per refund) is the
        // answer, if it succeeded. A refund booked as declined gets none.
        const now = await refundById(trx, pending.id);
        if (now?.status !== 'succeeded')
          throw new AppError(
            'conflict',
            `Refund ${pending.id} was settled as ${now?.status ?? 'missing'} meanwhile.`,
          );
        return issue();
      }
      await markFullyRefunded(trx, payment.id);
      const issued = await issue();
      const sub = payment.subscription_id ? await subscriptionById(trx, payment.subscription_id) : undefined;
      if (sub) {
        await recordEvent(trx, {
          id: newId('sev'),
          subscriptionId: sub.id,
          kind: 'refund',
          from: sub.status,
          to: sub.status,
          actor: pending.actor,
          detail: {
            refund: pending.id,
            payment: payment.id,
            amount: pending.amountMinor,
            currency: payment.currency,
            creditNote: issued.number,
          },
          at: settledAt.toISOString(),
        });
      }
      return issued;
    });
    return { kind: 'refunded', creditNote };
  }

  /**
   * Asks the gateway again for each refund left pending by an outage, oldest first, under the
   * refund's own idempotency key: a refund the gateway made before its answer was lost is
   * answered again, never made twice. Only refunds older than `pendingLeaseMs` are retried, so a
   * request still waiting on the gateway is left to finish. One refund's failure is counted and
   * logged, and the rest go on.
   */
  async function retryPending(log: SweepLog): Promise<RefundRetryReport> {
    const before = new Date(clock.now().getTime() - pendingLeaseMs).toISOString();
    const report = { refundsSettled: 0, refundsDeclined: 0, refundsStillPending: 0 };
    for (const row of await pendingRefundsBefore(db, before, retryBatch)) {
      try {
        const outcome = await askGateway({
          id: row.id,
          paymentId: row.payment_id,
          amountMinor: row.amount_minor,
          idempotencyKey: row.idempotency_key,
          actor: row.actor,
        });
        if (outcome.kind === 'refunded') report.refundsSettled++;
        else report.refundsDeclined++;
      } catch (error) {
        report.refundsStillPending++;
        log.error({ refund: row.id, err: error }, 'refund still pending: the gateway did not answer');
      }
    }
    return report;
  }

  async function between(from: string, to: string): Promise<RefundFact[]> {
    return (await refundsSettledBetween(db, from, to)).map((row) => ({
      id: row.id,
      paymentId: row.payment_id,
      accountId: row.account_id,
      planId: row.plan_id,
      amountMinor: row.amount_minor,
      currency: row.currency,
      at: row.settled_at ?? row.created_at,
    }));
  }

  return { refund, retryPending, between };
}
