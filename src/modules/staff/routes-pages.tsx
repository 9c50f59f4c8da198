import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { renderSVG } from 'uqr';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import type { AdminNavItem } from '../../web/admin/shell.js';
import { renderPage } from '../../web/render.js';
import type { AuditLog } from '../audit/index.js';
import type { RateLimiter } from '../rate-limit/index.js';
import { clearStaffCookie, setStaffCookie, staffTokenOf } from './guard.js';
import { noteChange, principalOf, staffRoles, type StaffPrincipal } from '../../kernel/staff-access.js';
import type { StaffService } from './service.js';
import {
  AccountPage,
  AuditPage,
  HomePage,
  InvitationPage,
  SecondFactorPage,
  SignInPage,
  StaffPage,
} from './views.js';

// Sign-in attempts, by address and by the account tried: enough for a person, not for a guesser.
const limits = {
  byAddress: { name: 'staff-sign-in:ip', limit: 30, windowMs: 15 * 60_000 },
  byAccount: { name: 'staff-sign-in:account', limit: 10, windowMs: 15 * 60_000 },
  secondFactor: { name: 'staff-second-factor:ip', limit: 10, windowMs: 15 * 60_000 },
} as const;

/** Only a path inside the admin: a sign-in link cannot send anyone elsewhere. */
const safeNext = (next: string | undefined) =>
  next !== undefined && /^\/admin(\/[^/\\]|$|\?)/.test(next) && !next.startsWith('/admin/login')
    ? next
    : '/admin';

const html = (reply: FastifyReply, page: Parameters<typeof renderPage>[0], status = 200) =>
  reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(renderPage(page));

const SignInForm = z.object({
  email: z.string().max(254),
  password: z.string().max(1024),
  next: z.string().max(2000).optional(),
});
const CodeForm = z.object({ code: z.string().max(64), next: z.string().max(2000).optional() });
const InviteForm = z.object({ email: z.string().max(254), role: z.enum(staffRoles) });
const AcceptForm = z.object({ name: z.string().trim().min(1).max(100), password: z.string().max(1024) });
const TokenParams = z.object({ token: z.string().regex(/^[A-Za-z0-9_-]{20,100}$/) });
const IdParams = z.object({ id: z.string().regex(/^stf_[0-9A-Za-z]{10,40}$/) });
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected YYYY-MM-DD');

/**
 * The staff module's admin pages: `/admin/login` (with the second factor), `/admin/logout`,
 * `/admin` (home), invitations, `/admin/account` (two-factor set-up), `/admin/staff` and
 * `/admin/audit` (owners). Forms post to the site itself; the same-origin guard refuses
 * cross-site posts and the cookie is SameSite=Strict.
 */
