import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { VNode } from 'preact';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { renderPage } from '../../web/render.js';
import type { SiteChrome } from '../../web/views/layout.js';
import { safeReturnTo } from '../accounts/index.js';
import type { PaywallService } from '../paywall/index.js';
import type { RateLimiter, RateLimitRule } from '../rate-limit/index.js';
import { newsletterBenefit } from './domain.js';
import { newsletterIdParam } from './routes.js';
import type { NewsletterService, ReaderNewsletter } from './service.js';
import { AccountNewsletters, NewsletterLinkPage, NewslettersPage } from './views.js';

/**
 * The one route the same-origin guard lets through from anywhere: the RFC 8058 one-click POST
 * comes from a mail provider's servers or a webmail page, never from this site. Its token is
 * the whole authority (no cookie is read), and a GET of it changes nothing.
 */
export const oneClickUnsubscribeRoute = '/newsletters/unsubscribe/:token';

/** Sign-ups by address send mail to whatever address is typed: limited per address and client. */
export const signUpLimits = {
  byClient: { name: 'newsletter-sign-up:ip', limit: 20, windowMs: 60 * 60_000 },
  byEmail: { name: 'newsletter-sign-up:email', limit: 5, windowMs: 60 * 60_000 },
} as const satisfies Record<string, RateLimitRule>;

const notices = {
  subscribed: 'You are subscribed.',
  unsubscribed: 'You are unsubscribed.',
  check_inbox: 'Check your inbox: we sent a link to confirm your sign-up.',
} as const;
const PageQuery = z.object({
  notice: z.enum(['subscribed', 'unsubscribed', 'check_inbox']).optional().catch(undefined),
});
const TokenParams = z.object({ token: z.string().max(300) });
const ChoiceForm = z.object({ returnTo: z.string().max(2000).optional().catch(undefined) }).catch({});
const SignUpForm = z.object({
  email: z.string().max(5000).catch(''),
  newsletter: z
    .union([z.string(), z.array(z.string())])
    .optional()
    .catch(undefined),
});
const email = z.email().max(254);
const newsletterId = newsletterIdParam.shape.id;

