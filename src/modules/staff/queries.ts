import type { Kysely, Selectable } from 'kysely';
import type { Database, StaffInvitationsTable, StaffMembersTable } from '../../db/schema.js';

// Plain functions over the staff tables; the service decides, these read and write.

export type MemberRow = Selectable<StaffMembersTable>;
export type InvitationRow = Selectable<StaffInvitationsTable>;

export const memberById = (db: Kysely<Database>, id: string) =>
  db
    .selectFrom('staff_members')
    .selectAll()
    .where('id', '=', id)
    .where('removed_at', 'is', null)
    .executeTakeFirst();

export const memberByEmail = (db: Kysely<Database>, email: string) =>
  db
    .selectFrom('staff_members')
    .selectAll()
    .where('email', '=', email)
    .where('removed_at', 'is', null)
    .executeTakeFirst();

export const liveMembers = (db: Kysely<Database>) =>
  db.selectFrom('staff_members').selectAll().where('removed_at', 'is', null).orderBy('created_at').execute();

/** The live session of `tokenHash` with its member, if neither has ended. */
export const sessionByTokenHash = (db: Kysely<Database>, tokenHash: string, now: string) =>
  db
    .selectFrom('staff_sessions as s')
    .innerJoin('staff_members as m', 'm.id', 's.staff_id')
    .select([
      's.id as sessionId',
      's.stage',
      'm.id',
      'm.email',
      'm.name',
      'm.role',
      'm.totp_secret',
      'm.created_at',
    ])
    .where('s.token_hash', '=', tokenHash)
    .where('s.ended_at', 'is', null)
    .where('s.expires_at', '>', now)
    .where('m.removed_at', 'is', null)
    .executeTakeFirst();

export const endSessionsOf = (db: Kysely<Database>, staffId: string, now: string) =>
  db
    .updateTable('staff_sessions')
    .set({ ended_at: now })
    .where('staff_id', '=', staffId)
    .where('ended_at', 'is', null)
    .execute();

/**
 * Records that a TOTP code of `step` was used, only if no later or equal step was: two requests
 * with one code cannot both pass.
 */
export async function claimTotpStep(db: Kysely<Database>, staffId: string, step: number): Promise<boolean> {
  const result = await db
    .updateTable('staff_members')
    .set({ totp_last_step: step })
    .where('id', '=', staffId)
    .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

/** Uses an unused recovery code of the member's; false if there is none such. */
export async function useRecoveryCode(
  db: Kysely<Database>,
  staffId: string,
  codeHash: string,
  now: string,
): Promise<boolean> {
  const result = await db
    .updateTable('staff_recovery_codes')
    .set({ used_at: now })
    .where('staff_id', '=', staffId)
    .where('code_hash', '=', codeHash)
    .where('used_at', 'is', null)
    .executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export const invitationByTokenHash = (db: Kysely<Database>, tokenHash: string, now: string) =>
  db
    .selectFrom('staff_invitations')
    .selectAll()
    .where('token_hash', '=', tokenHash)
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();

export const openInvitations = (db: Kysely<Database>, now: string) =>
  db
    .selectFrom('staff_invitations')
    .selectAll()
    .where('accepted_at', 'is', null)
    .where('revoked_at', 'is', null)
    .where('expires_at', '>', now)
    .orderBy('created_at')
    .execute();
