/** Lifetimes and rules of sign-in, as pure functions over plain data. */

export type SessionKind = 'web' | 'app';
export type EndReason =
  | 'signed_out'
  | 'ended_by_reader'
  | 'ended_by_support'
  | 'device_limit'
  | 'token_reuse'
  | 'expired'
  | 'password_reset'
  | 'address_proven';

export const lifetimes = {
  /** A web session lasts this long after it was last seen. */
  webSessionMs: 30 * 24 * 60 * 60 * 1000,
  /** An app access token. */
  accessTokenMs: 15 * 60 * 1000,
  /** An app session (its refresh tokens) lasts this long after it was last refreshed. */
  appSessionMs: 90 * 24 * 60 * 60 * 1000,
  /** last_seen_at is written at most this often, so page views do not all write. */
  touchEveryMs: 5 * 60 * 1000,
} as const;

export interface LiveSession {
  readonly id: string;
  readonly lastSeenAt: string;
}

/**
 * The sessions to end so that, with one more, an account holds at most `limit`: the least
 * recently seen first.
 */
export function sessionsOverLimit(live: readonly LiveSession[], limit: number): string[] {
  const excess = live.length + 1 - limit;
  if (excess <= 0) return [];
  return [...live]
    .sort((a, b) =>
      a.lastSeenAt < b.lastSeenAt ? -1 : a.lastSeenAt > b.lastSeenAt ? 1 : a.id < b.id ? -1 : 1,
    )
    .slice(0, excess)
    .map((session) => session.id);
}

/** What a device is told when its session was ended for it. */
export function endReasonMessage(reason: EndReason, deviceLimit: number): string {
  switch (reason) {
    case 'device_limit':
      return `You were signed out because your account signed in on another device, and it can be signed in on ${deviceLimit} at a time.`;
    case 'ended_by_reader':
      return 'You were signed out from another of your devices.';
    case 'ended_by_support':
      return 'You were signed out on every device by our support desk; please sign in again.';
    case 'token_reuse':
      return 'You were signed out because this sign-in was used from two places; please sign in again.';
    case 'expired':
      return 'Your sign-in expired; please sign in again.';
    case 'signed_out':
      return 'You signed out.';
    case 'password_reset':
      return 'You were signed out because the password of your account was changed; please sign in again.';
    case 'address_proven':
      return 'You were signed out because the owner of the email address confirmed it with a link sent there; please sign in again.';
  }
}

export { normaliseEmail } from '../../kernel/text.js';

/** "Firefox on Linux" from a user agent; good enough to tell one's own devices apart. */
export function describeDevice(userAgent: string): string {
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /OPR\//.test(userAgent)
      ? 'Opera'
      : /Firefox\//.test(userAgent)
        ? 'Firefox'
        : /Chrome\//.test(userAgent)
          ? 'Chrome'
          : /Safari\//.test(userAgent)
            ? 'Safari'
            : /okhttp|Dalvik|CFNetwork/.test(userAgent)
              ? 'App'
              : 'Browser';
  const os = /Android/.test(userAgent)
    ? 'Android'
    : /iPhone|iPad|iOS/.test(userAgent)
      ? 'iOS'
      : /Windows/.test(userAgent)
        ? 'Windows'
        : /Mac OS X|Macintosh/.test(userAgent)
          ? 'macOS'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : 'an unknown system';
  return `${browser} on ${os}`;
}
