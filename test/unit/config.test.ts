import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const base = { SESSION_SECRET: 'x'.repeat(32), NODE_ENV: 'test' };

function problems(env: Record<string, string>): readonly string[] {
  try {
    loadConfig({ ...base, ...env });
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration', () => {
  it('has the documented defaults', () => {
    const config = loadConfig(base);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 3000,
      databaseUrl: 'sqlite:./data/masthead.db',
      publicUrl: 'http://127.0.0.1:3000',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('names each bad variable on a line of its own', () => {
    const lines = problems({ PORT: 'eighty', DATABASE_URL: 'mysql://x', PUBLIC_URL: 'not a url' });
    expect(lines).toHaveLength(3);
    expect(lines.some((l) => l.startsWith('PORT:'))).toBe(true);
    expect(lines.some((l) => l.startsWith('DATABASE_URL:') && l.includes('sqlite:PATH'))).toBe(true);
    expect(lines.some((l) => l.startsWith('PUBLIC_URL:'))).toBe(true);
  });

  it('requires a session secret in production', () => {
    expect(
      problems({ NODE_ENV: 'production', SESSION_SECRET: '', PUBLIC_URL: 'https://news.example' }),
    ).toEqual(['SESSION_SECRET: required in production (at least 32 random characters)']);
  });

  it('requires an https public URL in production', () => {
    expect(problems({ NODE_ENV: 'production' })).toEqual([
      'PUBLIC_URL: required in production, as the https:// address readers use (cookies are Secure only then)',
    ]);
    expect(problems({ NODE_ENV: 'production', PUBLIC_URL: 'https://news.example' })).toEqual([]);
  });

  it('trusts only named proxies, never every hop', () => {
    expect(loadConfig({ ...base, TRUST_PROXY: '10.0.0.5, 10.1.0.0/16' }).trustProxy).toEqual([
      '10.0.0.5',
      '10.1.0.0/16',
    ]);
    expect(loadConfig(base).trustProxy).toBe(false);
    expect(problems({ TRUST_PROXY: 'true' })[0]).toMatch(/^TRUST_PROXY/);
    expect(problems({ TRUST_PROXY: '1' })[0]).toMatch(/^TRUST_PROXY/);
  });

  it('refuses a crawler range that is not a CIDR', () => {
    expect(problems({ CRAWLER_CIDRS: '66.249.64.0/19, banana' })[0]).toMatch(/^CRAWLER_CIDRS/);
  });

  it('says plainly that gateways and stores of later versions are not available', () => {
    expect(problems({ PAYMENT_GATEWAY: 'stripe' })[0]).toMatch(/^PAYMENT_GATEWAY/);
    expect(problems({ REDIS_URL: 'redis://127.0.0.1:6379' })[0]).toMatch(/^REDIS_URL/);
  });

  it('sends mail over SMTP only to an smtp:// or smtps:// server', () => {
    expect(loadConfig(base).smtpUrl).toBeUndefined();
    expect(loadConfig({ ...base, SMTP_URL: 'smtp://user:pass@mail.example:587' }).smtpUrl).toBe(
      'smtp://user:pass@mail.example:587',
    );
    expect(loadConfig({ ...base, SMTP_URL: 'smtps://mail.example' }).smtpUrl).toBe('smtps://mail.example');
    for (const bad of ['http://mail.example', 'mail.example:587', 'smtp://']) {
      expect(problems({ SMTP_URL: bad }), bad).toEqual([
        'SMTP_URL: expected smtp://user:pass@host:587 or smtps://…',
      ]);
    }
  });

  it('sends mail from MAIL_FROM, by default no-reply at the public host', () => {
    expect(loadConfig(base).mailFrom).toEqual({ address: 'no-reply@localhost' });
    expect(loadConfig({ ...base, PUBLIC_URL: 'https://www.news.example/' }).mailFrom).toEqual({
      address: 'no-reply@www.news.example',
    });
    expect(loadConfig({ ...base, MAIL_FROM: 'desk@news.example' }).mailFrom).toEqual({
      address: 'desk@news.example',
    });
    expect(loadConfig({ ...base, MAIL_FROM: '"The Ledger Desk" <desk@news.example>' }).mailFrom).toEqual({
      name: 'The Ledger Desk',
      address: 'desk@news.example',
    });
    for (const bad of ['desk', 'Desk <desk>', 'a b@news.example', 'Desk <desk@news.example']) {
      expect(problems({ MAIL_FROM: bad })[0], bad).toMatch(/^MAIL_FROM: expected an address/);
    }
  });
});
