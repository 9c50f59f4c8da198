import { createHmac, timingSafeEqual } from 'node:crypto';

// The newsletters' pure parts: their words as types, the unsubscribe token, the Message-ID
// of each delivery and the headers every newsletter mail carries. No I/O.

/** Who may subscribe: anyone, or readers whose subscription includes `newsletters`. */
export type NewsletterAccess = 'free' | 'subscribers';

/** The benefit a subscriber-only newsletter needs (asked through the paywall's decision). */
export const newsletterBenefit = 'newsletters';

export interface Newsletter {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly description: string;
  readonly access: NewsletterAccess;
  readonly createdAt: string;
}

/** An issue's life: composed (`draft`), due later (`scheduled`), going out (`sending`), `sent`. */
export type IssueStatus = 'draft' | 'scheduled' | 'sending' | 'sent';

export interface IssueView {
  readonly id: string;
  readonly newsletterId: string;
  readonly subject: string;
  readonly intro: string;
  readonly articleIds: readonly string[];
  readonly status: IssueStatus;
  readonly sendAt: string | null;
  readonly jobId: string | null;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  /** Counted from the issue's deliveries; all zero until the send takes its snapshot. */
  readonly sent: number;
  readonly failed: number;
  readonly remaining: number;
}

/** How long an unsubscribe link in a mail works: a year, so last year's issue still lets go. */
export const unsubscribeLinkDays = 365;
/** How long the confirmation link of a sign-up by address works. */
export const confirmLinkHours = 48;

export type TokenCheck =
  | { readonly ok: true; readonly subscriptionId: string }
  | { readonly ok: false; readonly reason: 'forged' | 'expired' };

const tokenPurpose = 'masthead/newsletter-unsubscribe/v1';
const subscriptionIdPattern = /^nls_[0-9a-z]{26}$/;

/**
 * The token of an unsubscribe link: `<subscription id>.<expiry, unix seconds>.<HMAC-SHA256>`,
 * signed with a key derived from the session secret. Signed rather than stored, because every
 * recipient of every issue gets one (100,000 rows per send otherwise); a signature cannot be
 * made without the secret, so a changed id or expiry is a forgery.
 */
export function unsubscribeToken(secret: string, subscriptionId: string, expiresAt: Date): string {
  const payload = `${subscriptionId}.${Math.floor(expiresAt.getTime() / 1000)}`;
  return `${payload}.${sign(secret, payload)}`;
}

/** Reads an unsubscribe token: whose subscription, or why not (forged, or past its expiry). */
export function checkUnsubscribeToken(secret: string, token: string, now: Date): TokenCheck {
  const parts = token.split('.');
  if (parts.length !== 3) return { ok: false, reason: 'forged' };
  const [subscriptionId, expires, signature] = parts as [string, string, string];
  if (!subscriptionIdPattern.test(subscriptionId) || !/^\d{1,12}$/.test(expires)) {
    return { ok: false, reason: 'forged' };
  }
  const expected = Buffer.from(sign(secret, `${subscriptionId}.${expires}`));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    return { ok: false, reason: 'forged' };
  }
  if (Number(expires) * 1000 <= now.getTime()) return { ok: false, reason: 'expired' };
  return { ok: true, subscriptionId };
}

function sign(secret: string, payload: string): string {
  const key = createHmac('sha256', secret).update(tokenPurpose).digest();
  return createHmac('sha256', key).update(payload).digest('base64url');
}

/**
 * The Message-ID of one delivery: the same for every try of the same recipient and issue, so a
 * copy sent again after a crash (see the send's CONTEXT) is recognisably the same message.
 */
export function deliveryMessageId(issueId: string, subscriptionId: string, host: string): string {
  return `<${issueId}.${subscriptionId}@${host}>`;
}

/**
 * The RFC 2369 and RFC 8058 headers: an https URL that unsubscribes on a POST with
 * `List-Unsubscribe=One-Click`, no cookie, no sign-in; and a mailto for clients without it.
 */
export function listUnsubscribeHeaders(oneClickUrl: string, mailto: string): Record<string, string> {
  return {
    'List-Unsubscribe': `<${oneClickUrl}>, <${mailto}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  };
}
