import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { VNode } from 'preact';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { renderPage } from '../../web/render.js';
import type { SiteChrome } from '../../web/views/layout.js';
import type { RateLimiter, RateLimitRule } from '../rate-limit/index.js';
import { normaliseEmail } from './domain.js';
import type { AccountLinks, LinkPurpose, LinkRefusal } from './links.js';
import {
  accountFields,
  clearSessionCookie,
  deviceOf,
  knownDeviceSince,
  limitAttempt,
  rememberDevice,
  sessionCookie,
  startWebSession,
} from './routes.js';
import { safeReturnTo, type AccountPageDeps } from './routes-pages.js';
import type { AccountService } from './service.js';
import {
  ConfirmEmailPage,
  EmailConfirmedPage,
  LinkRefusedPage,
  LinkRequestPage,
  LinkSentPage,
  NewPasswordPage,
  PasswordChangedPage,
  refusalMessage,
  SignInLinkPage,
  type RequestablePurpose,
} from './views-links.js';

/**
 * Asking for a link: per address, per address and email, and per email. They apply whether or
 * not the address has an account, so a 429 says nothing about which addresses do. The tight one
 * is per address and email, so requests from elsewhere cannot use up the owner's; the per-email
 * one only caps how full one mailbox can be made, and a device the account knows (its
 * known-device cookie names the address) is not held to it: the emailed link stays a way in.
 */
export const linkRequestLimits = {
  signInLinkByAddress: { name: 'sign-in-link:ip', limit: 20, windowMs: 60 * 60_000 },
  signInLinkByAddressAndEmail: { name: 'sign-in-link:ip-email', limit: 5, windowMs: 60 * 60_000 },
  signInLinkByEmail: { name: 'sign-in-link:email', limit: 20, windowMs: 60 * 60_000 },
  resetByAddress: { name: 'reset-request:ip', limit: 20, windowMs: 60 * 60_000 },
  resetByAddressAndEmail: { name: 'reset-request:ip-email', limit: 5, windowMs: 60 * 60_000 },
  resetByEmail: { name: 'reset-request:email', limit: 20, windowMs: 60 * 60_000 },
} as const satisfies Record<string, RateLimitRule>;

interface RequestLimits {
  readonly byAddress: RateLimitRule;
  readonly byAddressAndEmail: RateLimitRule;
  readonly byEmail: RateLimitRule;
}
const limitsFor: Record<RequestablePurpose, RequestLimits> = {
  sign_in: {
    byAddress: linkRequestLimits.signInLinkByAddress,
    byAddressAndEmail: linkRequestLimits.signInLinkByAddressAndEmail,
    byEmail: linkRequestLimits.signInLinkByEmail,
  },
  password_reset: {
    byAddress: linkRequestLimits.resetByAddress,
    byAddressAndEmail: linkRequestLimits.resetByAddressAndEmail,
    byEmail: linkRequestLimits.resetByEmail,
  },
};

/** The one answer to a request for a link, whether or not the address has an account. */
export const linkRequestAccepted = {
  message: 'If there is an account for that address, a link is on its way.',
} as const;

export interface LinkRouteDeps {
  readonly links: AccountLinks;
  readonly accounts: AccountService;
  readonly limiter: RateLimiter;
  readonly secureCookies: boolean;
  /** The device's anonymous reader id (read, never created, here). */
  readonly anonymousReaderId: (request: FastifyRequest) => string | undefined;
  /** The site's chrome for a page, as the account pages get it. */
  readonly shell: AccountPageDeps['shell'];
}

/** `url` with the value of any `token` parameter withheld. */
export function withoutToken(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/gi, '$1[withheld]');
}

// These pages carry a link's token in their URL, which Fastify logs with every request: the
// log gets the URL without it (the serializer is Fastify's own but for the url).
const tokenInUrl = {
  logSerializers: {
    req: (request: FastifyRequest) => ({
      method: request.method,
      url: withoutToken(request.url),
      host: request.host,
      remoteAddress: request.ip,
      remotePort: request.socket?.remotePort,
    }),
  },
};

