import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { AppError } from '../../kernel/errors.js';
import { newId, newSecret } from '../../kernel/ids.js';
import type { MailSender } from '../mail/index.js';
import { checkPassword, hashPassword, verifyPassword } from '../passwords/index.js';
import type { SettingsStore } from '../settings/index.js';
import {
  leavesNoOwner,
  normaliseRecoveryCode,
  recoveryCodeCount,
  stageOf,
  staffSettingsKey,
  staffSettingsSchema,
  staffTimes,
  type SessionStage,
  type StaffInvitation,
  type StaffMember,
} from './domain.js';
import type { StaffMailVariables } from './mail-copy.js';
import * as q from './queries.js';
import { isStaffRole, type StaffPrincipal, type StaffRole } from '../../kernel/staff-access.js';
import { normaliseEmail } from '../../kernel/text.js';
import { newTotpSecret, totpStep, totpUri } from './totp.js';

const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export interface Device {
  readonly ip: string;
  readonly userAgent: string;
}

/** A staff session as a request finds it. */
export interface StaffSessionView {
  readonly sessionId: string;
  readonly stage: SessionStage;
  readonly member: StaffMember;
}

export interface StaffService {
  /** A new member (the CLI's first owner, or an accepted invitation). 409 if the address is taken. */
  create(input: { email: string; password: string; name?: string; role: StaffRole }): Promise<StaffMember>;
  list(): Promise<StaffMember[]>;
  member(id: string): Promise<StaffMember | undefined>;
  /** Changes a member's role; never demotes the last owner. */
  setRole(id: string, role: StaffRole): Promise<{ before: StaffMember; after: StaffMember }>;
  /** Removes a member and ends their sessions; never the last owner. */
  remove(id: string): Promise<StaffMember>;
  /** Emails a one-time invitation link to `email` for `role`. */
  invite(input: { email: string; role: StaffRole }, by: StaffPrincipal): Promise<StaffInvitation>;
  invitations(): Promise<StaffInvitation[]>;
  revokeInvitation(id: string): Promise<boolean>;
  /** The open invitation of a link's token, or undefined (unknown, used, revoked or expired). */
  invitation(token: string): Promise<StaffInvitation | undefined>;
  /** Accepts an invitation: the member is made and signed in. */
  acceptInvitation(
    token: string,
    input: { name: string; password: string },
    device: Device,
  ): Promise<{ member: StaffMember; token: string }>;
  /**
   * Checks email and password. A member with two-factor sign-in gets a session at the
   * `password` stage, which only `secondFactor` can complete.
   */
  signIn(
    input: { email: string; password: string },
    device: Device,
  ): Promise<{ ok: false } | { ok: true; token: string; stage: SessionStage; member: StaffMember }>;
  /** Completes a `password`-stage session with a TOTP code or a recovery code. */
  secondFactor(token: string, code: string): Promise<boolean>;
  /** The live session of a cookie's token. */
  session(token: string): Promise<StaffSessionView | undefined>;
  signOut(token: string): Promise<void>;
  /** Starts turning on two-factor sign-in: the secret and URI to show, until `confirmTwoFactor`. */
  beginTwoFactor(staffId: string, issuer: string): Promise<{ secret: string; uri: string }>;
  /** Confirms the pending secret with a first code; answers the recovery codes, shown once. */
  confirmTwoFactor(staffId: string, code: string): Promise<{ recoveryCodes: string[] } | undefined>;
  disableTwoFactor(staffId: string): Promise<void>;
  settings(): Promise<{ requireTwoFactor: boolean }>;
  setRequireTwoFactor(value: boolean): Promise<void>;
}

function memberOf(
  row:
    | q.MemberRow
    | {
        id: string;
        email: string;
        name: string;
        role: string;
        totp_secret: string | null;
        created_at: string;
      },
): StaffMember {
  if (!isStaffRole(row.role)) throw new Error(`staff member ${row.id} has an unknown role ${row.role}`);
  return {
    id: row.id,
    email: row.email,
    name: row.name,
    role: row.role,
    twoFactor: row.totp_secret !== null,
    createdAt: row.created_at,
  };
}

function invitationOf(row: q.InvitationRow): StaffInvitation {
  if (!isStaffRole(row.role)) throw new Error(`invitation ${row.id} has an unknown role ${row.role}`);
  return {
    id: row.id,
    email: row.email,
    role: row.role,
    invitedBy: row.invited_by,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
  };
}

