import type { FastifyRequest } from 'fastify';

/**
 * The staff roles. The owner may do everything; each other role runs one part of the
 * business: editors the newsroom, marketers the meter, paywall, plans and coupons, support
 * the readers (comps, refunds, data requests).
 */
export const staffRoles = ['owner', 'editor', 'marketer', 'support'] as const;
export type StaffRole = (typeof staffRoles)[number];

export const isStaffRole = (value: string): value is StaffRole =>
  (staffRoles as readonly string[]).includes(value);

/**
 * Who is acting on the admin: a signed-in staff member or an API key. Both have a role; a key
 * created with `--scope admin` is an owner.
 */
export interface StaffPrincipal {
  readonly kind: 'staff' | 'api-key';
  /** `stf_…` or `key_…`. */
  readonly id: string;
  /** An email for staff, the key's name for a key: what the audit log shows. */
  readonly label: string;
  readonly role: StaffRole;
}

/**
 * What a route declares in its options, once: `config: { staff: ['support'] }` lets support
 * (and the owner, always) call it; `config: { staff: 'public' }` marks the few admin routes a
 * visitor must reach signed out (the sign-in page, an invitation link). Every route under
 * `/admin` and `/api/admin/` must declare one or it is refused to everybody — and the
 * authorisation test, generated from the route table, fails. `'signed-in'` is any member,
 * even one who must still turn on two-factor sign-in (their own account page, signing out).
 */
export type StaffAccess = readonly StaffRole[] | 'public' | 'signed-in';

declare module 'fastify' {
  interface FastifyContextConfig {
    staff?: StaffAccess;
  }
}

/** Pure: may a principal with `role` use a route that declares `access`? */
export function roleMayUse(role: StaffRole, access: StaffAccess): boolean {
  if (access === 'public' || access === 'signed-in') return true;
  return role === 'owner' || access.includes(role);
}

/**
 * The change an admin action made, noted by its route handler for the audit log: the entry is
 * written for every successful admin call that changes something, and this gives it its
 * words. Without a note the entry still names the route, the target in its URL and the body.
 */
export interface AuditNote {
  /** e.g. `reader.comp`, `article.update`; defaults to the method and route. */
  readonly action?: string;
  /** What was acted on, e.g. a reader's or an article's id; defaults to the URL's `:id`/`:slug`. */
  readonly target?: string;
  readonly before?: unknown;
  readonly after?: unknown;
}

const notes = new WeakMap<FastifyRequest, AuditNote>();

/** Notes what this request changed, for the audit log (see `AuditNote`). */
export function noteChange(request: FastifyRequest, note: AuditNote): void {
  notes.set(request, { ...notes.get(request), ...note });
}

const readsToAudit = new WeakSet<FastifyRequest>();

/**
 * Notes a read the audit log must keep although it changes nothing: personal data leaving the
 * system (a reader's data export, the subscriber list). Other reads are not recorded.
 */
export function noteDataExport(request: FastifyRequest, note: AuditNote): void {
  readsToAudit.add(request);
  noteChange(request, note);
}

/** Whether the handler asked for this read to be audited (`noteDataExport`). */
export function isAuditedRead(request: FastifyRequest): boolean {
  return readsToAudit.has(request);
}

const unchanged = new WeakSet<FastifyRequest>();

/**
 * Marks a successful admin POST that changed nothing (a preview): the audit log records
 * changes, and a preview refreshed as one types would bury them.
 */
export function noteNoChange(request: FastifyRequest): void {
  unchanged.add(request);
}

/** Whether the handler marked this request as changing nothing. */
export function changedNothing(request: FastifyRequest): boolean {
  return unchanged.has(request);
}

/** The note a handler left on this request, if any. */
export function changeNotedOn(request: FastifyRequest): AuditNote | undefined {
  return notes.get(request);
}

/** The principal the staff guard found for this request (set before any handler runs). */
const principals = new WeakMap<FastifyRequest, StaffPrincipal>();

export function setPrincipal(request: FastifyRequest, principal: StaffPrincipal): void {
  principals.set(request, principal);
}

/** The staff member or key the guard let through on this request, if any. */
export function principalIfAny(request: FastifyRequest): StaffPrincipal | undefined {
  return principals.get(request);
}

/** The staff member or key acting on this admin request; throws on a route that declared none. */
export function principalOf(request: FastifyRequest): StaffPrincipal {
  const principal = principals.get(request);
  if (!principal) throw new Error(`no staff principal on ${request.method} ${request.url}`);
  return principal;
}
