import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database, NewsletterIssueRow, NewsletterRow } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { newId, newSecret } from '../../kernel/ids.js';
import type { AccountService } from '../accounts/index.js';
import type { ContentService } from '../content/index.js';
import type { ComposedMailSender, MailSender } from '../mail/index.js';
import type { PaywallService } from '../paywall/index.js';
import type { PublicationService } from '../publication/index.js';
import type { JobHandler, JobQueue } from '../queue/index.js';
import {
  checkUnsubscribeToken,
  confirmLinkHours,
  deliveryMessageId,
  listUnsubscribeHeaders,
  newsletterBenefit,
  unsubscribeLinkDays,
  unsubscribeToken,
  type IssueView,
  type Newsletter,
  type NewsletterAccess,
} from './domain.js';
import { personalise, renderIssue, type RenderedIssue } from './issue-mail.js';
import type { NewsletterMailVariables } from './mail-copy.js';
import {
  activeSubscriptionCounts,
  deliveryCounts,
  insertIssue,
  insertNewsletter,
  insertSubscription,
  issueById,
  issuesOf,
  listNewsletters,
  newsletterById,
  newsletterBySlug,
  pendingWithToken,
  subscriptionById,
  subscriptionOfAddress,
  subscriptionsOfReader,
  updateIssue,
  updateSubscription,
} from './queries.js';
import { createSendHandler, newsletterSendJob } from './send.js';

export interface NewsletterInput {
  readonly slug: string;
  readonly name: string;
  readonly description: string;
  readonly access: NewsletterAccess;
}

export interface IssueInput {
  readonly subject: string;
  readonly intro: string;
  readonly articleIds: readonly string[];
}

/** A newsletter as one reader sees it. */
export interface ReaderNewsletter extends Newsletter {
  readonly subscribed: boolean;
}

/** A signed-in reader, as subscribing needs them: who, at which address, entitled to what. */
export interface SubscribingReader {
  readonly accountId: string;
  readonly email: string;
  readonly entitlements: ReadonlySet<string>;
}

/** Why an unsubscribe or confirmation link did nothing. */
export class NewsletterLinkError extends AppError {}

export interface NewsletterService {
  /** Staff: defines a newsletter. `conflict` when the slug is taken. */
  define(input: NewsletterInput): Promise<Newsletter>;
  newsletters(): Promise<Newsletter[]>;
  /**
   * Staff: the active subscriptions of each newsletter, by its id (a subscriber-only one sends
   * only to those still entitled when it goes out, so it may send to fewer).
   */
  subscriberCounts(): Promise<ReadonlyMap<string, number>>;
  newsletter(id: string): Promise<Newsletter | undefined>;
  /** Staff: composes an issue; `validation_failed` naming any article id that is not published. */
  compose(newsletterId: string, input: IssueInput): Promise<IssueView>;
  issue(id: string): Promise<IssueView | undefined>;
  issues(newsletterId: string): Promise<IssueView[]>;
  /** The issue as a recipient will get it (a sample unsubscribe link in place of theirs). */
  preview(id: string): Promise<RenderedIssue>;
  /** Sends one copy to `address`, marked as a test; recorded nowhere but the mail log. */
  sendTest(id: string, address: string): Promise<void>;
  /**
   * Queues the send of a draft, at `sendAt` or now: a `newsletter:send` job. A second call for
   * a queued or sending issue answers it as it is; a sent issue is a `conflict`.
   */
  send(id: string, options?: { sendAt?: Date | undefined }): Promise<IssueView>;

  /** Every newsletter, with whether `reader` (signed in, or not) is subscribed. */
  forReader(reader: { accountId: string; email: string } | null): Promise<ReaderNewsletter[]>;
  /** `subscription_required` for a subscriber-only newsletter without the benefit. */
  subscribe(reader: SubscribingReader, newsletterId: string): Promise<void>;
  unsubscribe(reader: Pick<SubscribingReader, 'accountId' | 'email'>, newsletterId: string): Promise<void>;
  /**
   * A sign-up by address, without an account (double opt-in): mails a confirmation link and
   * subscribes nobody until it is used. Only free newsletters (`subscription_required` else).
   */
  signUp(email: string, newsletterIds: readonly string[]): Promise<void>;
  /** What a confirmation link would confirm, without using it (its page's GET). */
  checkConfirmation(token: string): Promise<{ newsletters: string[] }>;
  /** Uses a confirmation link: its newsletters become active for its address. */
  confirm(token: string): Promise<{ newsletters: string[] }>;
  /** Which newsletter an unsubscribe link leaves, without leaving it (its page's GET). */
  checkUnsubscribe(token: string): Promise<{ newsletter: string }>;
  /** Uses an unsubscribe link (the RFC 8058 POST, or the page's button); idempotent. */
  unsubscribeWithToken(token: string): Promise<{ newsletter: string }>;