const Token = z.string().max(200, 'expected a link token');
const ReturnTo = z
  .string()
  .refine((value) => safeReturnTo(value) === value, 'expected a path on this site, such as /account');
// Pages take what they are given: a missing, doubled or overlong value reads as none, and the
// reader sees the page that says so rather than a validation error.
const PageToken = z.string().max(200).catch('');
const PageReturnTo = z.string().optional().catch(undefined);
const LinkQuery = z.object({ token: PageToken, returnTo: PageReturnTo });
const EmailForm = z
  .object({ email: z.string().max(1000).catch(''), returnTo: PageReturnTo })
  .catch({ email: '', returnTo: undefined });
const NewPasswordForm = z
  .object({ token: PageToken, password: z.string().max(5000).catch('') })
  .catch({ token: '', password: '' });
const SignInLinkForm = z
  .object({ token: PageToken, returnTo: PageReturnTo })
  .catch({ token: '', returnTo: undefined });
const ConfirmForm = z
  .object({ token: PageToken, password: z.string().max(5000).optional().catch(undefined) })
  .catch({ token: '', password: undefined });

const refusedStatus: Record<LinkRefusal, number> = { unknown: 404, used: 410, expired: 410 };
const badAddress = 'Enter your email address, such as asha@example.com.';

/**
 * The emailed links: the JSON calls to ask for a sign-in or reset link and to reset a password,
 * the pages the links open (`/account/confirm`, `/auth/link`, `/login/reset/new`), and the
 * pages that ask for a link (`/login/link`, `/login/reset`).
 */
