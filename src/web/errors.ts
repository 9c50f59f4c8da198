import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { AppError, type ErrorCode } from '../kernel/errors.js';
import { renderErrorPage } from './views/error-page.js';

interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Readonly<Record<string, unknown>>;
}

// Machines read these answers: the APIs, the health check, and payment gateways' webhooks.
const isApi = (request: FastifyRequest) =>
  request.url.startsWith('/api/') || request.url.startsWith('/webhooks/') || request.url === '/healthz';

function send(request: FastifyRequest, reply: FastifyReply, status: number, error: ErrorBody) {
  reply.status(status);
  if (isApi(request)) return reply.send({ error });
  return reply.type('text/html; charset=utf-8').send(renderErrorPage(status, error.message));
}

/**
 * One place maps failures to answers: an AppError to its status, a request that fails its
 * schema to 422, malformed JSON to 400, anything else to a 500 that hides internals and logs
 * the request.
 */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError | AppError, request, reply) => {
    if (error instanceof AppError) {
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
      message: `Nothing is at ${request.method} ${request.url.split('?')[0]}.`,
    }),
  );
}
