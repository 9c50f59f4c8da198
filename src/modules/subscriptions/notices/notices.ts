import type { Kysely } from 'kysely';
import type { Database } from '../../../db/schema.js';
import type { Money } from '../../../kernel/money.js';

/** A notice composed and ready to be queued in the transaction of what it announces. */
export interface QueueableNotice {
  /** Queues the notice in `trx`; it exists exactly when the transaction commits. Returns its id. */
  queue(trx: Kysely<Database>): Promise<string>;
}

/**
 * The mail a subscriber receives about their subscription. The ledger and the renewal sweep
 * call these after their transaction commits (the reminder is queued inside it); an implementation looks the reader up by account.
 */
export interface BillingNotices {
  /** A payment succeeded: the receipt, with the invoice. */
  receipt(input: {
    readonly accountId: string;
    readonly planName: string;
    readonly amount: Money;
    readonly invoiceId: string;
    readonly invoiceNumber: string;
    readonly renewsAt: Date | null;
  }): Promise<void>;
  /** A free trial began; the first charge comes at its end. */
  trialStarted(input: {
    readonly accountId: string;
    readonly planName: string;
    readonly amount: Money;
    readonly trialEndsAt: Date;
  }): Promise<void>;
  /**
   * The pre-debit notice: at least 24 hours before a renewal charge, with amount and date.
   * Composed here, queued by the sweep in the transaction that records the reminder (it counts
   * as sent once it is queued), delivered after the commit. Undefined when the account is gone.
   */
  renewalReminder(input: {
    readonly accountId: string;
    readonly planName: string;
    readonly amount: Money;
    readonly chargeOn: Date;
  }): Promise<QueueableNotice | undefined>;
  /**
   * The notice of a new price, composed for the sweep to queue in the transaction that records
   * it (as the reminder is). Undefined when the account is gone.
   */
  priceChange(input: {
    readonly accountId: string;
    readonly planName: string;
    readonly oldAmount: Money;
    readonly newAmount: Money;
    readonly effectiveAt: Date;
    readonly firstChargeAt: Date;
  }): Promise<QueueableNotice | undefined>;
  /** A renewal charge failed; `retryAt` null means no more attempts. */
  paymentFailed(input: {
    readonly accountId: string;
    readonly planName: string;
    readonly amount: Money;
    readonly reason: string;
    readonly retryAt: Date | null;
    readonly accessUntil: Date;
  }): Promise<void>;
  /** The reader cancelled; access continues until `endsAt`. */
  canceled(input: {
    readonly accountId: string;
    readonly planName: string;
    readonly endsAt: Date;
  }): Promise<void>;
  /** The subscription has ended. */
  ended(input: {
    readonly accountId: string;
    readonly planName: string;
    readonly reason: 'canceled' | 'payment_failed' | 'account_deleted';
  }): Promise<void>;
}
