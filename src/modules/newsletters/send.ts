import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database, NewsletterIssueRow, NewsletterRow } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import type { AccountService } from '../accounts/index.js';
import { MailDeliveryError } from '../mail/index.js';
import type { JobContext, JobHandler } from '../queue/index.js';
import type { RenderedIssue } from './issue-mail.js';
import {
  activeSubscriptionsPage,
  deliveryCounts,
  insertDeliveries,
  issueById,
  markDeliveries,
  markSending,
  newsletterById,
  unsentDeliveries,
  updateIssue,
} from './queries.js';

/** The job that sends one issue to its recipients. */
export const newsletterSendJob = 'newsletter:send';
const sendPayload = z.object({ issueId: z.string().regex(/^nli_[0-9a-z]{26}$/) });

/** A recipient's tries before a server that keeps saying "later" (4xx) counts as refusing. */
const maxTriesPerRecipient = 5;
/** Recipients read, resolved and decided per statement while the snapshot is taken. */
const snapshotPage = 1000;

export interface SendRecipient {
  readonly subscriptionId: string;
  readonly email: string;
}

export interface SendDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly readers: {
    readonly accounts: Pick<AccountService, 'accountsById'>;
    readonly entitlementsOfMany: (
      accountIds: readonly string[],
    ) => Promise<ReadonlyMap<string, ReadonlySet<string>>>;
    /** The paywall's decision for one recipient. */
    readonly mayReceive: (newsletter: NewsletterRow, entitlements: ReadonlySet<string>) => boolean;
  };
  readonly render: (issue: NewsletterIssueRow, newsletter: NewsletterRow) => Promise<RenderedIssue>;
  /** Hands one copy to SMTP; resolves once the server accepted it. */
  readonly deliver: (
    issue: { id: string; rendered: RenderedIssue },
    recipient: SendRecipient,
  ) => Promise<void>;
  readonly batchSize: number;
  readonly concurrency: number;
}

/**
 * The SMTP server's reply code to a message it did not take, if it answered at all. A 5xx is
 * the recipient's (this address is refused), so the send records it and goes on; anything else
 * (the server down, or "try later") stops this try of the job, and a later try resumes.
 */
function smtpReply(error: unknown): number | undefined {
  if (!(error instanceof MailDeliveryError)) return undefined;
  const cause: unknown = error.cause;
  const code =
    typeof cause === 'object' && cause !== null && 'responseCode' in cause ? Number(cause.responseCode) : NaN;
  return Number.isInteger(code) ? code : undefined;
}

const messageOf = (error: unknown) =>
  (error instanceof MailDeliveryError && error.cause instanceof Error ? error.cause : (error as Error))
    ?.message ?? String(error);

/**
 * The `newsletter:send` handler: a durable, resumable batch.
 *
 * 1. **Snapshot.** The first try renders the issue once and writes one delivery row per
 *    recipient entitled now (unique per issue and subscription), then stores the rendering. A
 *    try that died during the snapshot takes it again; rows already written stay as they are.
 * 2. **Batches.** Rows still `pending` or `sending` are taken in order, a batch at a time; the
 *    batch is marked `sending` (one more try each) before any of it is handed to SMTP, and each
 *    row is marked `sent` the moment the server accepts its message, or `failed` when the
 *    server refuses that address. So after a crash every recipient is in one of: `sent` (not
 *    sent again), `pending` (never handed over), or `sending` — handed over, and either refused
 *    unseen, not yet answered, or accepted in the instant before the row was updated. A later
 *    try sends `sending` rows again, under the same Message-ID: at least once, never lost. The
 *    duplicates this can cause are bounded by the messages in flight when the process died
 *    (`concurrency`), and carry the Message-ID of the first copy, by which mail stores
 *    recognise them. The alternative (never resending `sending` rows) would silently drop
 *    those recipients instead.
 */
