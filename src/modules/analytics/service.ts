import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { newId } from '../../kernel/ids.js';
import { renderDailyChart } from './charts.js';
import { toCsv } from './csv.js';
import {
  computeFigures,
  rangeOf,
  type CompFact,
  type DayFigures,
  type EventFact,
  type Figures,
  type PaymentFact,
  type RefundFact,
  type SubscriptionFact,
} from './domain.js';
import { eventsBetween, insertEvents } from './queries.js';
import { createBatchWriter, type BatchWriterLog, type BatchWriterOptions } from './writer.js';

/** A reader was refused an article and shown the paywall. */
export interface PaywallImpression {
  /** The identity the meter counts by (the account's id when signed in, else the device's). */
  readonly readerId: string;
  /** The device's anonymous reader id, if its cookie came with the request. */
  readonly deviceId: string | undefined;
  readonly articleId: string;
}

/** A signed-in reader started paying for a plan. */
export interface CheckoutStart {
  readonly accountId: string;
  readonly deviceId: string | undefined;
  readonly planId: string;
  /** Where the reader returns after paying: an article's path names the article they came from. */
  readonly returnTo: string;
}

/**
 * What the reading and subscriptions modules are given to note their events. Each call returns
 * at once (the event is buffered and written in a batch); it never throws.
 */
export interface AnalyticsRecorder {
  paywallImpression(event: PaywallImpression): void;
  checkoutStarted(event: CheckoutStart): void;
}

/** A figure answer: every figure, the top articles with their headlines, and the daily series. */
export interface FiguresAnswer extends Omit<Figures, 'topConvertingArticles'> {
  readonly from: string;
  readonly to: string;
  readonly topConvertingArticles: readonly {
    readonly articleId: string;
    readonly headline: string | null;
    readonly subscriptions: number;
  }[];
}

export type CsvTable = 'revenueByPlan' | 'topConvertingArticles' | 'daily';

export interface AnalyticsService {
  readonly recorder: AnalyticsRecorder;
  /** The figures of the days `from` to `to` (YYYY-MM-DD, both included, UTC). */
  figures(from: string, to: string): Promise<FiguresAnswer>;
  /** One table of the figures as CSV. */
  csv(table: CsvTable, from: string, to: string): Promise<string>;
  /** The daily series as an SVG chart. */
  chart(from: string, to: string): Promise<string>;
  /** Writes the events buffered now. */
  flush(): Promise<void>;
  /** Writes every buffered event and stops the writer's timer (the app's onClose). */
  close(): Promise<void>;
}

/** What analytics asks of billing: plain facts, read-only. Refunds and comps may not exist yet. */
export interface BillingFacts {
  subscriptionsBetween(from: string, to: string): Promise<readonly SubscriptionFact[]>;
  paymentsBetween(from: string, to: string): Promise<readonly PaymentFact[]>;
  refundsBetween?: ((from: string, to: string) => Promise<readonly RefundFact[]>) | undefined;
  compsBetween?: ((from: string, to: string) => Promise<readonly CompFact[]>) | undefined;
}

