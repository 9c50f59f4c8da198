import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { notFound } from '../../kernel/errors.js';
import type { MailLog, MailRecord } from '../mail/index.js';
import type { MeterRead, MeterService } from '../metering/index.js';
import type { PublicationService } from '../publication/index.js';
import { describeDevice, type EndReason, type SessionKind } from './domain.js';
import * as q from './queries.js';

/** Everything Masthead keeps about one account, as the reader downloads it. */
export interface AccountExport {
  readonly exportedAt: string;
  readonly account: {
    readonly id: string;
    readonly email: string;
    readonly name: string;
    readonly emailVerifiedAt: string | null;
    readonly hasPassword: boolean;
    readonly createdAt: string;
    readonly updatedAt: string;
  };
  /** Every session still on record, ended ones too; never a token or its hash. */
  readonly sessions: readonly {
    readonly id: string;
    readonly kind: SessionKind;
    readonly device: string;
    readonly userAgent: string;
    readonly ip: string;
    readonly createdAt: string;
    readonly lastSeenAt: string;
    readonly expiresAt: string;
    readonly endedAt: string | null;
    readonly endReason: EndReason | null;
  }[];
  /** The metered articles counted against the account, for the months the meter keeps. */
  readonly reads: readonly MeterRead[];
  /**
   * The mail kept for the account's address (outbox and delivery log): what was sent when. The
   * bodies stay out: they carry one-time links, and a download is easy to leave lying around.
   */
  readonly mail: readonly Pick<MailRecord, 'id' | 'to' | 'template' | 'subject' | 'createdAt' | 'sentAt'>[];
  /** The reader's subscription, payments and invoices, as billing describes them. */
  readonly billing: Readonly<Record<string, unknown>>;
}

/**
 * What accounts need of billing, without knowing about subscriptions: the reader's billing
 * records for the export, and a veto on deleting an account whose subscription still renews.
 */
export interface BillingRecords {
  recordsOf(accountId: string): Promise<Readonly<Record<string, unknown>>>;
  /** Ends the account's subscription, or throws a conflict while it still renews. */
  endForDeletedAccount(accountId: string): Promise<void>;
}

/** A reader's rights over their data: to take a copy of it, and to have it deleted. */
export interface AccountPrivacy {
  /** The account's data; not_found if there is no such account. */
  exportData(accountId: string): Promise<AccountExport>;
  /**
   * Deletes the account: ends every session, deletes it (sessions and refresh tokens go with it)
   * and forgets its meter reads and the mail kept for its address. Refused (conflict) while a
   * subscription still renews; a cancelled one ends at once. Payments and invoices are kept, as
   * tax law requires. This month's reads are first left with `device`'s anonymous id,
   * as signing out does, so deleting an account never buys a fresh allowance.
   */
  deleteAccount(accountId: string, device?: { anonymousReaderId?: string | undefined }): Promise<void>;
}

export function createAccountPrivacy(deps: {
  db: Kysely<Database>;
  clock: Clock;
  meter: MeterService;
  publication: PublicationService;
  mail: Pick<MailLog, 'sentTo' | 'forget'>;
  billing: BillingRecords;
}): AccountPrivacy {
  const { db, clock, meter, publication, mail, billing } = deps;

  return {
    async exportData(accountId) {
      const [account, sessions, reads] = await Promise.all([
        q.selectAccount(db, accountId),
        db
          .selectFrom('account_sessions')
          .select([
            'id',
            'kind',
            'user_agent',
            'ip',
            'created_at',
            'last_seen_at',
            'expires_at',
            'ended_at',
            'end_reason',
          ])
          .where('account_id', '=', accountId)
          .orderBy('created_at')
          .orderBy('id')
          .execute(),
        meter.reads(accountId),
      ]);
      if (!account) throw notFound('The account');
      const [messages, billingRecords] = await Promise.all([
        mail.sentTo(account.email),
        billing.recordsOf(accountId),
      ]);
      return {
        exportedAt: clock.now().toISOString(),
        account: {
          id: account.id,
          email: account.email,
          name: account.name,
          emailVerifiedAt: account.email_verified_at,
          hasPassword: account.password_hash !== null,
          createdAt: account.created_at,
          updatedAt: account.updated_at,
        },
        sessions: sessions.map((s) => ({
          id: s.id,
          kind: s.kind,
          device: describeDevice(s.user_agent),
          userAgent: s.user_agent,
          ip: s.ip,
          createdAt: s.created_at,
          lastSeenAt: s.last_seen_at,
          expiresAt: s.expires_at,
          endedAt: s.ended_at,
          endReason: s.end_reason as EndReason | null,
        })),
        reads,
        mail: messages.map(({ id, to, template, subject, createdAt, sentAt }) => ({
          id,
          to,
          template,
          subject,
          createdAt,
          sentAt,
        })),
        billing: billingRecords,
      };
    },

    async deleteAccount(accountId, device) {
      const account = await q.selectAccount(db, accountId);
      if (!account) throw notFound('The account');
      // A subscription that still renews must be cancelled first: deleting the account must not
      // leave a card being charged, nor end a paid term the reader did not mean to give up.
      await billing.endForDeletedAccount(accountId);
      if (device?.anonymousReaderId)
        await meter.merge(accountId, device.anonymousReaderId, (await publication.settings()).timeZone);
      const now = clock.now().toISOString();
      await db.transaction().execute(async (trx) => {
        // Ended first, so that nothing reading sessions mid-way finds a live one; the delete
        // then takes the sessions and their refresh tokens with it (foreign keys cascade).
        const live = await q.selectLiveSessions(trx, accountId, now);
        await q.endSessions(
          trx,
          live.map((s) => s.id),
          'signed_out',
          now,
        );
        await trx.deleteFrom('accounts').where('id', '=', accountId).execute();
      });
      // After the account is gone: should this fail, the reads left behind name no one, and
      // `masthead meter prune` removes them with their month.
      await meter.forget(accountId);
      await mail.forget(account.email);
    },
  };
}
