import { describe, expect, it } from 'vitest';
import {
  describeDevice,
  endReasonMessage,
  normaliseEmail,
  sessionsOverLimit,
} from '../../src/modules/accounts/domain.js';

describe('device limit', () => {
  const sessions = [
    { id: 'ses_b', lastSeenAt: '2026-11-15T08:00:00.000Z' },
    { id: 'ses_a', lastSeenAt: '2026-11-15T06:00:00.000Z' },
    { id: 'ses_c', lastSeenAt: '2026-11-15T09:00:00.000Z' },
  ];

  it('ends nothing while there is room for one more', () => {
    expect(sessionsOverLimit(sessions, 4)).toEqual([]);
    expect(sessionsOverLimit([], 1)).toEqual([]);
  });

  it('ends the least recently seen to make room for one more', () => {
    expect(sessionsOverLimit(sessions, 3)).toEqual(['ses_a']);
    expect(sessionsOverLimit(sessions, 2)).toEqual(['ses_a', 'ses_b']);
    expect(sessionsOverLimit(sessions, 1)).toEqual(['ses_a', 'ses_b', 'ses_c']);
  });

  it('breaks ties by id, so the choice is the same on every instance', () => {
    const tied = [
      { id: 'ses_2', lastSeenAt: '2026-11-15T06:00:00.000Z' },
      { id: 'ses_1', lastSeenAt: '2026-11-15T06:00:00.000Z' },
    ];
    expect(sessionsOverLimit(tied, 2)).toEqual(['ses_1']);
  });
});

describe('why a device was signed out', () => {
  it('names the device limit', () => {
    expect(endReasonMessage('device_limit', 5)).toMatch(/another device.*5 at a time/);
  });

  it('says when a copied token ended the session', () => {
    expect(endReasonMessage('token_reuse', 5)).toMatch(/used from two places/);
  });
});

describe('emails and devices', () => {
  it('compares emails lower-cased and trimmed', () => {
    expect(normaliseEmail('  Asha.Rao@Example.COM ')).toBe('asha.rao@example.com');
  });

  it('names browsers and systems from user agents', () => {
    expect(describeDevice('Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0')).toBe(
      'Firefox on Linux',
    );
    expect(
      describeDevice(
        'Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1',
      ),
    ).toBe('Safari on iOS');
    expect(
      describeDevice(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/130.0 Safari/537.36 Edg/130.0',
      ),
    ).toBe('Edge on Windows');
    expect(describeDevice('okhttp/4.12.0')).toBe('App on an unknown system');
    expect(describeDevice('')).toBe('Browser on an unknown system');
  });
});