  /** The job queue's handler that sends an issue (`newsletter:send`). */
  readonly handlers: readonly JobHandler<unknown>[];
}

export interface NewsletterDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** The articles an issue picks, and the publication's name. */
  readonly sources: {
    readonly content: Pick<ContentService, 'findPublished'>;
    readonly publication: PublicationService;
  };
  /** Who recipients are now, and what they are entitled to, decided by the paywall. */
  readonly readers: {
    readonly accounts: Pick<AccountService, 'accountsById'>;
    readonly entitlementsOfMany: (
      accountIds: readonly string[],
    ) => Promise<ReadonlyMap<string, ReadonlySet<string>>>;
    readonly paywall: Pick<PaywallService, 'benefit'>;
  };
  readonly delivery: {
    readonly mail: MailSender<NewsletterMailVariables> & ComposedMailSender;
    readonly queue: Pick<JobQueue, 'enqueue'>;
  };
  readonly options: {
    readonly publicUrl: string;
    /** Signs unsubscribe links (the session secret). */
    readonly secret: string;
    /** The From address: the unsubscribe mailto goes there, and Message-IDs carry its domain. */
    readonly mailFrom: string;
    /** Recipients marked and sent per step of a send (default 200). */
    readonly batchSize?: number;
    /** Messages in flight at once (default 8; an SMTP pool's size is set in `SMTP_URL`). */
    readonly concurrency?: number;
  };
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');
const joinNames = (names: readonly string[]) =>
  names.length <= 1 ? (names[0] ?? '') : `${names.slice(0, -1).join(', ')} and ${names.at(-1)}`;

