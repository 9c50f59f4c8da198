import { Secret, TOTP } from 'otpauth';

// Time-based one-time passwords (RFC 6238) as authenticator apps make them: SHA-1, six digits,
// 30-second steps. otpauth does the arithmetic; this file only fixes the parameters and says
// which step a code belongs to, so a code is accepted once.

const period = 30;

function totpOf(secret: string, label: string, issuer: string): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: 6, period, secret: Secret.fromBase32(secret) });
}

/** A new random secret (160 bits, as RFC 4226 recommends), in base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URI an authenticator app scans (as a QR code) or takes typed in. */
export function totpUri(secret: string, label: string, issuer: string): string {
  return totpOf(secret, label, issuer).toString();
}

/**
 * The 30-second step `code` is valid for at `now` (the step before and after are accepted, for
 * clocks a little apart), or null. The caller refuses a step it already accepted.
 */
export function totpStep(secret: string, code: string, now: number): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const delta = totpOf(secret, 'staff', 'Masthead').validate({ token: code, timestamp: now, window: 1 });
  if (delta === null) return null;
  return Math.floor(now / 1000 / period) + delta;
}

/** The code for `now`: for tests and for the CLI's own checks. */
export function totpCode(secret: string, now: number): string {
  return totpOf(secret, 'staff', 'Masthead').generate({ timestamp: now });
}
