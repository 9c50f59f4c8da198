import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { ComponentChildren, VNode } from 'preact';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { renderPage } from '../../web/render.js';
import { loginHref } from '../../web/views/layout.js';
import type { EndReason, SessionKind } from './domain.js';
import {
  AccountPage,
  LoginPage,
  type FailedForm,
  type FormField,
  type FormName,
  type PageShell,
} from './pages.js';
import {
  accountFields,
  attemptLimits,
  clearSessionCookie,
  deviceOf,
  limitAttempt,
  limitSignIn,
  startWebSession,
  type AccountRouteDeps,
} from './routes.js';
import type { SignedIn } from './service.js';

/**
 * A section another module adds to `/account` (billing): accounts renders it without knowing
 * what it shows. `notice` is the page's `billing` query value, which the section turns into its
 * own message after one of its forms redirected here ("Your subscription ends on …").
 */
export type AccountPageSection = (input: {
  readonly accountId: string;
  readonly timeZone: string;
  readonly notice: string | undefined;
}) => Promise<ComponentChildren>;

export interface AccountPageDeps extends AccountRouteDeps {
  /** The site chrome and time zone for a page, given the reader's part of the chrome. */
  readonly shell: (reader: {
    signedIn: boolean;
    path: string;
    accountId?: string | undefined;
  }) => Promise<PageShell>;
  /** The reader's subscription, between their details and their devices; none without billing. */
  readonly billingSection?: AccountPageSection;
  /**
   * More sections after the subscription (partner offers…), in order. Each is given the value
   * of the page's query parameter named `key` as its notice, as billing is given `billing`.
   */
  readonly sections?: readonly { readonly key: string; readonly render: AccountPageSection }[];
}

/**
 * Where to go after signing in: a path on this site, or `/account`. A path must start with one
 * `/`; `//host` and `/\host` are other sites to a browser, and browsers drop tabs and newlines
 * from URLs (so `/\t/host` is `//host`), hence printable ASCII only.
 */
export function safeReturnTo(value: string | undefined): string {
  if (value === undefined || value.length > 2000) return '/account';
  return /^\/(?![/\\])[\x21-\x7e]*$/.test(value) && !value.includes('\\') ? value : '/account';
}

// Every reason a device may have been signed out for, and deletion: what the login page explains.
const endReasons: Record<EndReason, true> = {
  signed_out: true,
  ended_by_reader: true,
  ended_by_support: true,
  device_limit: true,
  token_reuse: true,
  expired: true,
  password_reset: true,
  address_proven: true,
};
const isEndReason = (value: string): value is EndReason => Object.hasOwn(endReasons, value);
const accountDeleted = 'account_deleted';

const LoginQuery = z.object({
  returnTo: z.string().optional().catch(undefined),
  signedOut: z.string().max(40).optional().catch(undefined),
});
const AccountQuery = z.object({
  notice: z.enum(['device_signed_out', 'others_signed_out']).optional().catch(undefined),
  // Passed on to the billing section, which knows its own notices (and ignores others).
  billing: z.string().max(40).optional().catch(undefined),
});
const accountNotices = {
  device_signed_out: 'That device is signed out.',
  others_signed_out: 'Every other device is signed out.',
} as const;

/** A form as posted: each field a string ('' when missing or sent twice), so it can be shown again. */
const text = z.string().max(5000).catch('');
const Posted = z
  .object({ email: text, password: text, name: text, returnTo: text, confirm: text })
  .catch({ email: '', password: '', name: '', returnTo: '', confirm: '' });
const SignInForm = z.object({ email: accountFields.email, password: accountFields.password });
const SignUpForm = SignInForm.extend({ name: accountFields.name });
const fieldLabels: Record<FormField, string> = { email: 'Email', password: 'Password', name: 'Name' };
const isField = (value: unknown): value is FormField => Object.hasOwn(fieldLabels, String(value));

/** A live session, as the account pages use it. */
interface PageSession {
  readonly sessionId: string;
  readonly account: { readonly id: string };
  readonly kind: SessionKind;
  readonly token: string;
}

/** The outcomes a form shows the reader again, with the status each answers with. */
const formErrors = new Set(['unauthorized', 'conflict', 'validation_failed', 'rate_limited']);

/**
 * Reader pages for accounts: `/login` (sign in and sign up), `/account` (devices, data export,
 * deletion) and `/logout`. Forms post to the site itself; the same-origin guard refuses any
 * other origin. Each outcome is a 303 (post, redirect, get) or the form again with a 4xx.
 */
