// The figures, as pure functions over plain facts: the events recorded here, and what billing
// reports (subscriptions, payments, refunds, comps). No I/O, no clock: the range says when.

/** One recorded event, as the figures read it. */
export interface EventFact {
  readonly kind: 'paywall_impression' | 'checkout_start';
  /** The identity the meter counts by: the account when signed in, else the device's `rdr_…`. */
  readonly readerId: string;
  /** The device's anonymous id, when it carried one. */
  readonly deviceId: string | null;
  readonly accountId: string | null;
  readonly articleId: string | null;
  readonly planId: string | null;
  readonly at: string;
}

/** A subscription, as billing reports it. */
export interface SubscriptionFact {
  readonly id: string;
  readonly accountId: string;
  readonly planId: string;
  readonly planName: string;
  readonly priceMinor: number;
  readonly currency: string;
  readonly term: { readonly unit: 'month' | 'year'; readonly count: number };
  readonly startedAt: string;
  readonly trialEndsAt: string | null;
  readonly canceledAt: string | null;
  readonly endedAt: string | null;
}

/** A payment that succeeded, as billing reports it. */
export interface PaymentFact {
  readonly id: string;
  readonly accountId: string;
  readonly planId: string | null;
  readonly amountMinor: number;
  readonly currency: string;
  readonly at: string;
}

/** A refund, as billing reports it. */
export interface RefundFact {
  id: string;
  paymentId: string;
  accountId: string;
  planId: string | null;
  amountMinor: number;
  currency: string;
  at: string;
}

/** A comp (a free subscription or benefit support granted), as billing reports it. */
export interface CompFact {
  id: string;
  accountId: string;
  planId: string | null;
  benefits: readonly string[];
  startsAt: string;
  endsAt: string;
  grantedAt: string;
}

/** Whole UTC days, both included: `start` is the first instant, `end` the first one after. */
export interface Range {
  readonly from: string;
  readonly to: string;
  readonly start: string;
  readonly end: string;
}

const dayMs = 86_400_000;

/** The range of the days `from` to `to` (YYYY-MM-DD, both included). */
export function rangeOf(from: string, to: string): Range {
  const start = `${from}T00:00:00.000Z`;
  const end = new Date(Date.parse(`${to}T00:00:00.000Z`) + dayMs).toISOString();
  return { from, to, start, end };
}

/** The days of the range, in order (YYYY-MM-DD). */
export function daysOf(range: Range): string[] {
  const days: string[] = [];
  for (let t = Date.parse(range.start); t < Date.parse(range.end); t += dayMs) {
    days.push(new Date(t).toISOString().slice(0, 10));
  }
  return days;
}

/** How many days the range covers. */
export const spanDays = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / dayMs) + 1;

const within = (at: string, range: Range) => at >= range.start && at < range.end;

export interface Amount {
  readonly amount: number;
  readonly currency: string;
}

export interface PlanRevenue {
  readonly planId: string | null;
  readonly planName: string | null;
  readonly payments: number;
  readonly gross: Amount;
  readonly refunded: Amount;
  readonly net: Amount;
}

export interface ArticleConversions {
  readonly articleId: string;
  readonly subscriptions: number;
}

export interface DayFigures {
  readonly date: string;
  readonly paywallImpressions: number;
  readonly checkoutsStarted: number;
  readonly newSubscriptions: number;
}

/** Every figure of a range, before headlines are looked up. */
export interface Figures {
  readonly paywallImpressions: number;
  /** Distinct readers (people, devices folded into the accounts they signed in to) who met the paywall. */
  readonly readersAtPaywall: number;
  readonly checkoutsStarted: number;
  readonly newSubscriptions: number;
  /** newSubscriptions ÷ readersAtPaywall; null when nobody met the paywall. */
  readonly conversionRate: number | null;
  readonly activeSubscribers: number;
  readonly activeSubscribersAtStart: number;
  readonly cancellations: number;
  /** cancellations ÷ activeSubscribersAtStart; null when there were none at the start. */
  readonly churnRate: number | null;
  readonly mrr: Amount;
  readonly arr: Amount;
  readonly revenueByPlan: readonly PlanRevenue[];
  /** Null when billing does not report refunds. */
  readonly refunds: { readonly count: number; readonly total: Amount } | null;
  /** Null when billing does not report comps. */
  readonly compsGranted: number | null;
  readonly topConvertingArticles: readonly ArticleConversions[];
  readonly daily: readonly DayFigures[];
}

