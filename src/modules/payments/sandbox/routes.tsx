import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { VNode } from 'preact';
import { z } from 'zod';
import { AppError } from '../../../kernel/errors.js';
import { renderPage } from '../../../web/render.js';
import { sandboxCheckoutPath } from './adapter.js';
import type { CardDeclineCode } from './cards.js';
import {
  AuthenticatePage,
  CheckoutPage,
  NotFoundPage,
  sandboxStylesheet,
  sandboxStylesheetPath,
  type CardFormValues,
} from './pages.js';
import type { PayResult, SandboxProcessor } from './processor.js';
import type { SandboxSession } from './queries.js';

export interface SandboxRouteDeps {
  readonly processor: SandboxProcessor;
}

const SessionParams = z.object({ id: z.string().min(1).max(100) });

/** The JSON automation's card: the number alone is enough (expiry and CVC are checked when given). */
const PayRequest = z.object({
  card: z.string().min(1).max(40),
  expiry: z.string().max(10).optional(),
  cvc: z.string().max(10).optional(),
  name: z.string().max(120).optional(),
});
const AuthenticateRequest = z.object({ outcome: z.enum(['approve', 'fail']) });
const PayResponse = z.object({
  status: z.enum(['paid', 'requires_action', 'declined']),
  code: z.string().optional(),
  reason: z.string().optional(),
  redirectUrl: z.string().optional(),
});

/** The card form as posted: each field a string ('' when missing or sent twice), so it can be shown again. */
const text = (max: number) => z.string().max(max).catch('');
const CardForm = z
  .object({ number: text(40), expiry: text(10), cvc: text(10), name: text(120) })
  .catch({ number: '', expiry: '', cvc: '', name: '' });

/** Mistakes in what was typed (422) as against a card the processor refused (402). */
const inputMistakes = new Set<string>([
  'incorrect_number',
  'invalid_expiry',
  'expired_card',
  'invalid_cvc',
] satisfies CardDeclineCode[]);

const authenticatePath = (id: string) => `${sandboxCheckoutPath(id)}/authenticate`;

/** Whether a request gets its answers, errors included, as JSON: the automation, not the pages. */
function wantsJson(request: FastifyRequest): boolean {
  return (
    request.routeOptions.url === '/sandbox/checkout/:id/pay' ||
    (request.headers['content-type'] ?? '').startsWith('application/json')
  );
}

function jsonError(reply: FastifyReply, error: AppError) {
  return reply.status(error.status).send({ error: { code: error.code, message: error.message } });
}

/** A session that cannot be paid now, as an HTTP error for the automation. */
function unavailableError(result: Extract<PayResult, { status: 'unavailable' }>): AppError {
  return new AppError(result.code === 'not_found' ? 'not_found' : 'conflict', result.reason);
}

/**
 * The sandbox's hosted checkout (`/sandbox/checkout/:id`), its authentication step, and the JSON
 * automation tests drive it with. Pages answer `Cache-Control: no-store` (they show a payment in
 * progress); forms post back here and follow post-redirect-get, or show the form again with a 4xx.
 */