/** The staff of the publication: members, roles, invitations, sessions and two-factor sign-in. */
export function createStaffService(deps: {
  db: Kysely<Database>;
  clock: Clock;
  settings: SettingsStore;
  mailer: MailSender<StaffMailVariables>;
  publicUrl: string;
}): StaffService {
  const { db, clock, settings, mailer } = deps;
  const nowIso = () => clock.now().toISOString();
  const later = (ms: number) => new Date(clock.now().getTime() + ms).toISOString();

  async function requireMember(id: string): Promise<q.MemberRow> {
    const row = await q.memberById(db, id);
    if (!row) throw new AppError('not_found', 'No such staff member.');
    return row;
  }

  async function openSession(staffId: string, stage: 'password' | 'full', device: Device): Promise<string> {
    const token = newSecret(32);
    const now = nowIso();
    await db
      .insertInto('staff_sessions')
      .values({
        id: newId('sts'),
        staff_id: staffId,
        token_hash: sha256(token),
        stage,
        ip: device.ip,
        user_agent: device.userAgent.slice(0, 400),
        created_at: now,
        last_seen_at: now,
        expires_at: later(stage === 'password' ? staffTimes.secondFactor : staffTimes.session),
        ended_at: null,
      })
      .execute();
    return token;
  }

  async function readSettings() {
    return settings.read(staffSettingsKey, staffSettingsSchema);
  }

  async function create(input: { email: string; password: string; name?: string; role: StaffRole }) {
    const email = normaliseEmail(input.email);
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email))
      throw new AppError('validation_failed', 'Give a valid email address.');
    const check = checkPassword(input.password, { email });
    if (!check.ok) throw new AppError('validation_failed', check.message);
    if (await q.memberByEmail(db, email))
      throw new AppError('conflict', 'A staff member has this email address already.');
    const row = {
      id: newId('stf'),
      email,
      name: input.name?.trim() || email.split('@')[0] || email,
      role: input.role,
      password_hash: await hashPassword(input.password),
      totp_secret: null,
      totp_pending_secret: null,
      totp_last_step: null,
      created_at: nowIso(),
      removed_at: null,
    };
    await db.insertInto('staff_members').values(row).execute();
    return memberOf(row);
  }

  return {
    create,
    list: async () => (await q.liveMembers(db)).map(memberOf),
    async member(id) {
      const row = await q.memberById(db, id);
      return row ? memberOf(row) : undefined;
    },
    async setRole(id, role) {
      const before = memberOf(await requireMember(id));
      if (leavesNoOwner((await q.liveMembers(db)).map(memberOf), id, role))
        throw new AppError('conflict', 'This is the only owner: make another member owner first.');
      await db.updateTable('staff_members').set({ role }).where('id', '=', id).execute();
      return { before, after: { ...before, role } };
    },
    async remove(id) {
      const member = memberOf(await requireMember(id));
      if (leavesNoOwner((await q.liveMembers(db)).map(memberOf), id, null))
        throw new AppError('conflict', 'This is the only owner: make another member owner first.');
      const now = nowIso();
      await db.transaction().execute(async (trx) => {
        await trx.updateTable('staff_members').set({ removed_at: now }).where('id', '=', id).execute();
        await q.endSessionsOf(trx, id, now);
      });
      return member;
    },
    async invite(input, by) {
      const email = normaliseEmail(input.email);
      if (await q.memberByEmail(db, email))
        throw new AppError('conflict', 'A staff member has this email address already.');
      const token = newSecret(32);
      const row = {
        id: newId('sti'),
        email,
        role: input.role,
        token_hash: sha256(token),
        invited_by: by.id,
        created_at: nowIso(),
        expires_at: later(staffTimes.invitation),
        accepted_at: null,
        revoked_at: null,
      };
      await db.insertInto('staff_invitations').values(row).execute();
      await mailer.send({
        to: email,
        template: 'staff-invitation',
        variables: {
          invited_by: by.label,
          role: input.role,
          link: `${deps.publicUrl}/admin/invitations/${token}`,
          expires_in_days: staffTimes.invitation / 86_400_000,
        },
      });
      return invitationOf(row);
    },
    invitations: async () => (await q.openInvitations(db, nowIso())).map(invitationOf),
    async revokeInvitation(id) {
      const result = await db
        .updateTable('staff_invitations')
        .set({ revoked_at: nowIso() })
        .where('id', '=', id)
        .where('accepted_at', 'is', null)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    async invitation(token) {
      const row = await q.invitationByTokenHash(db, sha256(token), nowIso());
      return row ? invitationOf(row) : undefined;
    },
    async acceptInvitation(token, input, device) {
      const row = await q.invitationByTokenHash(db, sha256(token), nowIso());
      if (!row)
        throw new AppError(
          'expired',
          'This invitation is used, withdrawn or out of date: ask for a new one.',
        );
      // The token is spent first, so a link opened twice makes one member.
      const spent = await db
        .updateTable('staff_invitations')
        .set({ accepted_at: nowIso() })
        .where('id', '=', row.id)
        .where('accepted_at', 'is', null)
        .executeTakeFirst();
      if (spent.numUpdatedRows === 0n) throw new AppError('expired', 'This invitation was used already.');
      const invitation = invitationOf(row);
      try {
        const member = await create({
          email: row.email,
          password: input.password,
          name: input.name,
          role: invitation.role,
        });
        return { member, token: await openSession(member.id, 'full', device) };
      } catch (error) {
        // A refused password leaves the invitation usable.
        await db
          .updateTable('staff_invitations')
          .set({ accepted_at: null })
          .where('id', '=', row.id)
          .execute();
        throw error;
      }
    },
    async signIn(input, device) {
      const row = await q.memberByEmail(db, normaliseEmail(input.email));
      // A missing member still costs a hash check, so timing tells no address apart.
      const ok = await verifyPassword(row?.password_hash ?? null, input.password);
      if (!row || !ok) return { ok: false };
      const member = memberOf(row);
      const stored = member.twoFactor ? 'password' : 'full';
      const token = await openSession(row.id, stored, device);
      return {
        ok: true,
        token,
        member,
        stage: stageOf(stored, member, (await readSettings()).requireTwoFactor),
      };
    },
    async secondFactor(token, code) {
      const found = await q.sessionByTokenHash(db, sha256(token), nowIso());
      if (!found || found.stage !== 'password' || found.totp_secret === null) return false;
      const step = totpStep(found.totp_secret, code.trim(), clock.now().getTime());
      const passed =
        step !== null
          ? await q.claimTotpStep(db, found.id, step)
          : await q.useRecoveryCode(db, found.id, sha256(normaliseRecoveryCode(code)), nowIso());
      if (!passed) return false;
      await db
        .updateTable('staff_sessions')
        .set({ stage: 'full', expires_at: later(staffTimes.session) })
        .where('id', '=', found.sessionId)
        .execute();
      return true;
    },
    async session(token) {
      const found = await q.sessionByTokenHash(db, sha256(token), nowIso());
      if (!found) return undefined;
      const member = memberOf(found);
      return {
        sessionId: found.sessionId,
        member,
        stage: stageOf(found.stage, member, (await readSettings()).requireTwoFactor),
      };
    },
    async signOut(token) {
      await db
        .updateTable('staff_sessions')
        .set({ ended_at: nowIso() })
        .where('token_hash', '=', sha256(token))
        .where('ended_at', 'is', null)
        .execute();
    },
    async beginTwoFactor(staffId, issuer) {
      const row = await requireMember(staffId);
      const secret = newTotpSecret();
      await db
        .updateTable('staff_members')
        .set({ totp_pending_secret: secret })
        .where('id', '=', staffId)
        .execute();
      return { secret, uri: totpUri(secret, row.email, issuer) };
    },
    async confirmTwoFactor(staffId, code) {
      const row = await requireMember(staffId);
      const secret = row.totp_pending_secret;
      if (secret === null) return undefined;
      const step = totpStep(secret, code.trim(), clock.now().getTime());
      if (step === null) return undefined;
      const recoveryCodes = Array.from({ length: recoveryCodeCount }, () => {
        // 80 random bits, typed as four groups of five hex digits.
        const raw = randomBytes(10).toString('hex');
        return raw.match(/.{5}/g)!.join('-');
      });
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('staff_members')
          .set({ totp_secret: secret, totp_pending_secret: null, totp_last_step: step })
          .where('id', '=', staffId)
          .execute();
        await trx.deleteFrom('staff_recovery_codes').where('staff_id', '=', staffId).execute();
        await trx
          .insertInto('staff_recovery_codes')
          .values(
            recoveryCodes.map((c) => ({
              id: newId('src'),
              staff_id: staffId,
              code_hash: sha256(normaliseRecoveryCode(c)),
              used_at: null,
            })),
          )
          .execute();
      });
      return { recoveryCodes };
    },
    async disableTwoFactor(staffId) {
      await requireMember(staffId);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('staff_members')
          .set({ totp_secret: null, totp_pending_secret: null, totp_last_step: null })
          .where('id', '=', staffId)
          .execute();
        await trx.deleteFrom('staff_recovery_codes').where('staff_id', '=', staffId).execute();
      });
    },
    settings: readSettings,
    async setRequireTwoFactor(value) {
      await settings.write(staffSettingsKey, staffSettingsSchema, { requireTwoFactor: value });
    },
  };
}
