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

/**
 * Reader cookies whose signature checked out, as sent, with the id they carry: by the app's
 * `unsignCookie` (one per cookie secret, so an app never trusts what another app's secret
 * signed), then by the cookie. A returning reader sends the same cookie on every view, and
 * its HMAC was the largest cost of a page view after the page itself. Only genuine cookies
 * are kept, and only exactly as sent: a forged or altered one is checked, and refused, each
 * time. Bounded, so that a flood of new readers cannot grow it.
 */
const verified = new WeakMap<FastifyRequest['unsignCookie'], Map<string, string>>();
const maxVerified = 10_000;

/** The device's anonymous reader id when it carries a genuine one; never sets a cookie. */
export function knownAnonymousReaderId(request: FastifyRequest): string | undefined {
  const raw = request.cookies[cookieName];
  if (raw === undefined) return undefined;
  let known = verified.get(request.unsignCookie);
  const hit = known?.get(raw);
  if (hit !== undefined) return hit;
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || unsigned.value === null || !/^rdr_[0-9a-z]{26}$/.test(unsigned.value)) {
    return undefined;
  }
  if (!known) verified.set(request.unsignCookie, (known = new Map()));
  if (known.size >= maxVerified) known.clear();
  known.set(raw, unsigned.value);
  return unsigned.value;
}