export async function sandboxRoutes(app: FastifyInstance, deps: SandboxRouteDeps): Promise<void> {
  const { processor } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  app.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  // The automation answers errors in JSON; pages leave them to the site's HTML error handler.
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (!wantsJson(request)) throw error;
    if (error instanceof AppError) return jsonError(reply, error);
    if (hasZodFastifySchemaValidationErrors(error)) {
      const problems = error.validation.map((issue) => {
        const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
        return `${error.validationContext ?? 'request'}${path ? `.${path}` : ''}: ${issue.message}`;
      });
      return jsonError(reply, new AppError('validation_failed', problems.join('; ')));
    }
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return jsonError(reply, new AppError(status === 404 ? 'not_found' : 'bad_request', error.message));
    }
    request.log.error({ err: error }, 'sandbox request failed');
    return jsonError(reply, new AppError('internal', 'Something went wrong on our side.'));
  });

  function html(reply: FastifyReply, page: VNode, status = 200) {
    return reply.status(status).type('text/html; charset=utf-8').send(renderPage(page));
  }

  const notFoundPage = (reply: FastifyReply) => html(reply, <NotFoundPage />, 404);

  function checkoutPage(
    reply: FastifyReply,
    session: SandboxSession,
    options: { status?: number; error?: string; values?: CardFormValues } = {},
  ) {
    return html(
      reply,
      <CheckoutPage
        session={session}
        formAction={sandboxCheckoutPath(session.id)}
        authenticatePath={authenticatePath(session.id)}
        error={options.error}
        values={options.values}
      />,
      options.status,
    );
  }

  /** Where the payer goes after a JSON or form outcome, or nowhere (declined: stay on the page). */
  const redirectFor = (result: PayResult): string | undefined =>
    result.status === 'paid'
      ? result.session.successUrl
      : result.status === 'requires_action'
        ? authenticatePath(result.session.id)
        : undefined;

  r.get(sandboxStylesheetPath, async (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=3600')
      .send(sandboxStylesheet),
  );

  r.get('/sandbox/checkout/:id', { schema: { params: SessionParams } }, async (request, reply) => {
    const session = await processor.retrieveSession(request.params.id);
    return session ? checkoutPage(reply, session) : notFoundPage(reply);
  });

  r.post('/sandbox/checkout/:id', { schema: { params: SessionParams } }, async (request, reply) => {
    const { id } = request.params;
    const form = CardForm.parse(request.body);
    const result = await processor.pay(id, form);
    const values = { number: form.number, expiry: form.expiry, name: form.name };
    switch (result.status) {
      case 'paid':
      case 'requires_action':
        return reply.redirect(redirectFor(result)!, 303);
      case 'declined': {
        const session = await processor.retrieveSession(id);
        if (!session) return notFoundPage(reply);
        const status = inputMistakes.has(result.code) ? 422 : 402;
        return checkoutPage(reply, session, { status, error: result.reason, values });
      }
      case 'unavailable': {
        const session = await processor.retrieveSession(id);
        if (!session) return notFoundPage(reply);
        return checkoutPage(reply, session, { status: 409, error: result.reason, values });
      }
    }
  });

  r.get(
    '/sandbox/checkout/:id/authenticate',
    { schema: { params: SessionParams } },
    async (request, reply) => {
      const session = await processor.retrieveSession(request.params.id);
      if (!session) return notFoundPage(reply);
      // Nothing to authenticate (never asked, already done, or expired): the checkout page says why.
      if (session.status !== 'requires_action') return reply.redirect(sandboxCheckoutPath(session.id), 303);
      return html(reply, <AuthenticatePage session={session} formAction={authenticatePath(session.id)} />);
    },
  );

  // One URL for the page's two buttons (a form) and the automation (JSON).
  r.post(
    '/sandbox/checkout/:id/authenticate',
    { schema: { params: SessionParams, body: AuthenticateRequest } },
    async (request, reply) => {
      const { id } = request.params;
      const result = await processor.authenticate(id, request.body.outcome === 'approve');
      if (wantsJson(request)) return answerJson(reply, result);
      if (result.status === 'unavailable' && result.code === 'not_found') return notFoundPage(reply);
      // Paid: back to the merchant. Failed, or nothing to authenticate: the checkout page shows
      // the reason (it is kept on the session) and takes another card.
      return reply.redirect(
        result.status === 'paid' ? result.session.successUrl : sandboxCheckoutPath(id),
        303,
      );
    },
  );

  r.post(
    '/sandbox/checkout/:id/pay',
    { schema: { params: SessionParams, body: PayRequest, response: { 200: PayResponse } } },
    async (request, reply) => {
      const { card, expiry, cvc, name } = request.body;
      return answerJson(reply, await processor.pay(request.params.id, { number: card, expiry, cvc, name }));
    },
  );

  /** An outcome as the automation sees it: 200 for any the processor reached, 404/409 for none. */
  function answerJson(reply: FastifyReply, result: PayResult) {
    switch (result.status) {
      case 'paid':
      case 'requires_action':
        return reply.send({ status: result.status, redirectUrl: redirectFor(result) });
      case 'declined':
        return reply.send({ status: 'declined', code: result.code, reason: result.reason });
      case 'unavailable':
        return jsonError(reply, unavailableError(result));
    }
  }
}