/** Curated newsletters: defining, composing and sending issues; readers' subscriptions. */
export function createNewsletterService(deps: NewsletterDeps): NewsletterService {
  const { db, clock, sources, readers, delivery, options } = deps;
  const { publicUrl, secret } = options;
  const mailHost = options.mailFrom.split('@').at(-1) ?? new URL(publicUrl).hostname;

  /** The headers and links of one recipient's copy. */
  function addressed(rendered: RenderedIssue, link: string, token: string) {
    const mailto = `mailto:${options.mailFrom}?subject=${encodeURIComponent(`unsubscribe ${token}`)}`;
    return { ...personalise(rendered, link), headers: listUnsubscribeHeaders(link, mailto) };
  }

  async function render(issue: NewsletterIssueRow, newsletter: NewsletterRow): Promise<RenderedIssue> {
    const ids = JSON.parse(issue.article_ids) as string[];
    const articles = await Promise.all(ids.map((id) => sources.content.findPublished(id)));
    const { name: publicationName } = await sources.publication.settings();
    return renderIssue({
      publicationName,
      newsletterName: newsletter.name,
      subject: issue.subject,
      intro: issue.intro,
      // An article unpublished since the issue was composed is left out, not sent as a dead link.
      articles: articles.flatMap((article) =>
        article
          ? [
              {
                headline: article.headline,
                standfirst: article.standfirst,
                section: article.section.name,
                url: `${publicUrl}/article/${article.slug}`,
              },
            ]
          : [],
      ),
      manageUrl: `${publicUrl}/newsletters`,
    });
  }

  async function issueView(row: NewsletterIssueRow): Promise<IssueView> {
    const counts = await deliveryCounts(db, row.id);
    return {
      id: row.id,
      newsletterId: row.newsletter_id,
      subject: row.subject,
      intro: row.intro,
      articleIds: JSON.parse(row.article_ids) as string[],
      status: row.status,
      sendAt: row.send_at,
      jobId: row.job_id,
      createdAt: row.created_at,
      startedAt: row.started_at,
      finishedAt: row.finished_at,
      sent: counts.sent,
      failed: counts.failed,
      remaining: counts.pending + counts.sending,
    };
  }

  async function existingIssue(id: string) {
    const row = await issueById(db, id);
    if (!row) throw notFound('The newsletter issue');
    const newsletter = await newsletterById(db, row.newsletter_id);
    if (!newsletter) throw new Error(`Newsletter ${row.newsletter_id} of issue ${id} is missing.`);
    return { row, newsletter };
  }

  async function existingNewsletter(id: string) {
    const row = await newsletterById(db, id);
    if (!row) throw notFound('The newsletter');
    return row;
  }

  /** May this reader receive this newsletter? The paywall decides, for subscriber-only ones. */
  const mayReceive = (newsletter: Pick<NewsletterRow, 'access'>, entitlements: ReadonlySet<string>) =>
    newsletter.access === 'free' || readers.paywall.benefit({ entitlements }, newsletterBenefit).granted;

  async function linkRows(token: string) {
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) {
      throw new NewsletterLinkError('bad_request', 'This confirmation link is not valid.');
    }
    const rows = await pendingWithToken(db, sha256(token));
    if (rows.length === 0) {
      throw new NewsletterLinkError(
        'bad_request',
        'This confirmation link is not valid, or was used already. Sign up again to get a new one.',
      );
    }
    const now = clock.now().toISOString();
    if (rows.every((row) => (row.confirm_expires_at ?? '') <= now)) {
      throw new NewsletterLinkError(
        'expired',
        'This confirmation link has expired. Sign up again to get a new one.',
      );
    }
    const live = rows.filter((row) => (row.confirm_expires_at ?? '') > now);
    const names = await Promise.all(
      live.map(async (row) => (await newsletterById(db, row.newsletter_id))?.name),
    );
    return { live, names: names.filter((name): name is string => name !== undefined) };
  }

  async function tokenSubscription(token: string) {
    const check = checkUnsubscribeToken(secret, token, clock.now());
    if (!check.ok) {
      throw check.reason === 'expired'
        ? new NewsletterLinkError(
            'expired',
            'This unsubscribe link has expired. Sign in, or use the link in a newer issue, to choose your newsletters.',
          )
        : new NewsletterLinkError('bad_request', 'This unsubscribe link is not valid. Nothing was changed.');
    }
    const subscription = await subscriptionById(db, check.subscriptionId);
    const newsletter = subscription && (await newsletterById(db, subscription.newsletter_id));
    // Signed by us, so it existed: its address was deleted since (an account deleted, say).
    if (!subscription || !newsletter) return { subscription: undefined, newsletter: 'the newsletter' };
    return { subscription, newsletter: newsletter.name };
  }

  const sendHandler = createSendHandler({
    db,
    clock,
    readers: { ...readers, mayReceive },
    render,
    deliver: async (issue, recipient) => {
      const token = unsubscribeToken(
        secret,
        recipient.subscriptionId,
        new Date(clock.now().getTime() + unsubscribeLinkDays * 86_400_000),
      );
      const link = `${publicUrl}/newsletters/unsubscribe/${token}`;
      const copy = addressed(issue.rendered, link, token);
      await delivery.mail.sendComposed({
        to: recipient.email,
        template: 'newsletter-issue',
        ...copy,
        messageId: deliveryMessageId(issue.id, recipient.subscriptionId, mailHost),
      });
    },
    batchSize: options.batchSize ?? 200,
    concurrency: options.concurrency ?? 8,
  });

  return {
    async define(input) {
      if (await newsletterBySlug(db, input.slug)) {
        throw new AppError('conflict', `A newsletter with the slug "${input.slug}" exists already.`);
      }
      const now = clock.now().toISOString();
      const row = { id: newId('nlt'), ...input, created_at: now, updated_at: now };
      await insertNewsletter(db, row);
      return toNewsletter(row);
    },

    newsletters: async () => (await listNewsletters(db)).map(toNewsletter),

    subscriberCounts: () => activeSubscriptionCounts(db),

    async newsletter(id) {
      const row = await newsletterById(db, id);
      return row && toNewsletter(row);
    },

    async compose(newsletterId, input) {
      await existingNewsletter(newsletterId);
      const unique = [...new Set(input.articleIds)];
      const found = await Promise.all(unique.map((id) => sources.content.findPublished(id)));
      const unknown = unique.filter((_, i) => found[i] === undefined || found[i].id !== unique[i]);
      if (unknown.length > 0) {
        throw new AppError(
          'validation_failed',
          `articleIds: no published article has the id ${unknown.join(', ')}.`,
          { unknownArticleIds: unknown },
        );
      }
      const now = clock.now().toISOString();
      const row: NewsletterIssueRow = {
        id: newId('nli'),
        newsletter_id: newsletterId,
        subject: input.subject,
        intro: input.intro,
        article_ids: JSON.stringify(unique),
        status: 'draft',
        send_at: null,
        job_id: null,
        rendered: null,
        created_at: now,
        started_at: null,
        finished_at: null,
        updated_at: now,
      };
      await insertIssue(db, row);
      return issueView(row);
    },

    async issue(id) {
      const row = await issueById(db, id);
      return row && issueView(row);
    },

    issues: async (newsletterId) => {
      await existingNewsletter(newsletterId);
      return Promise.all((await issuesOf(db, newsletterId)).map(issueView));
    },

    async preview(id) {
      const { row, newsletter } = await existingIssue(id);
      const rendered = row.rendered
        ? (JSON.parse(row.rendered) as RenderedIssue)
        : await render(row, newsletter);
      return personalise(rendered, `${publicUrl}/newsletters`);
    },

    async sendTest(id, address) {
      const { row, newsletter } = await existingIssue(id);
      const rendered = await render(row, newsletter);
      // A test copy has no subscription behind it: its links lead to a page that says so.
      const link = `${publicUrl}/newsletters/unsubscribe/test`;
      const copy = addressed(rendered, link, 'test');
      await delivery.mail.sendComposed({
        to: address,
        template: 'newsletter-test',
        ...copy,
        subject: `[Test] ${copy.subject}`,
      });
    },

    async send(id, sendOptions = {}) {
      const { row } = await existingIssue(id);
      if (row.status === 'sent') throw new AppError('conflict', 'This issue was sent already.');
      if (row.status !== 'draft') return issueView(row);
      const now = clock.now();
      const runAfter = sendOptions.sendAt && sendOptions.sendAt > now ? sendOptions.sendAt : now;
      await db.transaction().execute(async (trx) => {
        // Keyed by the issue: a double click or a retried request queues one send.
        const jobId = await delivery.queue.enqueue(
          newsletterSendJob,
          { issueId: id },
          { key: id, runAfter, trx },
        );
        await updateIssue(
          trx,
          id,
          {
            status: 'scheduled',
            send_at: runAfter.toISOString(),
            job_id: jobId,
            updated_at: now.toISOString(),
          },
          ['draft'],
        );
      });
      return issueView((await issueById(db, id))!);
    },

    async forReader(reader) {
      const [rows, mine] = await Promise.all([
        listNewsletters(db),
        reader ? subscriptionsOfReader(db, reader.accountId, reader.email) : Promise.resolve([]),
      ]);
      const active = new Set(mine.filter((s) => s.status === 'active').map((s) => s.newsletter_id));
      return rows.map((row) => ({ ...toNewsletter(row), subscribed: active.has(row.id) }));
    },

    async subscribe(reader, newsletterId) {
      const newsletter = await existingNewsletter(newsletterId);
      if (!mayReceive(newsletter, reader.entitlements)) {
        throw new AppError(
          'subscription_required',
          `${newsletter.name} is for subscribers: subscribe to a plan that includes newsletters.`,
          { benefit: newsletterBenefit },
        );
      }
      const now = clock.now().toISOString();
      const email = reader.email.toLowerCase();
      const mine = (await subscriptionsOfReader(db, reader.accountId, email)).filter(
        (s) => s.newsletter_id === newsletterId,
      );
      const row = mine.find((s) => s.account_id === reader.accountId) ?? mine[0];
      if (row) {
        if (row.status === 'active' && row.account_id === reader.accountId) return;
        await updateSubscription(db, row.id, {
          status: 'active',
          account_id: reader.accountId,
          confirm_token_hash: null,
          confirm_expires_at: null,
          confirmed_at: row.confirmed_at ?? now,
          unsubscribed_at: null,
          updated_at: now,
        });
        return;
      }
      await insertSubscription(db, {
        id: newId('nls'),
        newsletter_id: newsletterId,
        email,
        account_id: reader.accountId,
        status: 'active',
        confirm_token_hash: null,
        confirm_expires_at: null,
        created_at: now,
        // Signed in: the account's session stands for the address (no second confirmation).
        confirmed_at: now,
        unsubscribed_at: null,
        updated_at: now,
      });
    },

    async unsubscribe(reader, newsletterId) {
      await existingNewsletter(newsletterId);
      const now = clock.now().toISOString();
      const mine = (await subscriptionsOfReader(db, reader.accountId, reader.email.toLowerCase())).filter(
        (s) => s.newsletter_id === newsletterId && s.status !== 'unsubscribed',
      );
      for (const row of mine) {
        await updateSubscription(db, row.id, {
          status: 'unsubscribed',
          unsubscribed_at: now,
          confirm_token_hash: null,
          updated_at: now,
        });
      }
    },

    async signUp(address, newsletterIds) {
      const email = address.toLowerCase();
      const chosen = await Promise.all([...new Set(newsletterIds)].map(existingNewsletter));
      const forSubscribers = chosen.filter((n) => n.access !== 'free');
      if (forSubscribers.length > 0) {
        throw new AppError(
          'subscription_required',
          `${joinNames(forSubscribers.map((n) => n.name))}: for subscribers only. Sign in to subscribe.`,
          { benefit: newsletterBenefit },
        );
      }
      const token = newSecret(32);
      const now = clock.now();
      const expires = new Date(now.getTime() + confirmLinkHours * 3_600_000).toISOString();
      const asked: string[] = [];
      for (const newsletter of chosen) {
        const row = await subscriptionOfAddress(db, newsletter.id, email);
        // Already receiving it: nothing to confirm (and the answer does not say so).
        if (row?.status === 'active') continue;
        asked.push(newsletter.name);
        const pending = {
          status: 'pending' as const,
          confirm_token_hash: sha256(token),
          confirm_expires_at: expires,
          updated_at: now.toISOString(),
        };
        if (row) await updateSubscription(db, row.id, pending);
        else
          await insertSubscription(db, {
            id: newId('nls'),
            newsletter_id: newsletter.id,
            email,
            account_id: null,
            created_at: now.toISOString(),
            confirmed_at: null,
            unsubscribed_at: null,
            ...pending,
          });
      }
      if (asked.length === 0) return;
      await delivery.mail.send({
        to: email,
        template: 'newsletter-confirm',
        variables: {
          newsletter_names: joinNames(asked),
          link: `${publicUrl}/newsletters/confirm/${token}`,
          expires_in_hours: confirmLinkHours,
        },
      });
    },

    async checkConfirmation(token) {
      return { newsletters: (await linkRows(token)).names };
    },

    async confirm(token) {
      const { live, names } = await linkRows(token);
      const now = clock.now().toISOString();
      for (const row of live) {
        await updateSubscription(db, row.id, {
          status: 'active',
          confirm_token_hash: null,
          confirm_expires_at: null,
          confirmed_at: now,
          unsubscribed_at: null,
          updated_at: now,
        });
      }
      return { newsletters: names };
    },

    async checkUnsubscribe(token) {
      return { newsletter: (await tokenSubscription(token)).newsletter };
    },

    async unsubscribeWithToken(token) {
      const { subscription, newsletter } = await tokenSubscription(token);
      if (subscription && subscription.status !== 'unsubscribed') {
        const now = clock.now().toISOString();
        await updateSubscription(db, subscription.id, {
          status: 'unsubscribed',
          unsubscribed_at: now,
          confirm_token_hash: null,
          updated_at: now,
        });
      }
      return { newsletter };
    },

    handlers: [sendHandler] as JobHandler<unknown>[],
  };
}

function toNewsletter(row: NewsletterRow): Newsletter {
  return {
    id: row.id,
    slug: row.slug,
    name: row.name,
    description: row.description,
    access: row.access,
    createdAt: row.created_at,
  };
}