// These pages carry a token in their URL, which Fastify logs with every request.
const tokenInUrl = {
  logSerializers: {
    req: (request: FastifyRequest) => ({
      method: request.method,
      url: request.url.replace(/\/(unsubscribe|confirm)\/[^/?#]+/, '/$1/[token]'),
      remoteAddress: request.ip,
    }),
  },
};

export interface NewsletterPageDeps {
  readonly newsletters: NewsletterService;
  readonly entitlements: (accountId: string) => Promise<ReadonlySet<string>>;
  readonly paywall: Pick<PaywallService, 'benefit'>;
  readonly limiter: RateLimiter;
  /** The site chrome of a page at `path` for whoever sent `request`. */
  readonly chrome: (request: FastifyRequest, path: string) => Promise<SiteChrome>;
}

/** May a reader with `entitlements` receive `newsletter`? The paywall's decision, for display. */
const allowedFor =
  (paywall: Pick<PaywallService, 'benefit'>, entitlements: ReadonlySet<string>) => (n: ReaderNewsletter) =>
    n.access === 'free' || paywall.benefit({ entitlements }, newsletterBenefit).granted;

/**
 * Reader pages: `/newsletters` (choose; sign up by address with double opt-in), the choice
 * forms of signed-in readers, the confirmation link's page, and the unsubscribe link's page —
 * which is also the RFC 8058 one-click target. Every GET only shows; a POST acts.
 */
export async function newsletterPageRoutes(app: FastifyInstance, deps: NewsletterPageDeps): Promise<void> {
  const { newsletters, entitlements, paywall, limiter, chrome } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  // Some senders of the one-click POST encode `List-Unsubscribe=One-Click` as multipart; the
  // body says nothing the URL does not, so it is read and dropped.
  if (!app.hasContentTypeParser('multipart/form-data')) {
    app.addContentTypeParser('multipart/form-data', (_request, payload, done) => {
      payload.resume();
      payload.on('end', () => done(null, {}));
      payload.on('error', (error) => done(error, undefined));
    });
  }

  function html(reply: FastifyReply, page: VNode, status = 200) {
    return (
      reply
        .status(status)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'private, no-store')
        // Tokens in these URLs never go to another site; `no-referrer` would also make the
        // browser send `Origin: null` on the page's own form, which the same-origin guard refuses.
        .header('referrer-policy', 'same-origin')
        .send(renderPage(page))
    );
  }

  async function signedInReader(request: FastifyRequest) {
    const auth = await request.readerSession();
    if (auth?.lookup.status !== 'live') return null;
    const { account } = auth.lookup;
    return { accountId: account.id, email: account.email, entitlements: await entitlements(account.id) };
  }

  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    options: { notice?: string; failed?: { error: string; email: string }; status?: number } = {},
  ) {
    const reader = await signedInReader(request);
    const list = await newsletters.forReader(reader);
    const page = NewslettersPage({
      chrome: await chrome(request, '/newsletters'),
      newsletters: list,
      signedIn: reader !== null,
      allowed: allowedFor(paywall, reader?.entitlements ?? new Set()),
      notice: options.notice,
      failed: options.failed,
    });
    return html(reply, page, options.status);
  }

  r.get('/newsletters', { schema: { querystring: PageQuery } }, async (request, reply) => {
    const { notice } = request.query;
    return listPage(request, reply, notice ? { notice: notices[notice] } : {});
  });

  for (const action of ['subscribe', 'unsubscribe'] as const) {
    r.post(
      `/newsletters/:id/${action}`,
      { schema: { params: newsletterIdParam, body: ChoiceForm } },
      async (request, reply) => {
        const reader = await signedInReader(request);
        if (!reader) throw new AppError('unauthorized', 'Sign in first to choose your newsletters.');
        if (action === 'subscribe') await newsletters.subscribe(reader, request.params.id);
        else await newsletters.unsubscribe(reader, request.params.id);
        const back = safeReturnTo(request.body.returnTo) === '/account' ? '/account' : '/newsletters';
        return reply.redirect(`${back}${back === '/newsletters' ? `?notice=${action}d` : ''}`, 303);
      },
    );
  }

  r.post('/newsletters/sign-up', { schema: { body: SignUpForm } }, async (request, reply) => {
    const typed = request.body.email.trim();
    const chosen = [request.body.newsletter ?? []].flat();
    const refuse = (error: string) =>
      listPage(request, reply, { failed: { error, email: typed }, status: 422 });
    if (!email.safeParse(typed).success) return refuse('Enter an email address, such as name@example.com.');
    if (
      chosen.length === 0 ||
      chosen.length > 50 ||
      !chosen.every((id) => newsletterId.safeParse(id).success)
    ) {
      return refuse('Choose at least one newsletter.');
    }
    for (const [rule, key] of [
      [signUpLimits.byClient, request.ip],
      [signUpLimits.byEmail, typed.toLowerCase()],
    ] as const) {
      const decision = await limiter.check(rule, key);
      if (!decision.allowed) {
        reply.header('retry-after', String(decision.retryAfterSeconds));
        return listPage(request, reply, {
          failed: { error: 'Too many sign-ups from here; try again in an hour.', email: typed },
          status: 429,
        });
      }
    }
    try {
      await newsletters.signUp(typed, chosen);
    } catch (error) {
      if (error instanceof AppError && error.code !== 'internal') return refuse(error.message);
      throw error;
    }
    // The same answer whether the address was new, pending or subscribed already.
    return reply.redirect('/newsletters?notice=check_inbox', 303);
  });

  r.get(
    '/newsletters/confirm/:token',
    { ...tokenInUrl, schema: { params: TokenParams } },
    async (request, reply) => {
      const { newsletters: names } = await newsletters.checkConfirmation(request.params.token);
      return html(
        reply,
        NewsletterLinkPage({
          chrome: await chrome(request, '/newsletters'),
          title: 'Confirm your sign-up',
          message: `Press the button to start receiving ${names.join(', ')}.`,
          button: { action: request.url.split('?')[0]!, label: 'Confirm my sign-up' },
        }),
      );
    },
  );

  r.post(
    '/newsletters/confirm/:token',
    { ...tokenInUrl, schema: { params: TokenParams } },
    async (request, reply) => {
      const { newsletters: names } = await newsletters.confirm(request.params.token);
      return html(
        reply,
        NewsletterLinkPage({
          chrome: await chrome(request, '/newsletters'),
          title: 'You are subscribed',
          message: `You will receive ${names.join(', ')}. Every issue has a link to unsubscribe.`,
        }),
      );
    },
  );

  // The unsubscribe link of a test copy: it belongs to nobody, on GET and on the one-click POST.
  const testCopyPage = (
    reply: FastifyReply,
    pageChrome: Parameters<typeof NewsletterLinkPage>[0]['chrome'],
  ) =>
    html(
      reply,
      NewsletterLinkPage({
        chrome: pageChrome,
        title: 'Test copy',
        message: 'This link came in a test copy of an issue: nobody was unsubscribed.',
      }),
    );

  r.get(
    oneClickUnsubscribeRoute,
    { ...tokenInUrl, schema: { params: TokenParams } },
    async (request, reply) => {
      const pageChrome = await chrome(request, '/newsletters');
      if (request.params.token === 'test') return testCopyPage(reply, pageChrome);
      // Link scanners open every link in a mail: this only asks.
      const { newsletter } = await newsletters.checkUnsubscribe(request.params.token);
      return html(
        reply,
        NewsletterLinkPage({
          chrome: pageChrome,
          title: 'Unsubscribe',
          message: `Stop receiving ${newsletter}?`,
          button: { action: request.url.split('?')[0]!, label: `Unsubscribe from ${newsletter}` },
        }),
      );
    },
  );

  r.post(
    oneClickUnsubscribeRoute,
    { ...tokenInUrl, schema: { params: TokenParams } },
    async (request, reply) => {
      const pageChrome = await chrome(request, '/newsletters');
      if (request.params.token === 'test') return testCopyPage(reply, pageChrome);
      const { newsletter } = await newsletters.unsubscribeWithToken(request.params.token);
      return html(
        reply,
        NewsletterLinkPage({
          chrome: pageChrome,
          title: 'You are unsubscribed',
          message: `You will no longer receive ${newsletter}.`,
        }),
      );
    },
  );
}

/** The `/account` section: the reader's newsletters, with a button each. */
export function accountNewsletterSection(deps: {
  newsletters: NewsletterService;
  accounts: { account(id: string): Promise<{ id: string; email: string } | undefined> };
  entitlements: (accountId: string) => Promise<ReadonlySet<string>>;
  paywall: Pick<PaywallService, 'benefit'>;
}) {
  return async (input: { accountId: string }) => {
    const account = await deps.accounts.account(input.accountId);
    if (!account) return null;
    const [list, entitlements] = await Promise.all([
      deps.newsletters.forReader({ accountId: account.id, email: account.email }),
      deps.entitlements(account.id),
    ]);
    if (list.length === 0) return null;
    return <AccountNewsletters newsletters={list} allowed={allowedFor(deps.paywall, entitlements)} />;
  };
}