export async function accountPageRoutes(app: FastifyInstance, deps: AccountPageDeps): Promise<void> {
  const { accounts, privacy, limiter, secureCookies, anonymousReaderId, shell } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const sections = deps.sections ?? [];
  const sectionNotice = z.string().max(40).optional().catch(undefined);
  // The page's query: its own notices, billing's, and one for each further section.
  const PageQuery = AccountQuery.extend(
    Object.fromEntries(sections.map((section) => [section.key, sectionNotice])),
  );

  function html(reply: FastifyReply, page: VNode, status = 200) {
    // The pages carry the reader's email and devices: no cache may keep them.
    return reply
      .status(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'private, no-store')
      .send(renderPage(page));
  }

  /** The live session, or where to send the reader to sign in again (saying why, if we know). */
  async function pageSession(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ session: PageSession } | { signIn: string }> {
    const auth = await request.readerSession();
    if (auth?.lookup.status === 'live')
      return { session: { ...auth.lookup, kind: auth.kind, token: auth.token } };
    if (auth?.kind === 'web') clearSessionCookie(reply);
    const why = auth?.lookup.status === 'ended' ? `&signedOut=${auth.lookup.reason}` : '';
    return { signIn: `${loginHref('/account')}${why}` };
  }

  async function renderLogin(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { returnTo: string; notice?: string; failed?: FailedForm; status?: number },
  ) {
    const auth = await request.readerSession();
    const live = auth?.lookup.status === 'live' ? auth.lookup : undefined;
    // The header's "Sign in" on this page keeps the same destination.
    const page = LoginPage({
      shell: await shell({
        signedIn: live !== undefined,
        path: options.returnTo,
        accountId: live?.account.id,
      }),
      returnTo: options.returnTo,
      notice: options.notice,
      signedInAs: live?.account.email,
      failed: options.failed,
    });
    return html(reply, page, options.status);
  }

  /**
   * Runs a sign-in or sign-up: validates the form, opens a web session and returns the reader
   * to `returnTo`; an expected failure shows the form again, keeping what was typed.
   */
  async function submit<T>(
    request: FastifyRequest,
    reply: FastifyReply,
    form: FormName,
    schema: z.ZodType<T>,
    open: (input: T) => Promise<SignedIn>,
  ) {
    const posted = Posted.parse(request.body);
    const returnTo = safeReturnTo(posted.returnTo || undefined);
    const again = (status: number, error: string, field: unknown) =>
      renderLogin(request, reply, {
        returnTo,
        status,
        failed: {
          form,
          email: posted.email,
          name: posted.name,
          error,
          field: isField(field) ? field : undefined,
        },
      });
    const parsed = schema.safeParse(posted);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path[0];
      const label = isField(field) ? `${fieldLabels[field]}: ` : '';
      return again(422, `${label}${issue?.message ?? 'check the form'}`, field);
    }
    try {
      const signedIn = await open(parsed.data);
      if (signedIn.kind !== 'web') throw new Error('a form opened an app session');
      await startWebSession(request, reply, accounts, signedIn, secureCookies);
      return reply.redirect(returnTo, 303);
    } catch (error) {
      if (!(error instanceof AppError) || !formErrors.has(error.code)) throw error;
      const field = error.details?.field ?? (error.code === 'conflict' ? 'email' : undefined);
      const message =
        error.code === 'validation_failed' && isField(field)
          ? `${fieldLabels[field]}: ${error.message.replace(/^\w+: /, '')}`
          : error.message;
      return again(error.status, message, field);
    }
  }

  r.get('/login', { schema: { querystring: LoginQuery } }, async (request, reply) => {
    const { signedOut } = request.query;
    const notice =
      signedOut === accountDeleted
        ? 'Your account was deleted, and you were signed out on every device.'
        : signedOut !== undefined && isEndReason(signedOut)
          ? await accounts.whyEnded(signedOut)
          : undefined;
    return renderLogin(request, reply, { returnTo: safeReturnTo(request.query.returnTo), notice });
  });

  r.post('/login', async (request, reply) =>
    submit(request, reply, 'sign-in', SignInForm, async (input) => {
      await limitSignIn(deps, request, reply, input.email);
      return accounts.signIn(input, 'web', deviceOf(request, anonymousReaderId));
    }),
  );

  r.post('/register', async (request, reply) =>
    submit(request, reply, 'sign-up', SignUpForm, async (input) => {
      await limitAttempt(limiter, reply, attemptLimits.signUpByAddress, request.ip);
      const signedIn = await accounts.register(input, 'web', deviceOf(request, anonymousReaderId));
      // As on signing up through the API: the new address is sent its confirmation link.
      deps.links.sendConfirmation(signedIn.account.id, request.log);
      return signedIn;
    }),
  );

  r.post('/logout', async (request, reply) => {
    const auth = await request.readerSession();
    if (auth) await accounts.signOut(auth.token, auth.kind, anonymousReaderId(request));
    clearSessionCookie(reply);
    return reply.redirect('/', 303);
  });

  async function renderAccount(
    reply: FastifyReply,
    session: { sessionId: string; account: { id: string } },
    options: {
      notice?: string;
      deleteError?: string;
      status?: number;
      billingNotice?: string;
      sectionNotices?: Readonly<Record<string, string | undefined>>;
    } = {},
  ) {
    const { billingNotice, sectionNotices, ...pageOptions } = options;
    const [account, sessions, pageShell] = await Promise.all([
      accounts.account(session.account.id),
      accounts.sessions(session.account.id, session.sessionId),
      shell({ signedIn: true, path: '/account', accountId: session.account.id }),
    ]);
    if (!account) throw new AppError('unauthorized', 'Sign in first.');
    const section = (render: AccountPageSection, notice: string | undefined) =>
      render({ accountId: account.id, timeZone: pageShell.timeZone, notice });
    const [billing, more] = await Promise.all([
      deps.billingSection && section(deps.billingSection, billingNotice),
      Promise.all(sections.map((s) => section(s.render, sectionNotices?.[s.key]))),
    ]);
    const page = AccountPage({ shell: pageShell, account, sessions, billing, more, ...pageOptions });
    return html(reply, page, options.status);
  }

  r.get('/account', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const found = await pageSession(request, reply);
    if ('signIn' in found) return reply.redirect(found.signIn, 303);
    const { notice, billing, ...others } = request.query as z.output<typeof AccountQuery> &
      Record<string, string | undefined>;
    return renderAccount(reply, found.session, {
      ...(notice && { notice: accountNotices[notice] }),
      billingNotice: billing,
      sectionNotices: others,
    });
  });

  r.post(
    '/account/sessions/:id/end',
    { schema: { params: z.object({ id: z.string().regex(/^ses_[0-9a-z]{26}$/, 'expected a session id') }) } },
    async (request, reply) => {
      const found = await pageSession(request, reply);
      if ('signIn' in found) return reply.redirect(found.signIn, 303);
      const { session } = found;
      if (request.params.id === session.sessionId) {
        await accounts.signOut(session.token, session.kind, anonymousReaderId(request));
        clearSessionCookie(reply);
        return reply.redirect('/', 303);
      }
      try {
        await accounts.endSession(session.account.id, request.params.id);
      } catch (error) {
        // Already signed out (a second click, another tab): the list shows how things stand.
        if (error instanceof AppError && error.code === 'not_found') return reply.redirect('/account', 303);
        throw error;
      }
      return reply.redirect('/account?notice=device_signed_out', 303);
    },
  );

  r.post('/account/sessions/end-others', async (request, reply) => {
    const found = await pageSession(request, reply);
    if ('signIn' in found) return reply.redirect(found.signIn, 303);
    await accounts.endOtherSessions(found.session.account.id, found.session.sessionId);
    return reply.redirect('/account?notice=others_signed_out', 303);
  });

  r.get('/account/export', async (request, reply) => {
    const found = await pageSession(request, reply);
    if ('signIn' in found) return reply.redirect(found.signIn, 303);
    const data = await privacy.exportData(found.session.account.id);
    return reply
      .type('application/json; charset=utf-8')
      .header('cache-control', 'private, no-store')
      .header('content-disposition', `attachment; filename="account-${data.account.id}.json"`)
      .send(JSON.stringify(data, null, 2));
  });

  r.post('/account/delete', async (request, reply) => {
    const found = await pageSession(request, reply);
    if ('signIn' in found) return reply.redirect(found.signIn, 303);
    if (Posted.parse(request.body).confirm !== 'yes') {
      return renderAccount(reply, found.session, {
        status: 422,
        deleteError: 'Tick the box to confirm that you want your account deleted.',
      });
    }
    try {
      await privacy.deleteAccount(found.session.account.id, {
        anonymousReaderId: found.session.kind === 'web' ? anonymousReaderId(request) : undefined,
      });
    } catch (error) {
      // A subscription that still renews must be cancelled first: no account is deleted and
      // left billing. The page says so beside the form.
      if (!(error instanceof AppError) || error.code !== 'conflict') throw error;
      return renderAccount(reply, found.session, { status: error.status, deleteError: error.message });
    }
    clearSessionCookie(reply);
    return reply.redirect(`/login?signedOut=${accountDeleted}`, 303);
  });
}
