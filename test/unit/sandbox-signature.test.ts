import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  retryDelayMs,
  sandboxWebhookSecret,
  signSandboxPayload,
  verifySandboxSignature,
} from '../../src/modules/payments/index.js';

const secret = sandboxWebhookSecret('a-session-secret-long-enough-for-tests-0123');
const now = new Date('2026-11-15T06:00:00Z');
const t = Math.floor(now.getTime() / 1000);
const body = JSON.stringify({ id: 'evt_1', type: 'charge.succeeded', created: t, data: { object: {} } });

describe('sandbox webhook signatures', () => {
  it('signs "<t>.<body>" with HMAC-SHA256 in a t=…,v1=… header', () => {
    const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
    expect(signSandboxPayload(body, secret, t)).toBe(`t=${t},v1=${expected}`);
  });

  it('accepts a valid signature, over a string or the raw bytes', () => {
    const header = signSandboxPayload(body, secret, t);
    expect(verifySandboxSignature(body, header, secret, now)).toEqual({ valid: true });
    expect(verifySandboxSignature(Buffer.from(body), header, secret, now)).toEqual({ valid: true });
  });

  it('refuses a tampered body', () => {
    const header = signSandboxPayload(body, secret, t);
    const tampered = body.replace('charge.succeeded', 'charge.refunded');
    expect(verifySandboxSignature(tampered, header, secret, now)).toMatchObject({ valid: false });
  });

  it('refuses a signature made with another secret', () => {
    const header = signSandboxPayload(body, sandboxWebhookSecret('another-session-secret'), t);
    expect(verifySandboxSignature(body, header, secret, now)).toEqual({
      valid: false,
      reason: 'The signature does not match the body.',
    });
  });

  it('refuses a timestamp older (or newer) than the tolerance, and accepts one within it', () => {
    const old = signSandboxPayload(body, secret, t - 301);
    expect(verifySandboxSignature(body, old, secret, now)).toMatchObject({ valid: false });
    const future = signSandboxPayload(body, secret, t + 301);
    expect(verifySandboxSignature(body, future, secret, now)).toMatchObject({ valid: false });
    const recent = signSandboxPayload(body, secret, t - 299);
    expect(verifySandboxSignature(body, recent, secret, now)).toEqual({ valid: true });
    expect(verifySandboxSignature(body, old, secret, now, 600)).toEqual({ valid: true });
  });

  it('refuses a changed timestamp, even with the signature kept', () => {
    const header = signSandboxPayload(body, secret, t).replace(`t=${t}`, `t=${t - 1}`);
    expect(verifySandboxSignature(body, header, secret, now)).toMatchObject({ valid: false });
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['without a timestamp', `v1=${'a'.repeat(64)}`],
    ['without a v1', `t=${t}`],
    ['with a non-numeric timestamp', `t=soon,v1=${'a'.repeat(64)}`],
    ['with two timestamps', `t=${t},t=${t},v1=${'a'.repeat(64)}`],
    ['with a short v1', `t=${t},v1=abcd`],
    ['without key=value pairs', 'garbage'],
  ])('refuses a header %s', (_case, header) => {
    expect(verifySandboxSignature(body, header, secret, now)).toMatchObject({ valid: false });
  });

  it('accepts any matching v1 among several (a secret being rotated)', () => {
    const good = signSandboxPayload(body, secret, t).split('v1=')[1];
    const header = `t=${t},v1=${'0'.repeat(64)},v0=zzz,v1=${good}`;
    expect(verifySandboxSignature(body, header, secret, now)).toEqual({ valid: true });
  });

  it('derives a stable secret from the session secret, different for another', () => {
    expect(sandboxWebhookSecret('s1')).toBe(sandboxWebhookSecret('s1'));
    expect(sandboxWebhookSecret('s1')).not.toBe(sandboxWebhookSecret('s2'));
    expect(sandboxWebhookSecret('s1')).not.toContain('s1');
    expect(sandboxWebhookSecret('s1')).toMatch(/^whsec_[0-9a-f]{64}$/);
  });
});

describe('webhook retry backoff', () => {
  it('doubles from 10 seconds and stops growing at one hour', () => {
    expect([1, 2, 3, 4].map(retryDelayMs)).toEqual([10_000, 20_000, 40_000, 80_000]);
    expect(retryDelayMs(9)).toBe(2_560_000);
    expect(retryDelayMs(10)).toBe(3_600_000);
    expect(retryDelayMs(50)).toBe(3_600_000);
  });
});
