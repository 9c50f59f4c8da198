import { hash } from '@node-rs/argon2';
import { describe, expect, it } from 'vitest';
import {
  checkPassword,
  hashPassword,
  needsRehash,
  passwordHashPolicy,
  verifyPassword,
} from '../../src/modules/passwords/index.js';

describe('password hashing', () => {
  it('verifies the password it hashed, with OWASP’s argon2id parameters', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(passwordHashPolicy).toMatchObject({ memoryKiB: 19 * 1024, passes: 2, parallelism: 1 });
    expect(await verifyPassword(stored, 'correct horse battery staple')).toBe(true);
  });

  it('refuses a wrong password', async () => {
    const stored = await hashPassword('correct horse battery staple');
    expect(await verifyPassword(stored, 'correct horse battery stapler')).toBe(false);
    expect(await verifyPassword(stored, 'Correct horse battery staple')).toBe(false);
  });

  it('salts every hash', async () => {
    expect(await hashPassword('same password')).not.toBe(await hashPassword('same password'));
  });

  it('treats composed and decomposed accents as the same password (NFKC)', async () => {
    const stored = await hashPassword('caf\u00e9 au lait');
    expect(await verifyPassword(stored, 'cafe\u0301 au lait')).toBe(true);
  });

  it('answers false, after doing the work, for an account without a hash', async () => {
    expect(await verifyPassword(null, 'anything at all')).toBe(false);
  });

  it('throws on a stored value that is not an argon2 hash', async () => {
    await expect(verifyPassword('plaintext', 'plaintext')).rejects.toThrow();
  });

  it('asks for a rehash of hashes made with other parameters only', async () => {
    expect(needsRehash(await hashPassword('a password here'))).toBe(false);
    expect(needsRehash(await hash('a password here', { memoryCost: 4096, timeCost: 3 }))).toBe(true);
    expect(needsRehash(await hash('a password here', { algorithm: 1 }))).toBe(true);
  });
});

describe('checkPassword (NIST SP 800-63B)', () => {
  it('accepts a long passphrase with no digits or symbols', () => {
    expect(checkPassword('correct horse battery staple')).toEqual({ ok: true });
  });

  it('counts characters, not bytes or UTF-16 units', () => {
    // Seven emoji are 14 UTF-16 units and 28 UTF-8 bytes, but seven characters.
    expect(checkPassword('🦊🐻🐼🐨🐯🦁🐮')).toMatchObject({ ok: false, problem: 'too_short' });
    expect(checkPassword('🦊🐻🐼🐨🐯🦁🐮🐷')).toEqual({ ok: true });
    expect(checkPassword('пароль1')).toMatchObject({ ok: false, problem: 'too_short' });
    expect(checkPassword('парольчик')).toEqual({ ok: true });
  });

  it('counts after NFKC, so a decomposed accent is one character', () => {
    // "résumé" + "xy": 8 characters composed, 10 code points as typed.
    expect(checkPassword('re\u0301sume\u0301x')).toMatchObject({ ok: false, problem: 'too_short' });
    expect(checkPassword('re\u0301sume\u0301xy')).toEqual({ ok: true });
  });

  it('allows 128 characters and refuses 129', () => {
    expect(checkPassword('é'.repeat(128))).toEqual({ ok: true });
    expect(checkPassword('é'.repeat(129))).toMatchObject({ ok: false, problem: 'too_long' });
    expect(checkPassword('𝄞'.repeat(128))).toEqual({ ok: true });
  });

  it('refuses common passwords, whatever their case', () => {
    for (const common of ['password', 'password1', 'iloveyou', 'qwertyuiop', 'PassWord1', 'SUNSHINE']) {
      expect(checkPassword(common)).toEqual({
        ok: false,
        problem: 'common',
        message: 'This is one of the most commonly used passwords. Choose another.',
      });
    }
  });

  it('reads the whole list: its first and last long entries are refused too', () => {
    // The list is a data file; a lost first or last line would show here.
    expect(checkPassword('00000000')).toMatchObject({ ok: false, problem: 'common' });
    expect(checkPassword('zzzzzzzz')).toMatchObject({ ok: false, problem: 'common' });
    expect(checkPassword('zzzzzzzzz')).toEqual({ ok: true });
  });

  it('refuses the email’s local part and what is built from it', () => {
    const context = { email: 'Priya.Raman+news@example.com' };
    expect(checkPassword('priya.raman', context)).toMatchObject({ ok: false, problem: 'personal' });
    expect(checkPassword('PriyaRaman1990!', context)).toMatchObject({ ok: false, problem: 'personal' });
    expect(checkPassword('raman-raman', context)).toMatchObject({ ok: false, problem: 'personal' });
    expect(checkPassword('priya likes long walks by the sea', context)).toEqual({ ok: true });
  });

  it('refuses the publication’s name and what is built from it', () => {
    const context = { name: 'The Daily Ledger' };
    expect(checkPassword('thedailyledger', context)).toMatchObject({ ok: false, problem: 'personal' });
    expect(checkPassword('DailyLedger2026', context)).toMatchObject({ ok: false, problem: 'personal' });
    expect(checkPassword('I read the daily ledger on the train', context)).toEqual({ ok: true });
  });

  it('does not let a very short email name refuse everything', () => {
    expect(checkPassword('jolly good fellow', { email: 'jo@example.com' })).toEqual({ ok: true });
  });

  it('checks length before anything else', () => {
    expect(checkPassword('abc', { email: 'abc@example.com' })).toMatchObject({ problem: 'too_short' });
  });
});
