import { z } from 'zod';
import type { StaffRole } from '../../kernel/staff-access.js';

/** A staff member as the admin shows them; never the password or the TOTP secret. */
export interface StaffMember {
  readonly id: string;
  readonly email: string;
  readonly name: string;
  readonly role: StaffRole;
  readonly twoFactor: boolean;
  readonly createdAt: string;
}

export interface StaffInvitation {
  readonly id: string;
  readonly email: string;
  readonly role: StaffRole;
  readonly invitedBy: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

/** How long things last, in milliseconds. */
export const staffTimes = {
  /** A signed-in staff session: a working day, then sign in again. */
  session: 12 * 3_600_000,
  /** Between the right password and the second factor. */
  secondFactor: 10 * 60_000,
  /** An emailed invitation. */
  invitation: 7 * 86_400_000,
} as const;

/** The number of recovery codes handed out when two-factor sign-in is turned on. */
export const recoveryCodeCount = 10;

/** The `staff` settings: what the owner decides for every member. */
export const staffSettingsKey = 'staff';
export const staffSettingsSchema = z
  .object({
    /** Every member must sign in with a second factor; one without it must set it up first. */
    requireTwoFactor: z.boolean().default(false),
  })
  .strict()
  .default({ requireTwoFactor: false });

/** Why a sign-in went no further. One message for all: a wrong address tells nothing. */
export type SignInRefusal = 'bad_credentials';

/**
 * The stage a signed-in session is at: `password` needs the second factor; `setup` is signed
 * in but must turn on two-factor sign-in first (the owner requires it); `full` may work.
 */
export type SessionStage = 'password' | 'setup' | 'full';

/** Pure: what a session of a member may do, given the owner's rule and the member's factors. */
export function stageOf(
  stored: 'password' | 'full',
  member: { readonly twoFactor: boolean },
  requireTwoFactor: boolean,
): SessionStage {
  if (stored === 'password') return 'password';
  return requireTwoFactor && !member.twoFactor ? 'setup' : 'full';
}

/** Pure: a recovery code as typed (spaces, dashes, any case) in the form it is stored. */
export function normaliseRecoveryCode(code: string): string {
  return code.replace(/[\s-]/g, '').toLowerCase();
}

/** Pure: whether the last owner would be gone after removing or demoting `memberId`. */
export function leavesNoOwner(
  members: readonly Pick<StaffMember, 'id' | 'role'>[],
  memberId: string,
  newRole: StaffRole | null,
): boolean {
  const owners = members.filter((m) => m.role === 'owner');
  const target = members.find((m) => m.id === memberId);
  if (target?.role !== 'owner' || newRole === 'owner') return false;
  return owners.length <= 1;
}
