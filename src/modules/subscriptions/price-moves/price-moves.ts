import type { Kysely } from 'kysely';
import { isUniqueViolation } from '../../../db/errors.js';
import type { Database, PriceMoveRow, SubscriptionRow } from '../../../db/schema.js';
import type { Clock } from '../../../kernel/clock.js';
import { AppError, notFound } from '../../../kernel/errors.js';
import { newId } from '../../../kernel/ids.js';
import type { Money } from '../../../kernel/money.js';
import type { Plan } from '../../plans/index.js';
import type { Pricing } from '../checkout/checkouts.js';
import {
  effectiveAt,
  firstRenewalFrom,
  noticeDaysProblem,
  noticeStanding,
  type NoticeStanding,
} from '../domain/price-moves.js';
import type { Actor } from '../ledger/ledger.js';
import type { BillingNotices } from '../notices/notices.js';
import { recordEvent } from '../queries.js';
import {
  countUntold,
  insertMove,
  insertNotice,
  latestMoves,
  moveOf,
  movesOfPlan,
  noticesOfMove,
} from './queries.js';

/** A price move as the admin sees it, with where its subscribers stand. */
export interface PriceMoveView {
  readonly id: string;
  readonly planId: string;
  /** The price version subscribers move to. */
  readonly price: { readonly id: string; readonly amount: Money };
  readonly noticeDays: number;
  readonly actor: string;
  readonly createdAt: string;
  /** The earliest any subscriber is charged the new price: `noticeDays` after the move. */
  readonly effectiveAt: string;
  /**
   * `pending`: to be told by the next billing run; `notified`: told, still on the old price;
   * `moved`: a renewal charged the new price; `left`: ended or changed plan before one did.
   */
  readonly counts: Readonly<Record<'pending' | NoticeStanding, number>>;
}

/** What the renewal sweep knows of a subscription's next renewal (`Renewals.renewalOf`). */
export interface NextRenewal {
  readonly plan: Plan;
  readonly amount: Money;
  readonly start: Date;
}

/**
 * Moves of a plan's subscribers to a newer price version with notice: recording a move, telling
 * each subscription once (by the billing run, in the transaction that records the notice, like
 * the reminder), and the move's standing. The renewal charges the new price (`priceForRenewal`).
 */
