import { describe, expect, it } from 'vitest';
import {
  checkLink,
  linkExpiry,
  linkPurposes,
  type LinkPurpose,
  type LinkState,
} from '../../src/modules/accounts/links.js';
import { withoutToken } from '../../src/modules/accounts/routes-links.js';
import { lifetimeText, refusalMessage } from '../../src/modules/accounts/views-links.js';

const issuedAt = new Date('2026-11-15T06:00:00.000Z');
const minutesLater = (minutes: number) => new Date(issuedAt.getTime() + minutes * 60_000).toISOString();

function aLink(overrides: Partial<LinkState> = {}): LinkState {
  return { purpose: 'sign_in', expiresAt: linkExpiry('sign_in', issuedAt), usedAt: null, ...overrides };
}

describe('how long links work', () => {
  it('confirms an address for 24 hours, signs in for 15 minutes, resets a password for 30', () => {
    expect(linkExpiry('confirm_email', issuedAt)).toBe('2026-11-16T06:00:00.000Z');
    expect(linkExpiry('sign_in', issuedAt)).toBe('2026-11-15T06:15:00.000Z');
    expect(linkExpiry('password_reset', issuedAt)).toBe('2026-11-15T06:30:00.000Z');
  });

  it('names each lifetime as the mail and pages say it', () => {
    expect(lifetimeText('confirm_email')).toBe('24 hours');
    expect(lifetimeText('sign_in')).toBe('15 minutes');
    expect(lifetimeText('password_reset')).toBe('30 minutes');
  });

  it('sends each purpose with its own mail, to its own page', () => {
    expect(linkPurposes.confirm_email).toMatchObject({ template: 'confirm-email', path: '/account/confirm' });
    expect(linkPurposes.sign_in).toMatchObject({ template: 'sign-in-link', path: '/auth/link' });
    expect(linkPurposes.password_reset).toMatchObject({
      template: 'password-reset',
      path: '/login/reset/new',
    });
  });
});

describe('whether a link works', () => {
  it('works for its purpose until the moment it expires, and not from that moment', () => {
    expect(checkLink(aLink(), 'sign_in', minutesLater(0))).toEqual({ ok: true });
    expect(checkLink(aLink(), 'sign_in', minutesLater(14.99))).toEqual({ ok: true });
    expect(checkLink(aLink(), 'sign_in', minutesLater(15))).toEqual({ ok: false, refusal: 'expired' });
    expect(checkLink(aLink(), 'sign_in', minutesLater(60))).toEqual({ ok: false, refusal: 'expired' });
  });

  it('works once: a used link is refused as used, even before it would have expired', () => {
    const used = aLink({ usedAt: minutesLater(1) });
    expect(checkLink(used, 'sign_in', minutesLater(2))).toEqual({ ok: false, refusal: 'used' });
    // Used and expired: "used" is the truer story for the reader.
    expect(checkLink(used, 'sign_in', minutesLater(90))).toEqual({ ok: false, refusal: 'used' });
  });

  it('works only for its own purpose, and a link of another purpose looks like no link at all', () => {
    const purposes: LinkPurpose[] = ['confirm_email', 'sign_in', 'password_reset'];
    for (const issued of purposes) {
      const link = aLink({ purpose: issued, expiresAt: linkExpiry(issued, issuedAt) });
      for (const wanted of purposes) {
        expect(checkLink(link, wanted, minutesLater(1)), `${issued} as ${wanted}`).toEqual(
          issued === wanted ? { ok: true } : { ok: false, refusal: 'unknown' },
        );
      }
    }
  });

  it('refuses a token that names no link', () => {
    expect(checkLink(undefined, 'password_reset', minutesLater(0))).toEqual({
      ok: false,
      refusal: 'unknown',
    });
  });

  it('refuses a link retired by a newer one (its expiry moved to when the newer one was sent)', () => {
    const retired = aLink({ expiresAt: minutesLater(5) });
    expect(checkLink(retired, 'sign_in', minutesLater(6))).toEqual({ ok: false, refusal: 'expired' });
  });
});

describe('what a reader is told', () => {
  it('says why a link does not work, and how long links last', () => {
    expect(refusalMessage('sign_in', 'used')).toBe(
      'This sign-in link was used already: each link works once.',
    );
    expect(refusalMessage('password_reset', 'expired')).toMatch(
      /^This password-reset link has expired\. Links work for 30 minutes, and only the newest one sent works\.$/,
    );
    expect(refusalMessage('confirm_email', 'unknown')).toMatch(/^This confirmation link does not work\./);
  });
});

describe('keeping tokens out of the log', () => {
  it('withholds the token of a link in a logged URL and keeps the rest', () => {
    expect(withoutToken('/auth/link?token=abc_DEF-123&returnTo=%2Farticle%2Fx')).toBe(
      '/auth/link?token=[withheld]&returnTo=%2Farticle%2Fx',
    );
    expect(withoutToken('/login/reset/new?returnTo=/x&token=abc')).toBe(
      '/login/reset/new?returnTo=/x&token=[withheld]',
    );
    expect(withoutToken('/account/confirm?TOKEN=abc#top')).toBe('/account/confirm?TOKEN=[withheld]#top');
    expect(withoutToken('/article/tokens?q=token')).toBe('/article/tokens?q=token');
  });
});
