import type { FastifyRequest } from 'fastify';
import { AppError } from '../kernel/errors.js';

const unsafe = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * CSRF protection for forms and the JSON API alike: a request that changes something must not
 * come from another site. Browsers say where a request comes from (`Origin`, `Sec-Fetch-Site`)
 * and pages cannot forge either, so:
 * - a request whose `Origin` is another site, or whose `Sec-Fetch-Site` is `cross-site`, is
 *   refused — with or without cookies (a cross-site sign-in would sign the victim into the
 *   attacker's account);
 * - a request with cookies must positively show it is from the site;
 * - calls with a bearer token carry no ambient authority and pass, as do calls with neither
 *   cookies nor browser headers (an app signing in).
 *
 * `exemptPosts` names the few routes (as registered, e.g. `/newsletters/unsubscribe/:token`)
 * whose POST must work from anywhere because another site sends it by design (RFC 8058
 * one-click unsubscribe from a mail provider). Such a route must take its whole authority
 * from a secret in its URL and never act on the cookies that come with it.
 */
export function sameOriginGuard(publicUrl: string, options: { exemptPosts?: readonly string[] } = {}) {
  const siteOrigin = new URL(publicUrl).origin;
  const exempt = new Set(options.exemptPosts ?? []);
  return async (request: FastifyRequest): Promise<void> => {
    if (!unsafe.has(request.method)) return;
    // The route Fastify matched, not the URL as sent: no other path can pass for it.
    if (request.method === 'POST' && exempt.has(request.routeOptions.url ?? '')) return;
    if (/^Bearer\s/i.test(request.headers.authorization ?? '')) return;
    const origin = request.headers.origin;
    const fetchSite = request.headers['sec-fetch-site'];
    const fromSite = origin !== undefined ? origin === siteOrigin : fetchSite === 'same-origin';
    const fromElsewhere = (origin !== undefined && origin !== siteOrigin) || fetchSite === 'cross-site';
    if (!fromElsewhere && (fromSite || request.headers.cookie === undefined)) return;
    throw new AppError(
      'forbidden',
      `Cross-site request refused: send it from ${siteOrigin}, or use a bearer token.`,
    );
  };
}
