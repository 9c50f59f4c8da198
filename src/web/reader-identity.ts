import type { FastifyReply, FastifyRequest } from 'fastify';
import { newId } from '../kernel/ids.js';

const cookieName = 'mh_reader';
// Browsers cap cookie lifetimes at 400 days.
const maxAgeSeconds = 400 * 24 * 60 * 60;

/**
 * The anonymous reader id the meter counts by: a signed, HttpOnly cookie set on the first
 * visit. A missing or forged cookie gets a fresh id (and so, at worst, a fresh allowance —
 * the known limit of any cookie meter; accounts close that gap).
 */
export function anonymousReaderId(request: FastifyRequest, reply: FastifyReply, secure: boolean): string {
  const known = knownAnonymousReaderId(request);
  if (known !== undefined) return known;
  const id = newId('rdr');
  reply.setCookie(cookieName, id, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: maxAgeSeconds,
  });
  return id;
}

/** The device's anonymous reader id when it carries a genuine one; never sets a cookie. */
export function knownAnonymousReaderId(request: FastifyRequest): string | undefined {
  const raw = request.cookies[cookieName];
  if (raw === undefined) return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value !== null && /^rdr_[0-9a-z]{26}$/.test(unsigned.value)
    ? unsigned.value
    : undefined;
}
