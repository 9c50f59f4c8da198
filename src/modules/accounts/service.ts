import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import { isUniqueViolation } from '../../db/errors.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError } from '../../kernel/errors.js';
import { newId, newSecret } from '../../kernel/ids.js';
import type { MeterService } from '../metering/index.js';
import { checkPassword, hashPassword, verifyPassword } from '../passwords/index.js';
import type { PublicationService } from '../publication/index.js';
import type { SettingsStore } from '../settings/index.js';
import {
  describeDevice,
  endReasonMessage,
  lifetimes,
  normaliseEmail,
  sessionsOverLimit,
  type EndReason,
  type SessionKind,
} from './domain.js';
import * as q from './queries.js';
import { accountSettingsKey, accountSettingsSchema } from './settings.js';

export interface Device {
  readonly userAgent: string;
  readonly ip: string;
  /** The device's anonymous reader id, whose reads this month carry over to the account. */
  readonly anonymousReaderId?: string | undefined;
}

export interface AccountView {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly emailVerified: boolean;
  readonly createdAt: string;
}

/** What signing in hands the device: a cookie token (web) or an access and refresh token (app). */
export type SignedIn =
  | {
      readonly kind: 'web';
      readonly account: AccountView;
      readonly sessionToken: string;
      /** When the session opened (ISO 8601), by the service's clock. */
      readonly signedInAt: string;
      readonly expiresAt: string;
    }
  | {
      readonly kind: 'app';
      readonly account: AccountView;
      readonly accessToken: string;
      readonly refreshToken: string;
      readonly expiresIn: number;
    };

export type SessionLookup =
  | {
      readonly status: 'live';
      readonly sessionId: string;
      readonly account: { id: string; name: string; email: string };
    }
  | { readonly status: 'ended'; readonly reason: EndReason; readonly message: string }
  | { readonly status: 'none' };

export interface SessionView {
  readonly id: string;
  readonly kind: SessionKind;
  readonly device: string;
  readonly ip: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly current: boolean;
}

/** Reader accounts and their signed-in devices. */
export interface AccountService {
  register(
    input: { email: string; password: string; name?: string },
    kind: SessionKind,
    device: Device,
  ): Promise<SignedIn>;
  signIn(input: { email: string; password: string }, kind: SessionKind, device: Device): Promise<SignedIn>;
  /**
   * Opens a session for an account that proved itself another way (an emailed sign-in link),
   * exactly as `signIn` does: the device limit holds and the device's reads carry over.
   * not_found if there is no such account.
   */
  signInWithoutPassword(accountId: string, kind: SessionKind, device: Device): Promise<SignedIn>;
  /** The session a cookie or access token opens. */
  lookup(token: string, kind: SessionKind): Promise<SessionLookup>;
  /** Ends the session of `token`; carries the account's reads back to the device. */
  signOut(token: string, kind: SessionKind, anonymousReaderId?: string): Promise<void>;
  refresh(refreshToken: string): Promise<Extract<SignedIn, { kind: 'app' }>>;
  account(id: string): Promise<AccountView | undefined>;
  /** The account registered with `email` (compared as sign-in compares it). */
  accountByEmail(email: string): Promise<AccountView | undefined>;
  /** The accounts of `ids` that exist, in no particular order. */
  accountsById(ids: readonly string[]): Promise<AccountView[]>;
  /** Accounts whose email or name contains `term`, newest first, for support (paged by id). */
  search(filter: { term: string; before?: string | undefined; limit: number }): Promise<AccountView[]>;
  sessions(accountId: string, currentSessionId: string): Promise<SessionView[]>;
  /** Ends one of the account's sessions (another device), or all but the current one. */
  endSession(accountId: string, sessionId: string): Promise<void>;
  endOtherSessions(accountId: string, currentSessionId: string): Promise<number>;
  /**
   * Support signs the reader out everywhere: every live session ends (its refresh tokens stop
   * working with it, as `refresh` refuses an ended session's). Answers how many ended;
   * not_found if there is no such account.
   */
  endAllSessions(accountId: string): Promise<number>;
  /** What a device is told when its session was ended for `reason` (after a redirect, say). */
  whyEnded(reason: EndReason): Promise<string>;
  /**
   * Whether a device that signed in to the account of `email` at `since` (ms since the epoch)
   * is still known to it: the account exists and has not changed since (a new password, the
   * first proof of the address, any update, all make every device unknown again).
   */
  recognisesDevice(email: string, since: number): Promise<boolean>;
  /**
   * Forgets sessions that ended or expired more than 30 days ago (a periodic job); returns how
   * many. Until then a device that comes back is told why it was signed out.
   */
  forgetEndedSessions(): Promise<number>;
}

const endedSessionsKeptMs = 30 * 24 * 60 * 60_000;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');
const wrongCredentials = () => new AppError('unauthorized', 'The email or password is not right.');

