import type { FastifyRequest } from 'fastify';
import { AppError } from '../kernel/errors.js';

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF protection for the cookie-authenticated JSON API: a state-changing call that carries
 * cookies must come from the site itself — its `Origin` (or, failing that, `Sec-Fetch-Site`)
 * says so. Calls with a bearer token carry no ambient authority and pass; so do calls with no
 * cookies at all (an app signing in). Forms get their own tokens when pages post.
 */
export function sameOriginGuard(publicUrl: string) {
  const siteOrigin = new URL(publicUrl).origin;
  return async (request: FastifyRequest): Promise<void> => {
    if (!unsafe.has(request.method) || !request.url.startsWith('/api/v1/')) return;
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