export function createPriceMoves(deps: {
  db: Kysely<Database>;
  clock: Clock;
  pricing: Pricing;
  notices: BillingNotices;
}) {
  const { db, clock, pricing, notices } = deps;

  /** The amount a renewal of `sub` on `price` charges: its lasting discount, then tax. */
  async function chargedOn(sub: SubscriptionRow, price: Money): Promise<Money> {
    return pricing.grossUp(pricing.coupons.apply(price, sub.discount), await pricing.taxTerms());
  }

  async function view(move: PriceMoveRow, latest: boolean): Promise<PriceMoveView> {
    const [price, told, pending] = await Promise.all([
      pricing.plans.price(move.price_id),
      noticesOfMove(db, move.id),
      latest ? countUntold(db, move) : Promise.resolve(0),
    ]);
    if (!price) throw new Error(`Price move ${move.id} is to a missing price ${move.price_id}.`);
    const counts = { pending, notified: 0, moved: 0, left: 0 };
    for (const notice of told) {
      counts[
        noticeStanding({
          movedAt: notice.moved_at,
          status: notice.status,
          planId: notice.plan_id,
          movePlanId: move.plan_id,
        })
      ] += 1;
    }
    return {
      id: move.id,
      planId: move.plan_id,
      price: { id: price.id, amount: price.amount },
      noticeDays: move.notice_days,
      actor: move.actor,
      createdAt: move.created_at,
      effectiveAt: effectiveAt(new Date(move.created_at), move.notice_days).toISOString(),
      counts,
    };
  }

  async function list(planId: string): Promise<PriceMoveView[]> {
    if (!(await pricing.plans.get(planId))) throw notFound('The plan');
    const moves = await movesOfPlan(db, planId);
    const currencies = new Set<string>();
    return Promise.all(
      moves.map((move) => {
        // Newest first: the first of each currency is the one still telling subscribers.
        const latest = !currencies.has(move.currency);
        currencies.add(move.currency);
        return view(move, latest);
      }),
    );
  }

  return {
    /**
     * Records a move of `planId`'s subscribers to `priceId` (by default the plan's first current
     * price) with `noticeDays` of notice; the next billing run tells them. The same move again
     * changes nothing (`created: false`); the same price with other notice is a conflict.
     */
    async create(input: {
      planId: string;
      priceId?: string | undefined;
      noticeDays: number;
      actor: Actor;
    }): Promise<{ move: PriceMoveView; created: boolean }> {
      const problem = noticeDaysProblem(input.noticeDays);
      if (problem) throw new AppError('validation_failed', problem, { field: 'noticeDays' });
      const plan = await pricing.plans.getWithHistory(input.planId);
      if (!plan) throw notFound('The plan');
      let priceId: string;
      if (input.priceId !== undefined) {
        const version = plan.priceHistory.find((v) => v.id === input.priceId);
        if (!version)
          throw new AppError('validation_failed', `${input.priceId} is not a price of ${plan.name}.`, {
            field: 'priceId',
          });
        if (version.supersededAt !== null)
          throw new AppError(
            'validation_failed',
            `${input.priceId} was superseded on ${version.supersededAt}; subscribers move to a current price.`,
            { field: 'priceId' },
          );
        priceId = version.id;
      } else {
        const current = plan.prices[0];
        if (!current) throw new AppError('validation_failed', `${plan.name} has no current price.`);
        priceId = current.id;
      }
      const same = async () => {
        const existing = await moveOf(db, plan.id, priceId);
        if (!existing) return undefined;
        if (existing.notice_days !== input.noticeDays) {
          throw new AppError(
            'conflict',
            `Subscribers of ${plan.name} are being moved to ${priceId} already, with ${existing.notice_days} days' notice.`,
            { field: 'noticeDays' },
          );
        }
        return { move: (await list(plan.id)).find((m) => m.id === existing.id)!, created: false };
      };
      const before = await same();
      if (before) return before;
      const version = plan.priceHistory.find((v) => v.id === priceId)!;
      const id = newId('pmv');
      try {
        await insertMove(db, {
          id,
          plan_id: plan.id,
          price_id: priceId,
          currency: version.amount.currency,
          notice_days: input.noticeDays,
          actor: input.actor,
          created_at: clock.now().toISOString(),
        });
      } catch (error) {
        // Two requests at once: the unique index keeps one move; the second answers it.
        if (isUniqueViolation(error)) {
          const raced = await same();
          if (raced) return raced;
        }
        throw error;
      }
      return { move: (await list(plan.id)).find((m) => m.id === id)!, created: true };
    },

    list,

    /** The moves still telling subscribers (the newest of each plan and currency). */
    telling: () => latestMoves(db),

    /**
     * Tells `sub` of `move`, once: the notice row (unique per move and subscription), its event
     * and its queued mail commit together, so a second run, or two at once, send nothing more.
     * False when it was told already.
     */
    async tell(move: PriceMoveRow, sub: SubscriptionRow, next: NextRenewal): Promise<boolean> {
      const at = clock.now();
      const price = await pricing.plans.price(move.price_id);
      if (!price) throw new Error(`Price move ${move.id} is to a missing price ${move.price_id}.`);
      const effective = effectiveAt(at, move.notice_days);
      const firstChargeAt = firstRenewalFrom(next.start, next.plan.term, effective);
      // Composed before the transaction: on SQLite nothing else may use the connection while it is open.
      const notice = await notices.priceChange({
        accountId: sub.account_id,
        planName: next.plan.name,
        oldAmount: next.amount,
        newAmount: await chargedOn(sub, price.amount),
        effectiveAt: effective,
        firstChargeAt,
      });
      if (!notice) throw new Error(`Subscription ${sub.id} has no account to tell of a new price.`);
      try {
        await db.transaction().execute(async (trx) => {
          await insertNotice(trx, {
            id: newId('pnt'),
            move_id: move.id,
            subscription_id: sub.id,
            plan_id: move.plan_id,
            currency: move.currency,
            from_price_id: sub.price_id,
            to_price_id: move.price_id,
            notified_at: at.toISOString(),
            effective_at: effective.toISOString(),
            moved_at: null,
          });
          await recordEvent(trx, {
            id: newId('sev'),
            subscriptionId: sub.id,
            kind: 'price_notice',
            from: sub.status,
            to: sub.status,
            actor: 'billing-run',
            detail: {
              move: move.id,
              price: move.price_id,
              effectiveAt: effective.toISOString(),
              firstChargeAt: firstChargeAt.toISOString(),
            },
            at: at.toISOString(),
          });
          await notice.queue(trx);
        });
      } catch (error) {
        if (isUniqueViolation(error)) return false;
        throw error;
      }
      return true;
    },
  };
}

export type PriceMoves = ReturnType<typeof createPriceMoves>;