export function createAccountService(deps: {
  db: Kysely<Database>;
  clock: Clock;
  settings: SettingsStore;
  meter: MeterService;
  publication: PublicationService;
}): AccountService {
  const { db, clock, settings, meter, publication } = deps;
  const at = (offsetMs = 0) => new Date(clock.now().getTime() + offsetMs).toISOString();

  const view = (row: {
    id: string;
    email: string;
    name: string;
    email_verified_at: string | null;
    created_at: string;
  }): AccountView => ({
    id: row.id,
    email: row.email,
    name: row.name,
    emailVerified: row.email_verified_at !== null,
    createdAt: row.created_at,
  });

  async function carryMeter(from: string, to: string) {
    await meter.merge(from, to, (await publication.settings()).timeZone);
  }

  /** Opens a session, ending the least recently used ones beyond the device limit. */
  async function openSession(account: AccountView, kind: SessionKind, device: Device): Promise<SignedIn> {
    const { deviceLimit } = await settings.read(accountSettingsKey, accountSettingsSchema);
    const now = at();
    const token = newSecret(32);
    const sessionId = newId('ses');
    const lifetime = kind === 'web' ? lifetimes.webSessionMs : lifetimes.appSessionMs;
    const tokenExpiresAt = kind === 'web' ? at(lifetime) : at(lifetimes.accessTokenMs);
    const refreshToken = kind === 'app' ? newSecret(32) : undefined;
    await db.transaction().execute(async (trx) => {
      const live = await q.selectLiveSessions(trx, account.id, now);
      await q.endSessions(
        trx,
        sessionsOverLimit(
          live.map((s) => ({ id: s.id, lastSeenAt: s.last_seen_at })),
          deviceLimit,
        ),
        'device_limit',
        now,
      );
      await trx
        .insertInto('account_sessions')
        .values({
          id: sessionId,
          account_id: account.id,
          kind,
          token_hash: sha256(token),
          token_expires_at: tokenExpiresAt,
          user_agent: device.userAgent.slice(0, 500),
          ip: device.ip,
          created_at: now,
          last_seen_at: now,
          expires_at: at(lifetime),
          ended_at: null,
          end_reason: null,
        })
        .execute();
      if (refreshToken) {
        await trx
          .insertInto('refresh_tokens')
          .values({
            id: newId('rft'),
            session_id: sessionId,
            token_hash: sha256(refreshToken),
            created_at: now,
            used_at: null,
          })
          .execute();
      }
    });
    if (device.anonymousReaderId) await carryMeter(device.anonymousReaderId, account.id);
    return kind === 'web'
      ? { kind, account, sessionToken: token, signedInAt: now, expiresAt: tokenExpiresAt }
      : {
          kind,
          account,
          accessToken: token,
          refreshToken: refreshToken!,
          expiresIn: lifetimes.accessTokenMs / 1000,
        };
  }

  return {
    async register(input, kind, device) {
      const email = normaliseEmail(input.email);
      const name = input.name?.trim() ?? '';
      const { name: publicationName } = await publication.settings();
      const check = checkPassword(input.password, { email, name: publicationName });
      if (!check.ok)
        throw new AppError('validation_failed', `password: ${check.message}`, { field: 'password' });
      const now = at();
      const row = {
        id: newId('acc'),
        email,
        name,
        password_hash: await hashPassword(input.password),
        email_verified_at: null,
        created_at: now,
        updated_at: now,
      };
      try {
        await db.insertInto('accounts').values(row).execute();
      } catch (error) {
        // Saying so reveals that the address has an account; the form offers sign-in and a
        // sign-in link instead, which answer the same either way.
        if (isUniqueViolation(error))
          throw new AppError('conflict', 'An account with this email exists: sign in instead.');
        throw error;
      }
      return openSession(view(row), kind, device);
    },

    async signIn(input, kind, device) {
      const row = await q.selectAccountByEmail(db, normaliseEmail(input.email));
      // Verified even when there is no such account (against a throwaway hash), so the time
      // taken does not tell which emails have accounts.
      const ok = await verifyPassword(row?.password_hash ?? null, input.password);
      if (!row || !ok) throw wrongCredentials();
      return openSession(view(row), kind, device);
    },

    async signInWithoutPassword(accountId, kind, device) {
      const row = await q.selectAccount(db, accountId);
      if (!row) throw new AppError('not_found', 'There is no such account.');
      return openSession(view(row), kind, device);
    },

    async lookup(token, kind) {
      const session = await q.selectSessionByToken(db, sha256(token));
      if (!session || session.kind !== kind) return { status: 'none' };
      const now = at();
      if (session.ended_at !== null) {
        const { deviceLimit } = await settings.read(accountSettingsKey, accountSettingsSchema);
        const reason = (session.end_reason ?? 'signed_out') as EndReason;
        return { status: 'ended', reason, message: endReasonMessage(reason, deviceLimit) };
      }
      if (session.expires_at <= now || session.token_expires_at <= now) {
        return { status: 'ended', reason: 'expired', message: endReasonMessage('expired', 0) };
      }
      if (Date.parse(now) - Date.parse(session.last_seen_at) > lifetimes.touchEveryMs) {
        const update = {
          last_seen_at: now,
          ...(kind === 'web' && {
            expires_at: at(lifetimes.webSessionMs),
            token_expires_at: at(lifetimes.webSessionMs),
          }),
        };
        await db.updateTable('account_sessions').set(update).where('id', '=', session.id).execute();
      }
      return {
        status: 'live',
        sessionId: session.id,
        account: { id: session.account_id, name: session.name, email: session.email },
      };
    },

    async signOut(token, kind, anonymousReaderId) {
      const session = await q.selectSessionByToken(db, sha256(token));
      if (!session || session.kind !== kind || session.ended_at !== null) return;
      await q.endSessions(db, [session.id], 'signed_out', at());
      if (anonymousReaderId) await carryMeter(session.account_id, anonymousReaderId);
    },

    async refresh(refreshToken) {
      const now = at();
      const found = await db
        .selectFrom('refresh_tokens as r')
        .innerJoin('account_sessions as s', 's.id', 'r.session_id')
        .select(['r.id', 'r.used_at', 's.id as session_id', 's.account_id', 's.ended_at', 's.expires_at'])
        .where('r.token_hash', '=', sha256(refreshToken))
        .executeTakeFirst();
      const refused = () => new AppError('unauthorized', 'The refresh token is not valid; sign in again.');
      if (!found || found.ended_at !== null || found.expires_at <= now) throw refused();
      const accessToken = newSecret(32);
      const nextRefresh = newSecret(32);
      const rotated = await db.transaction().execute(async (trx) => {
        // Claiming the token and using it are one step: of two racing uses, one wins.
        const claimed = await trx
          .updateTable('refresh_tokens')
          .set({ used_at: now })
          .where('id', '=', found.id)
          .where('used_at', 'is', null)
          .executeTakeFirst();
        if (claimed.numUpdatedRows === 0n) return false;
        await trx
          .updateTable('account_sessions')
          .set({
            token_hash: sha256(accessToken),
            token_expires_at: at(lifetimes.accessTokenMs),
            last_seen_at: now,
            expires_at: at(lifetimes.appSessionMs),
          })
          .where('id', '=', found.session_id)
          .execute();
        await trx
          .insertInto('refresh_tokens')
          .values({
            id: newId('rft'),
            session_id: found.session_id,
            token_hash: sha256(nextRefresh),
            created_at: now,
            used_at: null,
          })
          .execute();
        return true;
      });
      if (!rotated) {
        // A refresh token used twice was copied: end the whole chain, thief and owner alike.
        await q.endSessions(db, [found.session_id], 'token_reuse', now);
        throw refused();
      }
      const account = await q.selectAccount(db, found.account_id);
      return {
        kind: 'app',
        account: view(account!),
        accessToken,
        refreshToken: nextRefresh,
        expiresIn: lifetimes.accessTokenMs / 1000,
      };
    },

    async account(id) {
      const row = await q.selectAccount(db, id);
      return row && view(row);
    },

    async accountByEmail(email) {
      const row = await q.selectAccountByEmail(db, normaliseEmail(email));
      return row && view(row);
    },

    async accountsById(ids) {
      return (await q.selectAccounts(db, ids)).map(view);
    },

    async search(filter) {
      return (await q.searchAccounts(db, filter)).map(view);
    },

    async sessions(accountId, currentSessionId) {
      return (await q.selectLiveSessions(db, accountId, at())).map((s) => ({
        id: s.id,
        kind: s.kind,
        device: describeDevice(s.user_agent),
        ip: s.ip,
        createdAt: s.created_at,
        lastSeenAt: s.last_seen_at,
        current: s.id === currentSessionId,
      }));
    },

    async endSession(accountId, sessionId) {
      const live = await q.selectLiveSessions(db, accountId, at());
      if (!live.some((s) => s.id === sessionId))
        throw new AppError('not_found', 'There is no such signed-in device.');
      await q.endSessions(db, [sessionId], 'ended_by_reader', at());
    },

    async endOtherSessions(accountId, currentSessionId) {
      const others = (await q.selectLiveSessions(db, accountId, at()))
        .filter((s) => s.id !== currentSessionId)
        .map((s) => s.id);
      await q.endSessions(db, others, 'ended_by_reader', at());
      return others.length;
    },

    async endAllSessions(accountId) {
      if (!(await q.selectAccount(db, accountId)))
        throw new AppError('not_found', 'The reader was not found.');
      const live = (await q.selectLiveSessions(db, accountId, at())).map((s) => s.id);
      await q.endSessions(db, live, 'ended_by_support', at());
      return live.length;
    },

    async whyEnded(reason) {
      const { deviceLimit } = await settings.read(accountSettingsKey, accountSettingsSchema);
      return endReasonMessage(reason, deviceLimit);
    },

    async recognisesDevice(email, since) {
      const row = await q.selectAccountByEmail(db, normaliseEmail(email));
      return row !== undefined && Date.parse(row.updated_at) <= since;
    },
    forgetEndedSessions: () => q.deleteSessionsOver(db, at(-endedSessionsKeptMs)),
  };
}
