import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AccountLinksTable, Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError } from '../../kernel/errors.js';
import { newId, newSecret } from '../../kernel/ids.js';
import type { MailSender } from '../mail/index.js';
import { checkPassword, hashPassword, verifyPassword } from '../passwords/index.js';
import type { PublicationService } from '../publication/index.js';
import { normaliseEmail, type SessionKind } from './domain.js';
import type { AccountLinkTemplateName, AccountMailVariables } from './mail-copy.js';
import * as q from './queries.js';
import type { AccountService, Device, SignedIn } from './service.js';

// ─── Rules: pure functions over plain data ──────────────────────────────────────────────────

/** What a mailed link does: confirm the address, sign in, or let the reader choose a password. */
export type LinkPurpose = AccountLinksTable['purpose'];

/** How long each kind of link works, which mail carries it, and the page it opens. */
export const linkPurposes = {
  confirm_email: { lifetimeMs: 24 * 60 * 60_000, template: 'confirm-email', path: '/account/confirm' },
  sign_in: { lifetimeMs: 15 * 60_000, template: 'sign-in-link', path: '/auth/link' },
  password_reset: { lifetimeMs: 30 * 60_000, template: 'password-reset', path: '/login/reset/new' },
} as const satisfies Record<
  LinkPurpose,
  { lifetimeMs: number; template: AccountLinkTemplateName; path: string }
>;

/**
 * Why a link does not work. `unknown` covers a token that names no link and a link of another
 * purpose (a reset link opened as a sign-in link): neither says more than "not a link".
 * `expired` covers a link retired early because a newer one of its purpose was sent.
 */
export type LinkRefusal = 'unknown' | 'used' | 'expired';

/** A link as the rules see it. */
export interface LinkState {
  readonly purpose: LinkPurpose;
  readonly expiresAt: string;
  readonly usedAt: string | null;
}

export type LinkCheck = { readonly ok: true } | { readonly ok: false; readonly refusal: LinkRefusal };

/**
 * Whether `link` (undefined when no link has the token) may be used for `purpose` at `now`
 * (ISO 8601 UTC). A link works once, for its purpose only, until it expires.
 */
export function checkLink(link: LinkState | undefined, purpose: LinkPurpose, now: string): LinkCheck {
  if (!link || link.purpose !== purpose) return { ok: false, refusal: 'unknown' };
  if (link.usedAt !== null) return { ok: false, refusal: 'used' };
  if (link.expiresAt <= now) return { ok: false, refusal: 'expired' };
  return { ok: true };
}

/** When a link of `purpose` issued at `issuedAt` stops working. */
export function linkExpiry(purpose: LinkPurpose, issuedAt: Date): string {
  return new Date(issuedAt.getTime() + linkPurposes[purpose].lifetimeMs).toISOString();
}

// ─── Queries ────────────────────────────────────────────────────────────────────────────────

function selectLinkByTokenHash(db: Kysely<Database>, tokenHash: string) {
  return db.selectFrom('account_links').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
}

