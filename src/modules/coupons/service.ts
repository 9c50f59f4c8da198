import type { Kysely, Updateable } from 'kysely';
import { isUniqueViolation } from '../../db/errors.js';
import type { CouponRow, CouponsTable, Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { newId } from '../../kernel/ids.js';
import { money, type Money } from '../../kernel/money.js';
import type { PlanService } from '../plans/index.js';
import type { PublicationService } from '../publication/index.js';
import {
  couponCodePattern,
  applyDiscount,
  discountJson,
  normaliseCode,
  parseDiscount,
  quoteCoupon,
  type Coupon,
  type Discount,
  type CouponDuration,
  type CouponKind,
  type Quote,
} from './domain.js';
import * as q from './queries.js';

export interface CouponInput {
  /** 3–32 letters, digits, `-` or `_`; stored upper-case. */
  readonly code: string;
  readonly kind: CouponKind;
  /** Required for `percent`: a whole number 1–100. */
  readonly percentOff?: number | null;
  /** Required for `amount`: a positive amount; it applies only to prices in its currency. */
  readonly amountOff?: Money | null;
  readonly duration: CouponDuration;
  /** The plans it applies to; absent or null for every plan. */
  readonly planIds?: readonly string[] | null;
  /** An ISO 8601 instant in the future; absent or null for never. */
  readonly expiresAt?: string | null;
  /** How many readers may use it in all; absent or null for no limit. */
  readonly maxRedemptions?: number | null;
}

/**
 * What may change once readers may hold the code. What it takes off may not: checkouts already
 * quoted it, and a different discount is a different coupon. A limit below the redemptions so
 * far simply stops further use.
 */
export interface CouponPatch {
  readonly active?: boolean;
  readonly expiresAt?: string | null;
  readonly maxRedemptions?: number | null;
}

/** Discount codes: the admin creates them, readers quote them at checkout, subscriptions redeem them. */
export interface CouponService {
  /** Throws `validation_failed` for an impossible coupon, `conflict` for a taken code. */
  create(input: CouponInput): Promise<Coupon>;
  /** Every coupon, newest first. */
  list(): Promise<Coupon[]>;
  get(id: string): Promise<Coupon | undefined>;
  /** Throws `not_found`, or `validation_failed` for a limit below one. */
  update(id: string, patch: CouponPatch): Promise<Coupon>;
  /**
   * Whether a reader may use `code` (any case) on `price` of `planId`, and the discount it
   * gives. A refusal is a value with a sentence for the reader, never an exception.
   */
  quote(code: string, context: { planId: string; price: Money; accountId: string }): Promise<Quote>;
  /**
   * Counts one use by `accountId`, inside the caller's transaction `trx` (the one that starts
   * the subscription), so a rolled-back subscription uses nothing. False when the coupon is
   * switched off, at its limit, or already used by this account; exact under concurrency.
   * It does not check expiry: a reader who was quoted the code before it expired keeps it.
   */
  redeem(
    trx: Kysely<Database>,
    use: { couponId: string; accountId: string; subscriptionId: string },
  ): Promise<boolean>;
  /**
   * Holds one use for `accountId` while `checkoutId` is open, so that the limit counts checkouts
   * not yet paid: a code with one use left gives it to the first checkout only. A reader's second
   * checkout with the same code moves their one hold to it. Refused (a value) when the coupon is
   * switched off or its redemptions and holds have reached the limit; exact under concurrency.
   * `redeem` turns the reader's hold into a redemption; `release` gives it back.
   */
  reserve(use: {
    couponId: string;
    accountId: string;
    checkoutId: string;
    expiresAt: Date;
  }): Promise<{ readonly ok: true } | Extract<Quote, { ok: false }>>;
  /** Gives back the holds of a checkout that failed, expired or was abandoned; inside `trx`. */
  release(trx: Kysely<Database>, checkoutId: string): Promise<void>;
  /** The price after a discount stored as `serialise` wrote it (none: the price itself). */
  apply(price: Money, storedDiscount: string | null): Money;
  /** A quoted discount written out for storing with a checkout or subscription. */
  serialise(discount: Discount): string;
}

function couponOf(row: CouponRow): Coupon {
  return {
    id: row.id,
    code: row.code,
    kind: row.kind,
    percentOff: row.percent_off,
    amountOff:
      row.amount_off_minor === null || row.currency === null
        ? null
        : money(Number(row.amount_off_minor), row.currency),
    duration: row.duration,
    planIds: row.plan_ids === null ? null : (JSON.parse(row.plan_ids) as string[]),
    expiresAt: row.expires_at,
    maxRedemptions: row.max_redemptions,
    redemptions: row.redemptions,
    reserved: row.reserved,
    active: row.active === 1,
    createdAt: row.created_at,
  };
}

const invalid = (field: string, message: string) => new AppError('validation_failed', message, { field });

/** Stored timestamps are UTC with milliseconds, so that comparing them as text compares instants. */
function instant(value: string): string {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw invalid('expiresAt', 'The expiry is not an ISO 8601 date-time.');
  return at.toISOString();
}

function checkLimit(maxRedemptions: number | null | undefined): void {
  if (maxRedemptions != null && (!Number.isSafeInteger(maxRedemptions) || maxRedemptions < 1)) {
    throw invalid('maxRedemptions', 'A redemption limit is a whole number from 1, or null for no limit.');
  }
}

/**
 * `plans` checks that the plan ids a coupon names exist; `publication` gives the time zone in
 * which an expiry date is told to a reader (UTC without it).
 */
export function createCouponService(deps: {
  db: Kysely<Database>;
  clock: Clock;
  plans?: Pick<PlanService, 'get'>;
  publication?: Pick<PublicationService, 'settings'>;
}): CouponService {
  const { db, clock } = deps;
  const now = () => clock.now().toISOString();

  async function get(id: string): Promise<Coupon | undefined> {
    const row = await q.selectCoupon(db, { id });
    return row && couponOf(row);
  }

  async function checkPlans(planIds: readonly string[]): Promise<void> {
    if (planIds.length === 0) {
      throw invalid(
        'planIds',
        'Name at least one plan the coupon applies to, or leave planIds out for every plan.',
      );
    }
    if (!deps.plans) return;
    for (const planId of new Set(planIds)) {
      if (!(await deps.plans.get(planId))) throw invalid('planIds', `There is no plan "${planId}".`);
    }
  }

  return {
    async create(input) {
      const code = normaliseCode(input.code);
      if (!couponCodePattern.test(code)) {
        throw invalid('code', 'A code is 3 to 32 letters, digits, hyphens or underscores.');
      }
      let percentOff: number | null = null;
      let amountOff: Money | null = null;
      if (input.kind === 'percent') {
        if (input.amountOff != null)
          throw invalid('amountOff', 'A percent coupon takes percentOff, not amountOff.');
        percentOff = input.percentOff ?? null;
        if (percentOff === null || !Number.isInteger(percentOff) || percentOff < 1 || percentOff > 100) {
          throw invalid('percentOff', 'A percent coupon needs percentOff, a whole number from 1 to 100.');
        }
      } else {
        if (input.percentOff != null)
          throw invalid('percentOff', 'An amount coupon takes amountOff, not percentOff.');
        amountOff = input.amountOff ?? null;
        if (
          amountOff === null ||
          !Number.isSafeInteger(amountOff.amountMinor) ||
          amountOff.amountMinor <= 0
        ) {
          throw invalid('amountOff', 'An amount coupon needs amountOff, a positive amount in minor units.');
        }
      }
      const planIds = input.planIds == null ? null : [...new Set(input.planIds)];
      if (planIds) await checkPlans(planIds);
      const at = now();
      const expiresAt = input.expiresAt == null ? null : instant(input.expiresAt);
      if (expiresAt !== null && expiresAt <= at) {
        throw invalid('expiresAt', 'The expiry is in the past; a coupon is created to be used.');
      }
      checkLimit(input.maxRedemptions);

      const id = newId('cpn');
      try {
        await db
          .insertInto('coupons')
          .values({
            id,
            code,
            kind: input.kind,
            percent_off: percentOff,
            amount_off_minor: amountOff?.amountMinor ?? null,
            currency: amountOff?.currency ?? null,
            duration: input.duration,
            plan_ids: planIds && JSON.stringify(planIds),
            expires_at: expiresAt,
            max_redemptions: input.maxRedemptions ?? null,
            created_at: at,
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) {
          throw new AppError('conflict', `The code "${code}" is taken.`, { field: 'code' });
        }
        throw error;
      }
      return (await get(id))!;
    },

    async list() {
      return (await q.selectCoupons(db)).map(couponOf);
    },

    get,

    async update(id, patch) {
      checkLimit(patch.maxRedemptions);
      const set: Updateable<CouponsTable> = {};
      if (patch.active !== undefined) set.active = patch.active ? 1 : 0;
      if (patch.expiresAt !== undefined) set.expires_at = patch.expiresAt && instant(patch.expiresAt);
      if (patch.maxRedemptions !== undefined) set.max_redemptions = patch.maxRedemptions;
      if (Object.keys(set).length > 0) {
        const result = await db.updateTable('coupons').set(set).where('id', '=', id).executeTakeFirst();
        if (result.numUpdatedRows === 0n) throw notFound('The coupon');
      }
      const coupon = await get(id);
      if (!coupon) throw notFound('The coupon');
      return coupon;
    },

    async quote(rawCode, context) {
      const code = normaliseCode(rawCode);
      const row = couponCodePattern.test(code) ? await q.selectCoupon(db, { code }) : undefined;
      const coupon = row && couponOf(row);
      const [alreadyUsed, timeZone] = coupon
        ? await Promise.all([
            q.redeemedBy(db, coupon.id, context.accountId),
            deps.publication ? deps.publication.settings().then((s) => s.timeZone) : 'UTC',
          ])
        : [false, 'UTC'];
      return quoteCoupon(coupon, {
        code: rawCode,
        planId: context.planId,
        price: context.price,
        now: clock.now(),
        alreadyUsed,
        timeZone,
      });
    },

    async redeem(trx, use) {
      const hold = await q.selectReservation(trx, use.couponId, use.accountId);
      if (hold && (await q.deleteReservation(trx, hold.id))) {
        // The hold already counts against the limit: it becomes the redemption, if the coupon is
        // still on. Either way the hold is gone, so a refusal gives its use back.
        const recorded = await q.insertRedemption(trx, {
          id: newId('red'),
          couponId: use.couponId,
          accountId: use.accountId,
          subscriptionId: use.subscriptionId,
          at: now(),
        });
        if (recorded && (await q.convertReserved(trx, use.couponId))) return true;
        await q.decrementReserved(trx, use.couponId);
        if (recorded) await q.deleteRedemptionOf(trx, use.couponId, use.accountId);
        return false;
      }
      // No hold (a checkout opened before holds existed): the use counts only within the limit.
      const redemptionId = newId('red');
      // The redemption row first: a reader's second use is refused without touching the
      // count. Then the guarded increment; when it refuses (the limit was reached meanwhile),
      // the row goes again, in the same transaction.
      const recorded = await q.insertRedemption(trx, {
        id: redemptionId,
        couponId: use.couponId,
        accountId: use.accountId,
        subscriptionId: use.subscriptionId,
        at: now(),
      });
      if (!recorded) return false;
      if (await q.incrementRedemptions(trx, use.couponId)) return true;
      await q.deleteRedemption(trx, redemptionId);
      return false;
    },

    async reserve(use) {
      const held = await db.transaction().execute(async (trx) => {
        const id = newId('rsv');
        const at = now();
        const to = { checkoutId: use.checkoutId, expiresAt: use.expiresAt.toISOString() };
        const inserted = await q.insertReservation(trx, {
          id,
          couponId: use.couponId,
          accountId: use.accountId,
          ...to,
          at,
        });
        if (!inserted) {
          // The reader's earlier checkout holds their use: it moves to this one.
          const earlier = await q.selectReservation(trx, use.couponId, use.accountId);
          if (earlier) {
            await q.moveReservation(trx, earlier.id, to);
            return true;
          }
          return false;
        }
        if (await q.incrementReserved(trx, use.couponId)) return true;
        await q.deleteReservation(trx, id);
        return false;
      });
      if (held) return { ok: true };
      const row = await q.selectCoupon(db, { id: use.couponId });
      return row?.active === 1
        ? { ok: false, reason: 'exhausted', message: 'This code has been used as many times as it allows.' }
        : { ok: false, reason: 'inactive', message: 'This code is no longer valid.' };
    },

    async release(trx, checkoutId) {
      for (const hold of await q.selectReservationsOfCheckout(trx, checkoutId)) {
        // Only the call that deleted the hold gives its use back.
        if (await q.deleteReservation(trx, hold.id)) await q.decrementReserved(trx, hold.coupon_id);
      }
    },

    apply: (price, storedDiscount) => applyDiscount(price, parseDiscount(storedDiscount)),
    serialise: (discount) => discountJson(discount),
  };
}