export interface Facts {
  readonly range: Range;
  /** The events of the range (and any earlier ones the top-articles rule should see). */
  readonly events: readonly EventFact[];
  /** Subscriptions live at some instant of the range. */
  readonly subscriptions: readonly SubscriptionFact[];
  /** Payments that succeeded in the range. */
  readonly payments: readonly PaymentFact[];
  readonly refunds?: readonly RefundFact[] | undefined;
  readonly comps?: readonly CompFact[] | undefined;
  /** The currency figures are given in when no subscription or payment names one. */
  readonly currency: string;
}

const monthsIn = (term: SubscriptionFact['term']) => (term.unit === 'year' ? term.count * 12 : term.count);

/** Live at `at`: opened at or before it and not yet ended. */
export const liveAt = (sub: SubscriptionFact, at: string) =>
  sub.startedAt <= at && (sub.endedAt === null || sub.endedAt > at);

/** Paid at `at`: live and past any free trial. */
const paidAt = (sub: SubscriptionFact, at: string) =>
  liveAt(sub, at) && (sub.trialEndsAt === null || sub.trialEndsAt <= at);

/**
 * When a subscription was lost: the cancellation request if there is one, else the end (the
 * retries of a failed renewal ran out); null while it is live and not cancelled.
 */
const lostAt = (sub: SubscriptionFact) => sub.canceledAt ?? sub.endedAt;

/**
 * Who a reader id stands for: a device id is folded into the account that was signed in on
 * that device (the latest such account, from any event that carries both), so a reader who
 * met the paywall anonymously and then signed in to subscribe is one person, not two.
 */
export function identityResolver(events: readonly EventFact[]): (readerId: string) => string {
  const accountOfDevice = new Map<string, { account: string; at: string }>();
  for (const event of events) {
    if (event.deviceId === null || event.accountId === null) continue;
    const known = accountOfDevice.get(event.deviceId);
    if (!known || known.at <= event.at)
      accountOfDevice.set(event.deviceId, { account: event.accountId, at: event.at });
  }
  return (readerId) => accountOfDevice.get(readerId)?.account ?? readerId;
}

/** The MRR at `at`: each paid subscription's price ÷ the months of its term, in `currency`. */
export function mrrAt(subscriptions: readonly SubscriptionFact[], at: string, currency: string): Amount {
  let total = 0;
  for (const sub of subscriptions) {
    if (sub.currency === currency && paidAt(sub, at)) total += sub.priceMinor / monthsIn(sub.term);
  }
  // Rounded once, at the end, so that many thirds of a paisa do not each round down.
  return { amount: Math.round(total), currency };
}

/** Per plan: payments that succeeded in the range, less refunds made in the range. */
export function revenueByPlan(
  payments: readonly PaymentFact[],
  refunds: readonly RefundFact[],
  planNames: ReadonlyMap<string, string>,
  range: Range,
  currency: string,
): PlanRevenue[] {
  const rows = new Map<
    string,
    { planId: string | null; payments: number; gross: number; refunded: number }
  >();
  const row = (planId: string | null) => {
    const key = planId ?? '';
    let found = rows.get(key);
    if (!found) rows.set(key, (found = { planId, payments: 0, gross: 0, refunded: 0 }));
    return found;
  };
  const planOfPayment = new Map(payments.map((p) => [p.id, p.planId]));
  for (const payment of payments) {
    if (payment.currency !== currency || !within(payment.at, range)) continue;
    const r = row(payment.planId);
    r.payments++;
    r.gross += payment.amountMinor;
  }
  for (const refund of refunds) {
    if (refund.currency !== currency || !within(refund.at, range)) continue;
    row(refund.planId ?? planOfPayment.get(refund.paymentId) ?? null).refunded += refund.amountMinor;
  }
  return [...rows.values()]
    .map((r) => ({
      planId: r.planId,
      planName: r.planId === null ? null : (planNames.get(r.planId) ?? null),
      payments: r.payments,
      gross: { amount: r.gross, currency },
      refunded: { amount: r.refunded, currency },
      net: { amount: r.gross - r.refunded, currency },
    }))
    .sort((a, b) => b.net.amount - a.net.amount || String(a.planId).localeCompare(String(b.planId)));
}

/**
 * For each subscription opened in the range, the article on which its reader last met the
 * paywall before it opened (as the account, or on a device later signed in to it); counted per
 * article, most first. A subscriber who never met the paywall counts for no article.
 */