function selectLink(db: Kysely<Database>, id: string) {
  return db.selectFrom('account_links').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Retires the account's unused, unexpired links of `purpose`: only the newest link works. */
async function retireLinks(db: Kysely<Database>, accountId: string, purpose: LinkPurpose, now: string) {
  await db
    .updateTable('account_links')
    .set({ expires_at: now })
    .where('account_id', '=', accountId)
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .execute();
}

async function deleteLinksExpiredBefore(db: Kysely<Database>, before: string): Promise<number> {
  const deleted = await db.deleteFrom('account_links').where('expires_at', '<', before).executeTakeFirst();
  return Number(deleted.numDeletedRows);
}

/** Marks the link used if it still works; false when another use or a newer link got there first. */
async function claimLink(db: Kysely<Database>, id: string, now: string): Promise<boolean> {
  const result = await db
    .updateTable('account_links')
    .set({ used_at: now })
    .where('id', '=', id)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

async function markEmailVerified(db: Kysely<Database>, accountId: string, now: string) {
  await db
    .updateTable('accounts')
    .set({ email_verified_at: now, updated_at: now })
    .where('id', '=', accountId)
    .where('email_verified_at', 'is', null)
    .execute();
}

/**
 * The name mail about the account greets the reader by: none while the address is unproven,
 * since anyone may sign up with an address and write what its owner's mail then says.
 */
const greetingName = (account: { name: string; email_verified_at: string | null }): string =>
  account.email_verified_at === null ? '' : account.name;

/** What proving the address did to the account. */
interface Proof {
  /** The address was not proven before: this was the takeover. */
  readonly first: boolean;
  /** A password chosen before the proof was removed. */
  readonly passwordRemoved: boolean;
}

/**
 * Records that the account's address is proven. The first proof takes the account over: until
 * then anyone could have signed up with the address, so every session opened before it ends
 * (app sessions with their refresh tokens), except `keep.sessionId`, the prover's own; and the
 * password and the name go unless `keep.password`, when the prover showed they know it. Of two racing
 * first proofs, one is first.
 */
async function proveAddress(
  trx: Kysely<Database>,
  accountId: string,
  now: string,
  keep: { readonly password: boolean; readonly sessionId?: string | undefined },
): Promise<Proof> {
  const account = await q.selectAccount(trx, accountId);
  // The name goes with the password: both were chosen by whoever signed up, and a name an
  // attacker wrote would greet the owner in every mail and stand on their invoices.
  const claimed = await trx
    .updateTable('accounts')
    .set({
      email_verified_at: now,
      updated_at: now,
      ...(!keep.password && { password_hash: null, name: '' }),
    })
    .where('id', '=', accountId)
    .where('email_verified_at', 'is', null)
    .executeTakeFirst();
  if (!account || claimed.numUpdatedRows === 0n) return { first: false, passwordRemoved: false };
  const live = await q.selectLiveSessions(trx, accountId, now);
  await q.endSessions(
    trx,
    live.filter((session) => session.id !== keep.sessionId).map((session) => session.id),
    'address_proven',
    now,
  );
  return { first: true, passwordRemoved: !keep.password && account.password_hash !== null };
}

// ─── Service ────────────────────────────────────────────────────────────────────────────────

/** Where mail that could not be sent is reported; a request's logger fits. */
export interface FailureLog {
  error(details: { err: unknown }, message: string): void;
}

/** What using a link gave, or why it did not work. */
export type LinkOutcome<T> =
  { readonly ok: true; readonly value: T } | { readonly ok: false; readonly refusal: LinkRefusal };

/**
 * The links Masthead mails to readers: to confirm their address (24 hours), to sign in without
 * a password (15 minutes) and to reset the password (30 minutes). Each works once; sending a
 * new one retires the account's earlier unused ones of the same purpose. Only the SHA-256 of a
 * link's token is stored.
 *
 * Mail goes out in the background (`send…`/`request…` return at once): a request for a link
 * must not say, by its answer or by how long the answer took, whether the address has an
 * account, and a reader signing up should not wait on the mail server. Failures go to the
 * `FailureLog` given; `settled()` waits for what is under way.
 */
export interface AccountLinks {
  /** Mails the account a link that confirms its address, unless it is confirmed already. */
  sendConfirmation(accountId: string, log: FailureLog): void;
  /**
   * Mails a sign-in link to `email` if an account has it. `returnTo`, a path on this site the
   * caller has checked (`safeReturnTo`), rides along in the link and is checked again there.
   */
  requestSignInLink(email: string, returnTo: string | undefined, log: FailureLog): void;
  /** Mails a password-reset link to `email` if an account has it. */
  requestPasswordReset(email: string, log: FailureLog): void;
  /**
   * What a confirmation link would confirm, without using it (for the page that asks to
   * confirm): the address, and whether the account has a password to vouch for.
   */
  checkConfirmation(
    token: string,
  ): Promise<LinkOutcome<{ accountId: string; email: string; hasPassword: boolean }>>;
  /**
   * Uses a confirmation link: the address is proven (see `proveAddress` for the takeover this
   * is the first time). The password chosen at sign-up is kept only when the prover vouches for
   * it: `prover.session` is a live session of this account in the prover's browser, or
   * `prover.password` is the account's password (a wrong one throws unauthorized and leaves
   * the link unused). A prover not signed in to the account here is signed in (`signedIn`), as
   * by a sign-in link.
   */
  confirmEmail(
    token: string,
    prover: {
      /** The live session the prover's browser carries, if any (of whichever account). */
      readonly session?: { readonly id: string; readonly accountId: string } | undefined;
      readonly password?: string | undefined;
    },
    device: Device,
    log: FailureLog,
  ): Promise<LinkOutcome<{ email: string; signedIn?: SignedIn; passwordRemoved: boolean; provenAt: string }>>;
  /** What a sign-in link would sign in to, without using it (for the page that asks to sign in). */
  checkSignIn(token: string): Promise<LinkOutcome<{ email: string }>>;
  /**
   * Uses a sign-in link: opens a session as `AccountService.signIn` does (device limit, meter
   * carry-over), and proves the address. The first proof takes the account over: every other
   * session ends and a password chosen before it is removed, which the owner is told by mail.
   */
  signIn(token: string, kind: SessionKind, device: Device, log: FailureLog): Promise<LinkOutcome<SignedIn>>;
  /** Whether a reset link would work, without using it (to show the new-password form). */
  checkPasswordReset(token: string): Promise<LinkOutcome<{ email: string }>>;
  /**
   * Uses a reset link: sets `password` (argon2id), confirms the address and ends every session
   * of the account. A password the rules refuse throws validation_failed and leaves the link
   * unused.
   */
  resetPassword(token: string, password: string): Promise<LinkOutcome<{ sessionsEnded: number }>>;
  /** Resolves once every mail started so far was sent or failed (shutdown, tests). */
  settled(): Promise<void>;
  /**
   * Forgets links that stopped working more than a week ago (a periodic job); returns how many.
   * Until then, opening one says it was used or expired rather than that it is unknown.
   */
  forgetExpired(): Promise<number>;
}

const expiredLinksKeptMs = 7 * 24 * 60 * 60_000;

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export function createAccountLinks(deps: {
  db: Kysely<Database>;
  clock: Clock;
  mailer: MailSender<AccountMailVariables>;
  accounts: AccountService;
  /** The publication's name, which a new password must not be built from. */
  publication: PublicationService;
  /** The site's absolute URL; links in mail point at it. */
  publicUrl: string;
}): AccountLinks {
  const { db, clock, mailer, accounts, publication, publicUrl } = deps;
  const inFlight = new Set<Promise<void>>();

  /**
   * Runs `work` on a later turn of the event loop, so that the answer to the request that asked
   * for it has been written first and its timing does not depend on what `work` finds.
   */
  function later(failure: string, log: FailureLog, work: () => Promise<void>): void {
    const task: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
      .then(work)
      .catch((error: unknown) => log.error({ err: error }, failure))
      .finally(() => inFlight.delete(task));
    inFlight.add(task);
  }

  /** Issues a link of `purpose` for the account and mails it. */
  async function issue(
    account: { id: string; email: string; name: string; email_verified_at: string | null },
    purpose: LinkPurpose,
    returnTo?: string,
  ): Promise<void> {
    const token = newSecret(32);
    const issuedAt = clock.now();
    const now = issuedAt.toISOString();
    // Two requests racing here can each leave a live link; both went to the same mailbox.
    await db.transaction().execute(async (trx) => {
      await retireLinks(trx, account.id, purpose, now);
      await trx
        .insertInto('account_links')
        .values({
          id: newId('lnk'),
          account_id: account.id,
          purpose,
          token_hash: sha256(token),
          created_at: now,
          expires_at: linkExpiry(purpose, issuedAt),
          used_at: null,
        })
        .execute();
    });
    const { template, path, lifetimeMs } = linkPurposes[purpose];
    const link = new URL(path, publicUrl);
    link.searchParams.set('token', token);
    if (returnTo !== undefined) link.searchParams.set('returnTo', returnTo);
    await mailer.send({
      to: account.email,
      template,
      variables: {
        reader_name: greetingName(account),
        link: link.toString(),
        expires_in_minutes: lifetimeMs / 60_000,
      },
    });
  }

  /** The link a token names, if it may be used for `purpose` now. */
  async function find(token: string, purpose: LinkPurpose) {
    const link = await selectLinkByTokenHash(db, sha256(token));
    if (!link) return { ok: false as const, refusal: 'unknown' as const };
    const check = checkLink(stateOf(link), purpose, clock.now().toISOString());
    return check.ok ? { ok: true as const, link } : check;
  }

  /**
   * Claims the link and applies its effect in one transaction: of two racing uses one wins, and
   * the loser is told why as if it had come second.
   */
  async function use<T>(
    linkId: string,
    purpose: LinkPurpose,
    effect: (trx: Kysely<Database>, now: string) => Promise<T>,
  ): Promise<LinkOutcome<T>> {
    const now = clock.now().toISOString();
    const claimed = await db.transaction().execute(async (trx) => {
      if (!(await claimLink(trx, linkId, now))) return undefined;
      return { value: await effect(trx, now) };
    });
    if (claimed) return { ok: true, value: claimed.value };
    const link = await selectLink(db, linkId);
    const check = checkLink(link && stateOf(link), purpose, now);
    return { ok: false, refusal: check.ok ? 'used' : check.refusal };
  }

  /**
   * Tells the owner that the password chosen before they proved the address is gone. Without a
   * name: the account's was chosen then too, by whoever signed up, and went with the password.
   */
  function tellPasswordRemoved(account: { email: string }, log: FailureLog) {
    later('password-removed notice not mailed', log, async () => {
      await mailer.send({
        to: account.email,
        template: 'password-removed',
        variables: { reader_name: '', link: new URL('/login/reset', publicUrl).toString() },
      });
    });
  }

  return {
    sendConfirmation(accountId, log) {
      later('confirmation link not mailed', log, async () => {
        const account = await q.selectAccount(db, accountId);
        if (account && account.email_verified_at === null) await issue(account, 'confirm_email');
      });
    },

    requestSignInLink(email, returnTo, log) {
      const address = normaliseEmail(email);
      later('sign-in link not mailed', log, async () => {
        const account = await q.selectAccountByEmail(db, address);
        if (account) await issue(account, 'sign_in', returnTo);
      });
    },

    requestPasswordReset(email, log) {
      const address = normaliseEmail(email);
      later('password-reset link not mailed', log, async () => {
        const account = await q.selectAccountByEmail(db, address);
        if (account) await issue(account, 'password_reset');
      });
    },

    async checkConfirmation(token) {
      const found = await find(token, 'confirm_email');
      if (!found.ok) return found;
      const account = await q.selectAccount(db, found.link.account_id);
      if (!account) return { ok: false, refusal: 'unknown' };
      const value = {
        accountId: account.id,
        email: account.email,
        hasPassword: account.password_hash !== null,
      };
      return { ok: true, value };
    },

    async confirmEmail(token, prover, device, log) {
      const found = await find(token, 'confirm_email');
      if (!found.ok) return found;
      const account = await q.selectAccount(db, found.link.account_id);
      if (!account) return { ok: false, refusal: 'unknown' };
      const ownSession = prover.session?.accountId === account.id ? prover.session.id : undefined;
      let vouched = ownSession !== undefined;
      if (!vouched && prover.password) {
        // Checked before the link is claimed: a wrong password leaves it usable.
        if (!(await verifyPassword(account.password_hash, prover.password))) {
          throw new AppError(
            'unauthorized',
            'That is not the password of this account. Leave it empty to confirm without it: the password is then removed.',
            { field: 'password' },
          );
        }
        vouched = true;
      }
      const used = await use(found.link.id, 'confirm_email', async (trx, now) => ({
        ...(await proveAddress(trx, account.id, now, { password: vouched, sessionId: ownSession })),
        provenAt: now,
      }));
      if (!used.ok) return used;
      const { passwordRemoved, provenAt } = used.value;
      if (passwordRemoved) tellPasswordRemoved(account, log);
      // Whoever holds the link owns the mailbox: as with a sign-in link, they are signed in.
      const signedIn =
        ownSession === undefined
          ? await accounts.signInWithoutPassword(account.id, 'web', device)
          : undefined;
      return {
        ok: true,
        value: { email: account.email, passwordRemoved, provenAt, ...(signedIn && { signedIn }) },
      };
    },

    async checkSignIn(token) {
      const found = await find(token, 'sign_in');
      if (!found.ok) return found;
      const account = await q.selectAccount(db, found.link.account_id);
      return account ? { ok: true, value: { email: account.email } } : { ok: false, refusal: 'unknown' };
    },

    async signIn(token, kind, device, log) {
      const found = await find(token, 'sign_in');
      if (!found.ok) return found;
      const { account_id: accountId } = found.link;
      const used = await use(found.link.id, 'sign_in', (trx, now) =>
        proveAddress(trx, accountId, now, { password: false }),
      );
      if (!used.ok) return used;
      const account = await q.selectAccount(db, accountId);
      if (account && used.value.passwordRemoved) tellPasswordRemoved(account, log);
      return { ok: true, value: await accounts.signInWithoutPassword(accountId, kind, device) };
    },

    async checkPasswordReset(token) {
      const found = await find(token, 'password_reset');
      if (!found.ok) return found;
      const account = await q.selectAccount(db, found.link.account_id);
      // The account's deletion takes its links with it; a link found has an account.
      return account ? { ok: true, value: { email: account.email } } : { ok: false, refusal: 'unknown' };
    },

    async resetPassword(token, password) {
      const found = await find(token, 'password_reset');
      if (!found.ok) return found;
      const account = await q.selectAccount(db, found.link.account_id);
      if (!account) return { ok: false, refusal: 'unknown' };
      // Checked and hashed before the link is claimed: a refused password leaves it usable.
      const { name: publicationName } = await publication.settings();
      const check = checkPassword(password, { email: account.email, name: publicationName });
      if (!check.ok)
        throw new AppError('validation_failed', `password: ${check.message}`, { field: 'password' });
      const passwordHash = await hashPassword(password);
      return use(found.link.id, 'password_reset', async (trx, now) => {
        await trx
          .updateTable('accounts')
          .set({ password_hash: passwordHash, updated_at: now })
          .where('id', '=', account.id)
          .execute();
        await markEmailVerified(trx, account.id, now);
        // Whoever knew the old password may be signed in somewhere: every device signs in again.
        const live = await q.selectLiveSessions(trx, account.id, now);
        await q.endSessions(
          trx,
          live.map((session) => session.id),
          'password_reset',
          now,
        );
        return { sessionsEnded: live.length };
      });
    },

    async settled() {
      // A task may start another (none do today); loop until nothing is under way.
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
    },
    forgetExpired: () =>
      deleteLinksExpiredBefore(db, new Date(clock.now().getTime() - expiredLinksKeptMs).toISOString()),
  };
}

function stateOf(row: { purpose: LinkPurpose; expires_at: string; used_at: string | null }): LinkState {
  return { purpose: row.purpose, expiresAt: row.expires_at, usedAt: row.used_at };
}