export function createSendHandler(deps: SendDeps): JobHandler<z.infer<typeof sendPayload>> {
  const { db, clock, readers } = deps;

  async function snapshot(issue: NewsletterIssueRow, newsletter: NewsletterRow): Promise<void> {
    let after = '';
    for (;;) {
      const page = await activeSubscriptionsPage(db, newsletter.id, after, snapshotPage);
      if (page.length === 0) return;
      after = page.at(-1)!.id;
      const accountIds = page.flatMap((s) => (s.account_id ? [s.account_id] : []));
      const [accounts, entitlements] = await Promise.all([
        readers.accounts.accountsById(accountIds),
        newsletter.access === 'free'
          ? Promise.resolve(new Map<string, ReadonlySet<string>>())
          : readers.entitlementsOfMany(accountIds),
      ]);
      const emailOf = new Map(accounts.map((a) => [a.id, a.email]));
      const none: ReadonlySet<string> = new Set();
      const rows = page.flatMap((s) => {
        // An account's current address; an account deleted since has no recipient.
        const email = s.account_id ? emailOf.get(s.account_id) : s.email;
        if (email === undefined) return [];
        // Decided per recipient, now: a subscriber whose subscription lapsed gets nothing.
        const granted = readers.mayReceive(
          newsletter,
          (s.account_id && entitlements.get(s.account_id)) || none,
        );
        if (!granted) return [];
        return [
          { issue_id: issue.id, subscription_id: s.id, email, status: 'pending' as const, attempts: 0 },
        ];
      });
      await insertDeliveries(db, rows);
    }
  }

  async function sendBatch(
    issue: { id: string; rendered: RenderedIssue },
    batch: readonly { subscription_id: string; email: string; attempts: number }[],
  ): Promise<void> {
    await markSending(
      db,
      issue.id,
      batch.map((row) => row.subscription_id),
    );
    let next = 0;
    let stop: unknown;
    const lane = async () => {
      while (stop === undefined && next < batch.length) {
        const row = batch[next++]!;
        try {
          await deps.deliver(issue, { subscriptionId: row.subscription_id, email: row.email });
        } catch (error) {
          const reply = smtpReply(error) ?? 0;
          // 5xx: refused for good. 4xx: "later", counted per recipient. Anything else (no
          // connection, a process stopping) is not this recipient's: the try stops.
          const refused = reply >= 500 || (reply >= 400 && row.attempts + 1 >= maxTriesPerRecipient);
          if (refused) {
            // This address, not the server: recorded, and the send goes on.
            await markDeliveries(db, issue.id, [row.subscription_id], {
              status: 'failed',
              error: messageOf(error).slice(0, 500),
            });
            continue;
          }
          stop = error;
          return;
        }
        await markDeliveries(db, issue.id, [row.subscription_id], {
          status: 'sent',
          sent_at: clock.now().toISOString(),
          error: null,
        });
      }
    };
    // Every lane finishes the message it holds before the try stops: none is left unrecorded.
    await Promise.all(Array.from({ length: Math.max(1, deps.concurrency) }, lane));
    if (stop !== undefined) throw stop;
  }

  return {
    kind: newsletterSendJob,
    parse: (payload) => sendPayload.parse(payload),
    maxAttempts: 10,
    // Progress is reported after every batch, which renews the lease.
    leaseMs: 2 * 60_000,
    retryDelayMs: (attempt) => Math.min(60_000 * 2 ** (attempt - 1), 3_600_000),
    async run({ issueId }, context: JobContext) {
      const issue = await issueById(db, issueId);
      if (!issue || issue.status === 'sent') return;
      const newsletter = await newsletterById(db, issue.newsletter_id);
      if (!newsletter) return;
      let rendered: RenderedIssue;
      if (issue.rendered === null) {
        const now = clock.now().toISOString();
        await updateIssue(db, issueId, { status: 'sending', started_at: now, updated_at: now });
        rendered = await deps.render(issue, newsletter);
        await snapshot(issue, newsletter);
        // Stored last: a rendering on the row means the snapshot is complete.
        await updateIssue(db, issueId, { rendered: JSON.stringify(rendered), updated_at: now });
      } else {
        rendered = JSON.parse(issue.rendered) as RenderedIssue;
      }
      const sending = { id: issueId, rendered };
      for (;;) {
        const batch = await unsentDeliveries(db, issueId, deps.batchSize);
        if (batch.length === 0) break;
        await sendBatch(sending, batch);
        const counts = await deliveryCounts(db, issueId);
        const total = counts.pending + counts.sending + counts.sent + counts.failed;
        await context.progress({
          done: counts.sent + counts.failed,
          total,
          note: `${counts.sent} sent, ${counts.failed} failed`,
        });
      }
      const now = clock.now().toISOString();
      await updateIssue(db, issueId, { status: 'sent', finished_at: now, updated_at: now });
    },
  };
}