export async function staffPageRoutes(
  app: FastifyInstance,
  deps: {
    staff: StaffService;
    audit: AuditLog;
    limiter: RateLimiter;
    secureCookies: boolean;
    publicationName: () => Promise<string>;
    /** Every module's admin pages, for the navigation. */
    nav: readonly AdminNavItem[];
  },
): Promise<void> {
  const { staff, audit, limiter, nav } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const device = (request: FastifyRequest) => ({
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? '',
  });

  async function limited(rule: (typeof limits)[keyof typeof limits], key: string) {
    const decision = await limiter.check(rule, key);
    return decision.allowed ? undefined : decision.retryAfterSeconds;
  }

  async function signedIn(reply: FastifyReply, token: string, principal: StaffPrincipal, next: string) {
    setStaffCookie(reply, token, deps.secureCookies);
    await audit.record({ actor: principal, action: 'staff.sign-in', target: principal.id });
    return reply.redirect(safeNext(next), 303);
  }

  r.get(
    '/admin/login',
    {
      config: { staff: 'public' },
      schema: { hide: true, querystring: z.object({ next: z.string().max(2000).optional() }) },
    },
    async (request, reply) => html(reply, SignInPage({ next: safeNext(request.query.next) })),
  );

  r.post(
    '/admin/login',
    { config: { staff: 'public' }, schema: { hide: true, body: SignInForm } },
    async (request, reply) => {
      const { email, password } = request.body;
      const next = safeNext(request.body.next);
      const wait =
        (await limited(limits.byAddress, request.ip)) ??
        (await limited(limits.byAccount, email.trim().toLowerCase()));
      if (wait !== undefined) {
        reply.header('retry-after', String(wait));
        return html(
          reply,
          SignInPage({
            next,
            email,
            error: `Too many attempts. Try again in ${Math.ceil(wait / 60)} minutes.`,
          }),
          429,
        );
      }
      const result = await staff.signIn({ email, password }, device(request));
      if (!result.ok)
        return html(
          reply,
          SignInPage({ next, email, error: 'That email and password do not match a staff account.' }),
          401,
        );
      const principal: StaffPrincipal = {
        kind: 'staff',
        id: result.member.id,
        label: result.member.email,
        role: result.member.role,
      };
      if (result.stage === 'password') {
        setStaffCookie(reply, result.token, deps.secureCookies);
        return html(reply, SecondFactorPage({ next }));
      }
      return signedIn(reply, result.token, principal, next);
    },
  );

  r.post(
    '/admin/login/second-factor',
    { config: { staff: 'public' }, schema: { hide: true, body: CodeForm } },
    async (request, reply) => {
      const next = safeNext(request.body.next);
      const token = staffTokenOf(request);
      if (token === undefined) return reply.redirect('/admin/login', 303);
      const wait = await limited(limits.secondFactor, request.ip);
      if (wait !== undefined)
        return html(reply, SecondFactorPage({ next, error: 'Too many attempts. Try again later.' }), 429);
      if (!(await staff.secondFactor(token, request.body.code)))
        return html(
          reply,
          SecondFactorPage({ next, error: 'That code is not right, or was used already.' }),
          401,
        );
      const session = await staff.session(token);
      if (!session) return reply.redirect('/admin/login', 303);
      const { member } = session;
      return signedIn(
        reply,
        token,
        { kind: 'staff', id: member.id, label: member.email, role: member.role },
        next,
      );
    },
  );

  r.post(
    '/admin/logout',
    { config: { staff: 'signed-in' }, schema: { hide: true } },
    async (request, reply) => {
      const token = staffTokenOf(request);
      if (token !== undefined) await staff.signOut(token);
      noteChange(request, { action: 'staff.sign-out' });
      clearStaffCookie(reply);
      return reply.redirect('/admin/login', 303);
    },
  );

  r.get(
    '/admin/invitations/:token',
    { config: { staff: 'public' }, schema: { hide: true, params: TokenParams } },
    async (request, reply) => {
      const invitation = await staff.invitation(request.params.token);
      if (!invitation)
        throw new AppError(
          'expired',
          'This invitation is used, withdrawn or out of date: ask for a new one.',
        );
      return html(reply, InvitationPage({ invitation, token: request.params.token }));
    },
  );

  r.post(
    '/admin/invitations/:token',
    { config: { staff: 'public' }, schema: { hide: true, params: TokenParams, body: AcceptForm } },
    async (request, reply) => {
      const { token } = request.params;
      const invitation = await staff.invitation(token);
      if (!invitation)
        throw new AppError(
          'expired',
          'This invitation is used, withdrawn or out of date: ask for a new one.',
        );
      try {
        const accepted = await staff.acceptInvitation(token, request.body, device(request));
        const { member } = accepted;
        const principal: StaffPrincipal = {
          kind: 'staff',
          id: member.id,
          label: member.email,
          role: member.role,
        };
        await audit.record({
          actor: principal,
          action: 'staff.join',
          target: member.id,
          after: { email: member.email, role: member.role },
        });
        return signedIn(reply, accepted.token, principal, '/admin');
      } catch (error) {
        if (error instanceof AppError && error.code === 'validation_failed')
          return html(reply, InvitationPage({ invitation, token, error: error.message }), 422);
        throw error;
      }
    },
  );

  r.get('/admin', { config: { staff: 'signed-in' }, schema: { hide: true } }, async (request, reply) =>
    html(reply, HomePage({ principal: principalOf(request), nav })),
  );

  async function accountPage(
    request: FastifyRequest,
    extra: Partial<Parameters<typeof AccountPage>[0]> = {},
  ) {
    const principal = principalOf(request);
    const member = principal.kind === 'staff' ? await staff.member(principal.id) : undefined;
    if (!member)
      throw new AppError('forbidden', 'API keys have no account page: this is for signed-in staff.');
    const { requireTwoFactor } = await staff.settings();
    return AccountPage({
      principal,
      nav,
      member,
      setupRequired: requireTwoFactor && !member.twoFactor,
      ...extra,
    });
  }

  r.get(
    '/admin/account',
    { config: { staff: 'signed-in' }, schema: { hide: true } },
    async (request, reply) => html(reply, await accountPage(request)),
  );

  r.post(
    '/admin/account/two-factor/begin',
    { config: { staff: 'signed-in' }, schema: { hide: true } },
    async (request, reply) => {
      const principal = principalOf(request);
      const { secret, uri } = await staff.beginTwoFactor(principal.id, await deps.publicationName());
      noteChange(request, { action: 'staff.two-factor.begin', target: principal.id, after: null });
      return html(reply, await accountPage(request, { enrolling: { secret, qrSvg: renderSVG(uri) } }));
    },
  );

  r.post(
    '/admin/account/two-factor/confirm',
    { config: { staff: 'signed-in' }, schema: { hide: true, body: CodeForm } },
    async (request, reply) => {
      const principal = principalOf(request);
      const confirmed = await staff.confirmTwoFactor(principal.id, request.body.code);
      if (!confirmed)
        return html(
          reply,
          await accountPage(request, { error: 'That code is not right: set up again and retry.' }),
          422,
        );
      noteChange(request, {
        action: 'staff.two-factor.on',
        target: principal.id,
        after: { twoFactor: true },
      });
      return html(reply, await accountPage(request, { recoveryCodes: confirmed.recoveryCodes }));
    },
  );

  r.post(
    '/admin/account/two-factor/disable',
    { config: { staff: 'signed-in' }, schema: { hide: true } },
    async (request, reply) => {
      const principal = principalOf(request);
      await staff.disableTwoFactor(principal.id);
      noteChange(request, {
        action: 'staff.two-factor.off',
        target: principal.id,
        after: { twoFactor: false },
      });
      return reply.redirect('/admin/account', 303);
    },
  );

  async function staffPage(request: FastifyRequest, extra: { error?: string; done?: string } = {}) {
    const [members, invitations, settings] = await Promise.all([
      staff.list(),
      staff.invitations(),
      staff.settings(),
    ]);
    return StaffPage({
      principal: principalOf(request),
      nav,
      members,
      invitations,
      requireTwoFactor: settings.requireTwoFactor,
      ...extra,
    });
  }

  r.get('/admin/staff', { config: { staff: ['owner'] }, schema: { hide: true } }, async (request, reply) =>
    html(reply, await staffPage(request)),
  );

  r.post(
    '/admin/staff/invite',
    { config: { staff: ['owner'] }, schema: { hide: true, body: InviteForm } },
    async (request, reply) => {
      try {
        const invitation = await staff.invite(request.body, principalOf(request));
        noteChange(request, {
          action: 'staff.invite',
          target: invitation.id,
          after: { email: invitation.email, role: invitation.role },
        });
        return html(reply, await staffPage(request, { done: `Invitation sent to ${invitation.email}.` }));
      } catch (error) {
        if (error instanceof AppError && (error.code === 'conflict' || error.code === 'validation_failed'))
          return html(reply, await staffPage(request, { error: error.message }), 422);
        throw error;
      }
    },
  );

  r.post(
    '/admin/staff/:id/remove',
    { config: { staff: ['owner'] }, schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      try {
        const removed = await staff.remove(request.params.id);
        noteChange(request, { action: 'staff.remove', target: removed.id, before: removed, after: null });
        return html(reply, await staffPage(request, { done: `${removed.email} no longer has access.` }));
      } catch (error) {
        if (error instanceof AppError && error.code === 'conflict')
          return html(reply, await staffPage(request, { error: error.message }), 409);
        throw error;
      }
    },
  );

  r.post(
    '/admin/staff/require-two-factor',
    {
      config: { staff: ['owner'] },
      schema: { hide: true, body: z.object({ required: z.enum(['true', 'false']) }) },
    },
    async (request, reply) => {
      const required = request.body.required === 'true';
      const before = await staff.settings();
      await staff.setRequireTwoFactor(required);
      noteChange(request, {
        action: 'staff.require-two-factor',
        before,
        after: { requireTwoFactor: required },
      });
      return reply.redirect('/admin/staff', 303);
    },
  );

  r.get(
    '/admin/audit',
    {
      config: { staff: ['owner'] },
      schema: {
        hide: true,
        querystring: z.object({
          actor: z.string().max(200).optional(),
          action: z.string().max(100).optional(),
          from: z.union([date, z.literal('')]).optional(),
          to: z.union([date, z.literal('')]).optional(),
        }),
      },
    },
    async (request, reply) => {
      const { actor, action, from, to } = request.query;
      const filter = {
        ...(actor && { actor }),
        ...(action && { action }),
        ...(from && { from: `${from}T00:00:00.000Z` }),
        ...(to && { to: `${to}T23:59:59.999Z` }),
      };
      const entries = await audit.list({ ...filter, limit: 200 });
      return html(reply, AuditPage({ principal: principalOf(request), nav, entries, filter: request.query }));
    },
  );
}
