import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode } from '../kernel/errors.js';
import { renderErrorPage } from './views/error-page.js';
import type { SiteChrome } from './views/layout.js';

interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Readonly<Record<string, unknown>>;
}

export interface ErrorPageOptions {
  /** The site chrome (header, sections, search) of an error page for the reader of `request`. */
  readonly chrome?: (request: FastifyRequest) => Promise<SiteChrome>;
}

// Machines read these answers: the APIs, the health check, and payment gateways' webhooks.
const isApi = (request: FastifyRequest) =>
  request.url.startsWith('/api/') || request.url.startsWith('/webhooks/') || request.url === '/healthz';

/** What a reader is told when no page is at an address (the API's answer names the route). */
const noSuchPage =
  'There is no page at this address. It may have moved, or the link may be mistyped: search for what you were looking for, or start from the front page.';

/**
 * One place maps failures to answers: an AppError to its status, a request that fails its
 * schema to 422, malformed JSON to 400, anything else to a 500 that hides internals and logs
 * the request. Pages for a 4xx carry the site's chrome when `options.chrome` gives it.
 */
export function registerErrorHandling(app: FastifyInstance, options: ErrorPageOptions = {}): void {
  async function send(request: FastifyRequest, reply: FastifyReply, status: number, error: ErrorBody) {
    reply.status(status);
    if (isApi(request)) return reply.send({ error });
    // A 5xx page asks nothing of the database, which may be what failed.
    const chrome =
      status < 500 && options.chrome
        ? await options.chrome(request).catch((failure: unknown) => {
            request.log.warn({ err: failure }, 'an error page without the site chrome');
            return undefined;
          })
        : undefined;
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', 'private, no-store')
      .send(renderErrorPage(status, error.message, chrome));
  }

  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
      if (error.status >= 500) request.log.error({ err: error }, 'request failed');
      return send(request, reply, error.status, {
        code: error.code,
        message: error.message,
        ...(error.details && { details: error.details }),
      });
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const problems = error.validation.map((issue) => {
        const path = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
        return `${error.validationContext ?? 'request'}${path ? `.${path}` : ''}: ${issue.message}`;
      });
      return send(request, reply, 422, { code: 'validation_failed', message: problems.join('; ') });
    }
    const status = (error as FastifyError).statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      const code: ErrorCode = status === 404 ? 'not_found' : status === 429 ? 'rate_limited' : 'bad_request';
      return send(request, reply, status, { code, message: error.message });
    }
    request.log.error({ err: error }, 'request failed');
    return send(request, reply, 500, { code: 'internal', message: 'Something went wrong on our side.' });
  });

  app.setNotFoundHandler((request, reply) =>
    send(request, reply, 404, {
      code: 'not_found',
      message: isApi(request) ? `Nothing is at ${request.method} ${request.url.split('?')[0]}.` : noSuchPage,
    }),
  );
}
