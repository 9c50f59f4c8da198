import type {
  FastifyInstance,
  FastifyPluginAsync,
  FastifyReply,
  FastifyRequest,
  onRequestAsyncHookHandler,
  onSendAsyncHookHandler,
} from 'fastify';
import { AppError } from '../../kernel/errors.js';
import type { AuditLog } from '../audit/index.js';
import {
  changeNotedOn,
  changedNothing,
  isAuditedRead,
  principalIfAny,
  roleMayUse,
  setPrincipal,
  type StaffAccess,
  type StaffPrincipal,
} from '../../kernel/staff-access.js';
import type { StaffService, StaffSessionView } from './service.js';

/** The signed cookie of a staff session (HttpOnly, SameSite=Strict). */
export const staffCookie = 'mh_staff';

const adminUrl = /^\/(admin|api\/admin)(\/|$)/;
/** True for the URLs the staff guard owns: the admin pages and the admin API. */
export const isAdminUrl = (url: string): boolean => adminUrl.test(url);
const isAdminPage = (url: string) => /^\/admin(\/|$|\?)/.test(url);

const changing = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** A registered admin route and what it declared. */
export interface AdminRoute {
  readonly method: string;
  readonly url: string;
  readonly access: StaffAccess;
}

const routeTables = new WeakMap<FastifyInstance, AdminRoute[]>();

/** Every admin route of an app, as registered: what the authorisation test is generated from. */
export function adminRoutesOf(app: FastifyInstance): readonly AdminRoute[] {
  return routeTables.get(app) ?? [];
}

/** The session token of the staff cookie, if it carries a valid signature. */
export function staffTokenOf(request: FastifyRequest): string | undefined {
  const raw = request.cookies[staffCookie];
  if (!raw) return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? unsigned.value : undefined;
}

export function setStaffCookie(reply: FastifyReply, token: string, secure: boolean): void {
  reply.setCookie(staffCookie, token, {
    path: '/',
    httpOnly: true,
    sameSite: 'strict',
    secure,
    signed: true,
  });
}

export function clearStaffCookie(reply: FastifyReply): void {
  reply.clearCookie(staffCookie, { path: '/' });
}

// Keys whose values never go into the log, at any depth.
const secretKey = /password|secret|token|code|key/i;
function withoutSecrets(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item) => withoutSecrets(item, depth + 1));
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [
      k,
      secretKey.test(k) ? '[withheld]' : withoutSecrets(v, depth + 1),
    ]),
  );
}

const principalOfMember = (session: StaffSessionView): StaffPrincipal => ({
  kind: 'staff',
  id: session.member.id,
  label: session.member.email,
  role: session.member.role,
});

/**
 * Staff authorisation for the whole app, as one plugin:
 * - at registration, an admin route (`/admin…`, `/api/admin/…`) that declares no
 *   `config.staff` stops the app from starting — no route can be forgotten;
 * - on each request to a declared route, the principal is found (an API key by its bearer
 *   token, or a staff session by its cookie) and refused unless its role may use the route:
 *   401 without a principal (an admin page sends a browser to sign in), 403 for the wrong role
 *   or for a member who must first turn on two-factor sign-in;
 * - after a successful change (POST, PUT, PATCH, DELETE answered 2xx/3xx), one audit entry.
 */
export const staffGuard: FastifyPluginAsync<{
  staff: Pick<StaffService, 'session'>;
  apiKeys: { principal(key: string): Promise<StaffPrincipal | undefined> };
  audit: AuditLog;
}> = async (app, deps) => {
  const table: AdminRoute[] = [];
  routeTables.set(app, table);

  async function find(
    request: FastifyRequest,
  ): Promise<{ principal: StaffPrincipal; stage: StaffSessionView['stage'] } | undefined> {
    const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) {
      const principal = await deps.apiKeys.principal(bearer);
      return principal ? { principal, stage: 'full' } : undefined;
    }
    const token = staffTokenOf(request);
    if (token === undefined) return undefined;
    const session = await deps.staff.session(token);
    if (!session || session.stage === 'password') return undefined;
    return { principal: principalOfMember(session), stage: session.stage };
  }

  const guard =
    (access: Exclude<StaffAccess, 'public'>): onRequestAsyncHookHandler =>
    async (request, reply) => {
      const found = await find(request);
      const page = isAdminPage(request.url) && request.method === 'GET';
      if (!found) {
        if (page) return reply.redirect(`/admin/login?next=${encodeURIComponent(request.url)}`, 303);
        throw new AppError(
          'unauthorized',
          'Sign in to the admin, or send an API key as "Authorization: Bearer <key>" (unknown or revoked keys are refused).',
        );
      }
      if (found.stage === 'setup' && access !== 'signed-in') {
        if (page) return reply.redirect('/admin/account?setup=two-factor', 303);
        throw new AppError('forbidden', 'Turn on two-factor sign-in first: the owner requires it.');
      }
      if (!roleMayUse(found.principal.role, access))
        throw new AppError(
          'forbidden',
          `This needs the role ${[access].flat().join(' or ')} (or owner); yours is ${found.principal.role}.`,
        );
      setPrincipal(request, found.principal);
    };

  const audit: onSendAsyncHookHandler = async (request, reply, payload) => {
    const principal = principalIfAny(request);
    const recorded = changing.has(request.method) || isAuditedRead(request);
    if (!principal || !recorded || reply.statusCode >= 400 || changedNothing(request)) return payload;
    const note = changeNotedOn(request);
    const params = (request.params ?? {}) as Record<string, unknown>;
    const target = note?.target ?? params.id ?? params.slug ?? null;
    try {
      await deps.audit.record({
        actor: principal,
        action: note?.action ?? `${request.method} ${request.routeOptions.url ?? request.url}`,
        target: typeof target === 'string' ? target : null,
        before: note?.before,
        after: withoutSecrets(note?.after ?? request.body),
      });
    } catch (error) {
      // The change is made; a lost entry must be loud, but the caller's answer stands.
      request.log.error({ err: error }, 'an admin action could not be written to the audit log');
    }
    return payload;
  };

  // The hooks sit on the guarded routes alone: a reader's page view runs none of them.
  app.addHook('onRoute', (route) => {
    const access = route.config?.staff;
    if (isAdminUrl(route.url)) {
      const methods = [route.method].flat();
      if (access === undefined)
        throw new Error(
          `The admin route ${methods.join(',')} ${route.url} declares no staff access (config.staff).`,
        );
      for (const method of methods) if (method !== 'HEAD') table.push({ method, url: route.url, access });
    }
    if (access === undefined || access === 'public') return;
    route.onRequest = [guard(access), ...[route.onRequest ?? []].flat()];
    route.onSend = [...[route.onSend ?? []].flat(), audit];
  });
};
// Not encapsulated: the hooks are for the whole app (what fastify-plugin would mark).
Object.assign(staffGuard, { [Symbol.for('skip-override')]: true });