/** How far back the top-articles rule looks for a subscriber's last paywall. */
const lookbackMs = 90 * 86_400_000;
const accountPrefix = 'acc_';
/** `/article/<slug>` (with any query or fragment): the article a checkout came from. */
const articlePath = /^\/article\/([A-Za-z0-9-]{1,200})(?:[/?#]|$)/;

export function createAnalyticsService(deps: {
  db: Kysely<Database>;
  clock: Clock;
  billing: BillingFacts;
  /** The article of a slug (for checkout starts) and of an id (for headlines). */
  articles: { find(idOrSlug: string): Promise<{ id: string; headline: string } | undefined> };
  log: BatchWriterLog;
  writer?: BatchWriterOptions;
}): AnalyticsService {
  const { db, clock, billing, articles } = deps;

  /**
   * A row waiting to be written. Its id is made, and a checkout's article looked up, when the
   * batch is written: off the request's path.
   */
  type Pending = EventFact & { articleSlug?: string };
  const writer = createBatchWriter<Pending>(
    async (batch) => {
      const slugs = [...new Set(batch.flatMap((row) => (row.articleSlug ? [row.articleSlug] : [])))];
      const found = await Promise.all(
        slugs.map(async (slug) => [slug, (await articles.find(slug))?.id] as const),
      );
      const idOf = new Map(found);
      await insertEvents(
        db,
        batch.map((row) => ({
          id: newId('aev'),
          kind: row.kind,
          reader_id: row.readerId,
          device_id: row.deviceId,
          account_id: row.accountId,
          article_id: row.articleId ?? (row.articleSlug ? (idOf.get(row.articleSlug) ?? null) : null),
          plan_id: row.planId,
          at: row.at,
        })),
      );
    },
    deps.log,
    deps.writer,
  );

  const recorder: AnalyticsRecorder = {
    paywallImpression(event) {
      const signedIn = event.readerId.startsWith(accountPrefix);
      writer.add({
        kind: 'paywall_impression',
        readerId: event.readerId,
        deviceId: event.deviceId ?? (signedIn ? null : event.readerId),
        accountId: signedIn ? event.readerId : null,
        articleId: event.articleId,
        planId: null,
        at: clock.now().toISOString(),
      });
    },
    checkoutStarted(event) {
      const slug = articlePath.exec(event.returnTo)?.[1];
      writer.add({
        kind: 'checkout_start',
        readerId: event.accountId,
        deviceId: event.deviceId ?? null,
        accountId: event.accountId,
        articleId: null,
        ...(slug !== undefined && { articleSlug: slug }),
        planId: event.planId,
        at: clock.now().toISOString(),
      });
    },
  };

  async function figures(from: string, to: string): Promise<FiguresAnswer> {
    const range = rangeOf(from, to);
    const since = new Date(Date.parse(range.start) - lookbackMs).toISOString();
    const [rows, subscriptions, payments, refunds, comps] = await Promise.all([
      eventsBetween(db, since, range.end),
      billing.subscriptionsBetween(range.start, range.end),
      billing.paymentsBetween(range.start, range.end),
      billing.refundsBetween?.(range.start, range.end),
      billing.compsBetween?.(range.start, range.end),
    ]);
    const events: EventFact[] = rows.map((row) => ({
      kind: row.kind,
      readerId: row.reader_id,
      deviceId: row.device_id,
      accountId: row.account_id,
      articleId: row.article_id,
      planId: row.plan_id,
      at: row.at,
    }));
    const computed = computeFigures({
      range,
      events,
      subscriptions,
      payments,
      refunds,
      comps,
      currency: 'INR',
    });
    const topConvertingArticles = await Promise.all(
      computed.topConvertingArticles.map(async (top) => ({
        articleId: top.articleId,
        headline: (await articles.find(top.articleId))?.headline ?? null,
        subscriptions: top.subscriptions,
      })),
    );
    return { from, to, ...computed, topConvertingArticles };
  }

  const dailyRow = (day: DayFigures) => [
    day.date,
    day.paywallImpressions,
    day.checkoutsStarted,
    day.newSubscriptions,
  ];

  return {
    recorder,
    figures,
    async csv(table, from, to) {
      const answer = await figures(from, to);
      switch (table) {
        case 'revenueByPlan':
          return toCsv(
            ['plan_id', 'plan_name', 'currency', 'payments', 'gross_minor', 'refunded_minor', 'net_minor'],
            answer.revenueByPlan.map((r) => [
              r.planId,
              r.planName,
              r.net.currency,
              r.payments,
              r.gross.amount,
              r.refunded.amount,
              r.net.amount,
            ]),
          );
        case 'topConvertingArticles':
          return toCsv(
            ['article_id', 'headline', 'subscriptions'],
            answer.topConvertingArticles.map((a) => [a.articleId, a.headline, a.subscriptions]),
          );
        case 'daily':
          return toCsv(
            ['date', 'paywall_impressions', 'checkouts_started', 'new_subscriptions'],
            answer.daily.map(dailyRow),
          );
      }
    },
    async chart(from, to) {
      const { daily } = await figures(from, to);
      return renderDailyChart({
        id: 'analytics-daily',
        title: `Paywall impressions, checkout starts and new subscriptions, ${from} to ${to}`,
        days: daily.map((d) => d.date),
        series: [
          { name: 'paywall impressions', values: daily.map((d) => d.paywallImpressions) },
          { name: 'checkout starts', values: daily.map((d) => d.checkoutsStarted) },
          { name: 'new subscriptions', values: daily.map((d) => d.newSubscriptions) },
        ],
      });
    },
    flush: () => writer.flush(),
    close: () => writer.close(),
  };
}
