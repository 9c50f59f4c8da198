import type { FastifyRequest } from 'fastify';
import { AppError } from '../kernel/errors.js';

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF protection for everything cookie-authenticated — forms and JSON API alike: a request
 * that changes something and carries cookies must come from the site itself, as its `Origin`
 * (or, failing that, `Sec-Fetch-Site`) says; browsers set both and pages cannot forge them.
 * Calls with a bearer token carry no ambient authority and pass; so do calls with no cookies
 * at all (an app signing in).
 */
export function sameOriginGuard(publicUrl: string) {
  const siteOrigin = new URL(publicUrl).origin;
  return async (request: FastifyRequest): Promise<void> => {
    if (!unsafe.has(request.method)) return;
    if (/^Bearer\s/i.test(request.headers.authorization ?? '') || request.headers.cookie === undefined)
      return;
    const origin = request.headers.origin;
    if (origin !== undefined ? origin === siteOrigin : request.headers['sec-fetch-site'] === 'same-origin')
      return;
    throw new AppError(
      'forbidden',
      `Cross-site request refused: send it from ${siteOrigin}, or use a bearer token.`,
    );
  };
}
