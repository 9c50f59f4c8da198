import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * "Welcome, you're subscribed": a one-time flag set when a reader comes back from a paid
 * checkout, consumed by the first reader page that shows it. It carries no data: the page
 * says it only to a reader who does subscribe, so a forged cookie changes nothing.
 */
const welcomeCookie = 'mh_welcome';

export const welcomeText =
  "Welcome, you're subscribed: every story is open to you. Your plan, invoices and renewal date are on your account page.";

export function setWelcome(reply: FastifyReply, secure: boolean): void {
  reply.setCookie(welcomeCookie, '1', { path: '/', httpOnly: true, sameSite: 'lax', secure, maxAge: 3600 });
}

/** Whether the flag came with the request; it is cleared either way, so it shows once. */
export function takeWelcome(request: FastifyRequest, reply: FastifyReply): boolean {
  if (request.cookies[welcomeCookie] === undefined) return false;
  reply.clearCookie(welcomeCookie, { path: '/' });
  return true;
}