export function topConvertingArticles(
  events: readonly EventFact[],
  subscriptions: readonly SubscriptionFact[],
  range: Range,
  limit = 10,
): ArticleConversions[] {
  const personOf = identityResolver(events);
  const impressions = events
    .filter((e) => e.kind === 'paywall_impression' && e.articleId !== null)
    .sort((a, b) => (a.at < b.at ? -1 : a.at > b.at ? 1 : 0));
  const counts = new Map<string, number>();
  for (const sub of subscriptions) {
    if (!within(sub.startedAt, range)) continue;
    let last: string | null = null;
    for (const impression of impressions) {
      if (impression.at > sub.startedAt) break;
      const person = impression.accountId ?? personOf(impression.readerId);
      if (person === sub.accountId) last = impression.articleId;
    }
    if (last !== null) counts.set(last, (counts.get(last) ?? 0) + 1);
  }
  return [...counts]
    .map(([articleId, subscriptions]) => ({ articleId, subscriptions }))
    .sort((a, b) => b.subscriptions - a.subscriptions || a.articleId.localeCompare(b.articleId))
    .slice(0, limit);
}

/** Impressions, checkout starts and new subscriptions per UTC day of the range. */
export function dailySeries(
  events: readonly EventFact[],
  subscriptions: readonly SubscriptionFact[],
  range: Range,
): DayFigures[] {
  const days = new Map(
    daysOf(range).map((date) => [
      date,
      { date, paywallImpressions: 0, checkoutsStarted: 0, newSubscriptions: 0 },
    ]),
  );
  for (const event of events) {
    const day = days.get(event.at.slice(0, 10));
    if (!day || !within(event.at, range)) continue;
    if (event.kind === 'paywall_impression') day.paywallImpressions++;
    else day.checkoutsStarted++;
  }
  for (const sub of subscriptions) {
    const day = days.get(sub.startedAt.slice(0, 10));
    if (day && within(sub.startedAt, range)) day.newSubscriptions++;
  }
  return [...days.values()];
}

/** The currency most subscriptions (else payments) are in; `fallback` when there are none. */
function mainCurrency(facts: Facts): string {
  const counts = new Map<string, number>();
  for (const { currency } of [...facts.subscriptions, ...facts.payments]) {
    counts.set(currency, (counts.get(currency) ?? 0) + 1);
  }
  let best = facts.currency;
  let most = 0;
  for (const [currency, count] of counts) {
    if (count > most || (count === most && currency === facts.currency)) [best, most] = [currency, count];
  }
  return best;
}

/** Every figure of the range, by the definitions in docs/analytics.md. */
export function computeFigures(facts: Facts): Figures {
  const { range, events, subscriptions } = facts;
  const currency = mainCurrency(facts);
  const inRange = events.filter((e) => within(e.at, range));
  const impressions = inRange.filter((e) => e.kind === 'paywall_impression');
  const personOf = identityResolver(events);
  const readersAtPaywall = new Set(impressions.map((e) => e.accountId ?? personOf(e.readerId))).size;
  const newSubscriptions = subscriptions.filter((s) => within(s.startedAt, range)).length;
  // "At the start" is the range's first instant; "at the end" the last one before `end`.
  const activeSubscribersAtStart = subscriptions.filter(
    (s) => liveAt(s, range.start) && s.startedAt < range.start,
  ).length;
  const lastInstant = new Date(Date.parse(range.end) - 1).toISOString();
  const activeSubscribers = subscriptions.filter((s) => liveAt(s, lastInstant)).length;
  const cancellations = subscriptions.filter((s) => {
    const lost = lostAt(s);
    return lost !== null && within(lost, range);
  }).length;
  const mrr = mrrAt(subscriptions, lastInstant, currency);
  const planNames = new Map(subscriptions.map((s) => [s.planId, s.planName]));
  const refunds = facts.refunds?.filter((r) => r.currency === currency && within(r.at, range));
  return {
    paywallImpressions: impressions.length,
    readersAtPaywall,
    checkoutsStarted: inRange.length - impressions.length,
    newSubscriptions,
    conversionRate: readersAtPaywall === 0 ? null : newSubscriptions / readersAtPaywall,
    activeSubscribers,
    activeSubscribersAtStart,
    cancellations,
    churnRate: activeSubscribersAtStart === 0 ? null : cancellations / activeSubscribersAtStart,
    mrr,
    arr: { amount: mrr.amount * 12, currency },
    revenueByPlan: revenueByPlan(facts.payments, facts.refunds ?? [], planNames, range, currency),
    refunds: refunds
      ? {
          count: refunds.length,
          total: { amount: refunds.reduce((sum, r) => sum + r.amountMinor, 0), currency },
        }
      : null,
    compsGranted: facts.comps ? facts.comps.filter((c) => within(c.grantedAt, range)).length : null,
    topConvertingArticles: topConvertingArticles(events, subscriptions, range),
    daily: dailySeries(events, subscriptions, range),
  };
}