export async function linkRoutes(app: FastifyInstance, deps: LinkRouteDeps): Promise<void> {
  const { links, accounts, limiter, secureCookies, anonymousReaderId, shell } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['accounts'];

  // Mail still under way when the server stops is finished first.
  app.addHook('onClose', async () => links.settled());

  async function limitRequest(
    request: FastifyRequest,
    reply: FastifyReply,
    purpose: RequestablePurpose,
    email: string,
  ) {
    const rules = limitsFor[purpose];
    const address = normaliseEmail(email);
    await limitAttempt(limiter, reply, rules.byAddress, request.ip);
    await limitAttempt(limiter, reply, rules.byAddressAndEmail, `${request.ip} ${address}`);
    // Read from the cookie alone, never the database: the answer must not depend on whether
    // the address has an account. A copied cookie gains no more than more mail to that address.
    if (knownDeviceSince(request, address) === undefined)
      await limitAttempt(limiter, reply, rules.byEmail, address);
  }

  /**
   * Starts mailing a link; the links service does the work on a later turn, after this answer
   * has been written, so its timing says nothing about the address.
   */
  function ask(request: FastifyRequest, purpose: RequestablePurpose, email: string, returnTo?: string) {
    if (purpose === 'sign_in') links.requestSignInLink(email, returnTo, request.log);
    else links.requestPasswordReset(email, request.log);
  }

  /** `path` is where the header's "Sign in" returns to. */
  async function render(request: FastifyRequest, view: (chrome: SiteChrome) => VNode, path = '/') {
    const auth = await request.readerSession();
    const live = auth?.lookup.status === 'live' ? auth.lookup : undefined;
    const { chrome } = await shell({ signedIn: live !== undefined, path, accountId: live?.account.id });
    return renderPage(view(chrome));
  }
  // The pages carry a reader's email or a link's token: no cache may keep them.
  const send = (reply: FastifyReply, status: number, html: string) =>
    reply
      .status(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'private, no-store')
      .send(html);
  const page = async (
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    view: (chrome: SiteChrome) => VNode,
    path = '/',
  ) => send(reply, status, await render(request, view, path));

  const refused = (
    request: FastifyRequest,
    reply: FastifyReply,
    purpose: LinkPurpose,
    refusal: LinkRefusal,
    returnTo?: string,
  ) =>
    page(request, reply, refusedStatus[refusal], (c) =>
      LinkRefusedPage({ chrome: c, purpose, refusal, returnTo }),
    );

  // A HEAD request (a mail client's link preview, a scanner) must not use up a one-time link.
  const headOnly = (reply: FastifyReply) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'private, no-store').send('');

  // ── JSON API ──

  r.post(
    '/api/v1/auth/link',
    {
      schema: {
        tags,
        summary: 'Email a one-time sign-in link (answers the same whether or not the address has an account)',
        body: z.object({ email: accountFields.email, returnTo: ReturnTo.optional() }),
      },
    },
    async (request, reply) => {
      await limitRequest(request, reply, 'sign_in', request.body.email);
      ask(request, 'sign_in', request.body.email, request.body.returnTo);
      return reply.status(202).send(linkRequestAccepted);
    },
  );

  r.post(
    '/api/v1/auth/reset-request',
    {
      schema: {
        tags,
        summary: 'Email a password-reset link (answers the same whether or not the address has an account)',
        body: z.object({ email: accountFields.email }),
      },
    },
    async (request, reply) => {
      await limitRequest(request, reply, 'password_reset', request.body.email);
      ask(request, 'password_reset', request.body.email);
      return reply.status(202).send(linkRequestAccepted);
    },
  );

  r.post(
    '/api/v1/auth/reset',
    {
      schema: {
        tags,
        summary: 'Set a new password with the token of a reset link; every device is signed out',
        body: z.object({ token: Token.min(1, 'expected a link token'), password: accountFields.password }),
      },
    },
    async (request, reply) => {
      const outcome = await links.resetPassword(request.body.token, request.body.password);
      if (!outcome.ok) {
        throw new AppError('unauthorized', refusalMessage('password_reset', outcome.refusal), {
          reason: outcome.refusal,
        });
      }
      return reply.status(204).send();
    },
  );

  // ── Pages a link opens ──

  // Opening a link (GET) only shows a page with a button; pressing it (POST, which the
  // same-origin guard covers) uses the link. So a mail scanner that follows links uses none up,
  // and a page elsewhere cannot sign a visitor into an account of its choosing.

  /** The live web session this browser carries, if any. */
  async function browserSession(request: FastifyRequest) {
    const auth = await request.readerSession();
    return auth?.kind === 'web' && auth.lookup.status === 'live'
      ? { id: auth.lookup.sessionId, accountId: auth.lookup.account.id }
      : undefined;
  }

  const confirmPage = async (
    request: FastifyRequest,
    reply: FastifyReply,
    token: string,
    status = 200,
    error?: string,
  ) => {
    const check = await links.checkConfirmation(token);
    if (!check.ok) return refused(request, reply, 'confirm_email', check.refusal);
    const signedInHere = (await browserSession(request))?.accountId === check.value.accountId;
    return page(request, reply, status, (c) =>
      ConfirmEmailPage({
        chrome: c,
        token,
        email: check.value.email,
        askPassword: check.value.hasPassword && !signedInHere,
        error,
      }),
    );
  };

  r.get('/account/confirm', { ...tokenInUrl, schema: { querystring: LinkQuery } }, async (request, reply) => {
    if (request.method === 'HEAD') return headOnly(reply);
    return confirmPage(request, reply, request.query.token);
  });

  r.post('/account/confirm', { schema: { body: ConfirmForm } }, async (request, reply) => {
    const { token, password } = request.body;
    let outcome;
    try {
      outcome = await links.confirmEmail(
        token,
        { session: await browserSession(request), password: password || undefined },
        deviceOf(request, anonymousReaderId),
        request.log,
      );
    } catch (error) {
      if (error instanceof AppError && error.code === 'unauthorized')
        return confirmPage(request, reply, token, 401, error.message);
      throw error;
    }
    if (!outcome.ok) return refused(request, reply, 'confirm_email', outcome.refusal);
    const { email, signedIn, passwordRemoved, provenAt } = outcome.value;
    if (signedIn) {
      if (signedIn.kind !== 'web') throw new Error('A web confirmation opened an app session.');
      await startWebSession(request, reply, accounts, signedIn, secureCookies);
    } else {
      // The proof changed the account, which makes earlier devices strangers: not this one.
      rememberDevice(request, reply, email, Date.parse(provenAt), secureCookies);
    }
    const { chrome } = await shell({ signedIn: true, path: '/account' });
    return send(reply, 200, renderPage(EmailConfirmedPage({ chrome, email, passwordRemoved })));
  });

  r.get('/auth/link', { ...tokenInUrl, schema: { querystring: LinkQuery } }, async (request, reply) => {
    if (request.method === 'HEAD') return headOnly(reply);
    const { token } = request.query;
    const returnTo = safeReturnTo(request.query.returnTo);
    const check = await links.checkSignIn(token);
    if (!check.ok) return refused(request, reply, 'sign_in', check.refusal, returnTo);
    return page(
      request,
      reply,
      200,
      (c) => SignInLinkPage({ chrome: c, token, email: check.value.email, returnTo }),
      returnTo,
    );
  });

  r.post('/auth/link', { schema: { body: SignInLinkForm } }, async (request, reply) => {
    const returnTo = safeReturnTo(request.body.returnTo);
    const device = deviceOf(request, anonymousReaderId);
    const outcome = await links.signIn(request.body.token, 'web', device, request.log);
    if (!outcome.ok) return refused(request, reply, 'sign_in', outcome.refusal, returnTo);
    if (outcome.value.kind !== 'web') throw new Error('A web sign-in opened an app session.');
    await startWebSession(request, reply, accounts, outcome.value, secureCookies);
    return reply.redirect(returnTo, 303);
  });

  r.get('/login/reset/new', { ...tokenInUrl, schema: { querystring: LinkQuery } }, async (request, reply) => {
    if (request.method === 'HEAD') return headOnly(reply);
    const { token } = request.query;
    const outcome = await links.checkPasswordReset(token);
    if (!outcome.ok) return refused(request, reply, 'password_reset', outcome.refusal);
    return page(request, reply, 200, (c) =>
      NewPasswordPage({ chrome: c, token, email: outcome.value.email }),
    );
  });

  r.post('/login/reset/new', { schema: { body: NewPasswordForm } }, async (request, reply) => {
    const { token, password } = request.body;
    const valid = await links.checkPasswordReset(token);
    if (!valid.ok) return refused(request, reply, 'password_reset', valid.refusal);
    const again = (error: string) =>
      page(request, reply, 422, (c) =>
        NewPasswordPage({ chrome: c, token, email: valid.value.email, error }),
      );
    let outcome;
    try {
      outcome = await links.resetPassword(token, password);
    } catch (error) {
      // The password rules' own words, without the field name the JSON answer starts with.
      if (error instanceof AppError && error.code === 'validation_failed')
        return again(error.message.replace(/^password: /, ''));
      throw error;
    }
    if (!outcome.ok) return refused(request, reply, 'password_reset', outcome.refusal);
    // This device's session, if it had one, ended with the others.
    if (request.cookies[sessionCookie]) clearSessionCookie(reply);
    return page(request, reply, 200, (c) => PasswordChangedPage({ chrome: c }));
  });

  // ── Pages that ask for a link ──

  const requestPages = [
    ['/login/link', 'sign_in'],
    ['/login/reset', 'password_reset'],
  ] as const satisfies readonly (readonly [string, RequestablePurpose])[];

  for (const [path, purpose] of requestPages) {
    r.get(path, { schema: { querystring: z.object({ returnTo: PageReturnTo }) } }, async (request, reply) => {
      const returnTo = safeReturnTo(request.query.returnTo);
      return page(request, reply, 200, (c) => LinkRequestPage({ chrome: c, purpose, returnTo }), returnTo);
    });

    r.post(path, { schema: { body: EmailForm } }, async (request, reply) => {
      const returnTo = safeReturnTo(request.body.returnTo);
      const email = accountFields.email.safeParse(request.body.email.trim());
      if (!email.success) {
        return page(request, reply, 422, (c) =>
          LinkRequestPage({ chrome: c, purpose, returnTo, email: request.body.email, error: badAddress }),
        );
      }
      await limitRequest(request, reply, purpose, email.data);
      // Rendered before asking, so that nothing is awaited between asking and answering.
      const html = await render(request, (c) => LinkSentPage({ chrome: c, purpose }), returnTo);
      ask(request, purpose, email.data, returnTo);
      return send(reply, 200, html);
    });
  }
}
