import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/config.js';

const base = { SESSION_SECRET: 'x'.repeat(32), NODE_ENV: 'test' };

const stripeKeys = {
  PAYMENT_GATEWAY: 'stripe',
  STRIPE_SECRET_KEY: 'sk_test_51Masthead',
  STRIPE_WEBHOOK_SECRET: 'whsec_masthead',
};
const razorpayKeys = {
  PAYMENT_GATEWAY: 'razorpay',
  RAZORPAY_KEY_ID: 'rzp_test_Masthead',
  RAZORPAY_KEY_SECRET: 'key-secret',
  RAZORPAY_WEBHOOK_SECRET: 'webhook-secret',
};
/** Production takes real money, so it is tried with a real gateway unless a test says otherwise. */
const production = { NODE_ENV: 'production', ...stripeKeys };

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

  it('allows wire feeds from no private host unless WIRE_ALLOW_HOSTS names it', () => {
    expect(loadConfig(base).wireAllowHosts).toEqual([]);
    expect(
      loadConfig({ ...base, WIRE_ALLOW_HOSTS: '127.0.0.1, Feeds.Intranet,10.0.0.0/8' }).wireAllowHosts,
    ).toEqual(['127.0.0.1', 'feeds.intranet', '10.0.0.0/8']);
    expect(problems({ WIRE_ALLOW_HOSTS: 'http://x/' })[0]).toMatch(
      /^WIRE_ALLOW_HOSTS\.\d+: expected host names/,
    );
  });

  it('names each bad variable on a line of its own', () => {
    const lines = problems({ PORT: 'eighty', DATABASE_URL: 'mysql://x', PUBLIC_URL: 'not a url' });
    expect(lines).toHaveLength(3);
    expect(lines.some((l) => l.startsWith('PORT:'))).toBe(true);
    expect(lines.some((l) => l.startsWith('DATABASE_URL:') && l.includes('sqlite:PATH'))).toBe(true);
    expect(lines.some((l) => l.startsWith('PUBLIC_URL:'))).toBe(true);
  });

  it('requires a session secret in production', () => {
    expect(problems({ ...production, SESSION_SECRET: '', PUBLIC_URL: 'https://news.example' })).toEqual([
      'SESSION_SECRET: required in production (at least 32 random characters)',
    ]);
  });

  it('requires an https public URL in production', () => {
    expect(problems(production)).toEqual([
      'PUBLIC_URL: required in production, as the https:// address readers use (cookies are Secure only then)',
    ]);
    expect(problems({ ...production, PUBLIC_URL: 'https://news.example' })).toEqual([]);
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

  it('takes a Redis URL for the meter and rate limits, and refuses anything else', () => {
    expect(loadConfig({ ...base, REDIS_URL: 'redis://127.0.0.1:6379' }).redisUrl).toBe(
      'redis://127.0.0.1:6379',
    );
    expect(loadConfig(base).redisUrl).toBeUndefined();
    expect(problems({ REDIS_URL: 'http://127.0.0.1:6379' })[0]).toMatch(/^REDIS_URL: expected redis:\/\//);
  });

  describe('payment gateway', () => {
    it('is the sandbox by default, with no keys', () => {
      expect(loadConfig(base).paymentGateway).toEqual({ name: 'sandbox' });
      expect(loadConfig({ ...base, PAYMENT_GATEWAY: 'sandbox' }).paymentGateway).toEqual({ name: 'sandbox' });
    });

    it('refuses a gateway it does not know', () => {
      expect(problems({ PAYMENT_GATEWAY: 'paypal' })).toEqual([
        'PAYMENT_GATEWAY: expected sandbox, stripe or razorpay',
      ]);
    });

    it('is Stripe with its secret key and webhook signing secret', () => {
      const config = loadConfig({ ...base, ...stripeKeys });
      expect(config.paymentGateway).toEqual({
        name: 'stripe',
        secretKey: 'sk_test_51Masthead',
        webhookSecret: 'whsec_masthead',
      });
      expect(Object.isFrozen(config.paymentGateway)).toBe(true);
      expect(
        loadConfig({ ...base, ...stripeKeys, STRIPE_SECRET_KEY: 'rk_live_restricted' }).paymentGateway,
      ).toMatchObject({ secretKey: 'rk_live_restricted' });
    });

    it("names each of Stripe's missing keys on a line of its own", () => {
      expect(problems({ PAYMENT_GATEWAY: 'stripe' })).toEqual([
        'STRIPE_SECRET_KEY: required with PAYMENT_GATEWAY=stripe (a secret key from the Stripe dashboard: sk_live_…, sk_test_… or a restricted rk_… key)',
        "STRIPE_WEBHOOK_SECRET: required with PAYMENT_GATEWAY=stripe (the webhook endpoint's signing secret, whsec_…)",
      ]);
      // An empty variable is as good as an unset one.
      expect(problems({ ...stripeKeys, STRIPE_WEBHOOK_SECRET: '' })).toEqual([
        "STRIPE_WEBHOOK_SECRET: required with PAYMENT_GATEWAY=stripe (the webhook endpoint's signing secret, whsec_…)",
      ]);
    });

    it("refuses Stripe keys that are not Stripe's (a publishable key, a swapped secret)", () => {
      expect(
        problems({
          ...stripeKeys,
          STRIPE_SECRET_KEY: 'pk_test_publishable',
          STRIPE_WEBHOOK_SECRET: 'sk_test_x',
        }),
      ).toEqual([
        'STRIPE_SECRET_KEY: expected a secret key from the Stripe dashboard: sk_live_…, sk_test_… or a restricted rk_… key',
        "STRIPE_WEBHOOK_SECRET: expected the webhook endpoint's signing secret, whsec_…",
      ]);
      expect(problems({ ...stripeKeys, STRIPE_SECRET_KEY: 'sk_' })[0]).toMatch(
        /^STRIPE_SECRET_KEY: expected/,
      );
    });

    it('is Razorpay with its key id, key secret and webhook secret', () => {
      expect(loadConfig({ ...base, ...razorpayKeys }).paymentGateway).toEqual({
        name: 'razorpay',
        keyId: 'rzp_test_Masthead',
        keySecret: 'key-secret',
        webhookSecret: 'webhook-secret',
      });
    });

    it("names each of Razorpay's missing keys on a line of its own", () => {
      expect(problems({ PAYMENT_GATEWAY: 'razorpay' })).toEqual([
        'RAZORPAY_KEY_ID: required with PAYMENT_GATEWAY=razorpay (the key id from the Razorpay dashboard, rzp_live_… or rzp_test_…)',
        'RAZORPAY_KEY_SECRET: required with PAYMENT_GATEWAY=razorpay (the key secret shown with the key id)',
        'RAZORPAY_WEBHOOK_SECRET: required with PAYMENT_GATEWAY=razorpay (the secret set on the Razorpay webhook)',
      ]);
      expect(problems({ ...razorpayKeys, RAZORPAY_KEY_ID: 'key_123', RAZORPAY_KEY_SECRET: '   ' })).toEqual([
        'RAZORPAY_KEY_ID: expected the key id from the Razorpay dashboard, rzp_live_… or rzp_test_…',
        'RAZORPAY_KEY_SECRET: expected the key secret shown with the key id',
      ]);
    });

    it("asks only for the chosen gateway's keys", () => {
      expect(problems({ ...stripeKeys, RAZORPAY_KEY_ID: 'not-a-key' })).toEqual([]);
      expect(problems({ STRIPE_SECRET_KEY: 'not-a-key' })).toEqual([]);
    });

    it("reaches the provider's API at another base URL when told (a stand-in, an egress proxy)", () => {
      expect(
        loadConfig({ ...base, ...stripeKeys, STRIPE_API_URL: 'http://127.0.0.1:12111/' }).paymentGateway,
      ).toEqual({
        ...loadConfig({ ...base, ...stripeKeys }).paymentGateway,
        apiUrl: 'http://127.0.0.1:12111',
      });
      expect(
        loadConfig({ ...base, ...razorpayKeys, RAZORPAY_API_URL: 'https://egress.internal/razorpay/' })
          .paymentGateway,
      ).toMatchObject({ apiUrl: 'https://egress.internal/razorpay' });
      // The Stripe SDK takes a host, a port and a protocol: a path would be dropped without a word.
      for (const bad of ['https://egress.internal/stripe', 'ftp://api.stripe.com', 'api.stripe.com']) {
        expect(problems({ ...stripeKeys, STRIPE_API_URL: bad }), bad).toEqual([
          'STRIPE_API_URL: expected an http(s) URL with no path, such as https://api.stripe.com',
        ]);
      }
      expect(problems({ ...razorpayKeys, RAZORPAY_API_URL: 'not a url' })).toEqual([
        'RAZORPAY_API_URL: expected an http(s) URL, such as https://api.razorpay.com',
      ]);
    });

    it('refuses the sandbox in production, where money must be real', () => {
      const live = { NODE_ENV: 'production', PUBLIC_URL: 'https://news.example' };
      const refusal =
        'PAYMENT_GATEWAY: the sandbox takes no real money; choose stripe or razorpay in production';
      expect(problems(live)).toEqual([refusal]);
      expect(problems({ ...live, PAYMENT_GATEWAY: 'sandbox' })).toEqual([refusal]);
      expect(problems({ ...live, ...stripeKeys })).toEqual([]);
      expect(problems({ ...live, ...razorpayKeys })).toEqual([]);
      // Outside production the sandbox is the quick start's gateway.
      expect(problems({ NODE_ENV: 'development' })).toEqual([]);
    });

    it('reports every problem at once, gateway and production alike', () => {
      expect(problems({ NODE_ENV: 'production', PAYMENT_GATEWAY: 'stripe', SESSION_SECRET: '' })).toEqual([
        'SESSION_SECRET: required in production (at least 32 random characters)',
        'PUBLIC_URL: required in production, as the https:// address readers use (cookies are Secure only then)',
        'STRIPE_SECRET_KEY: required with PAYMENT_GATEWAY=stripe (a secret key from the Stripe dashboard: sk_live_…, sk_test_… or a restricted rk_… key)',
        "STRIPE_WEBHOOK_SECRET: required with PAYMENT_GATEWAY=stripe (the webhook endpoint's signing secret, whsec_…)",
      ]);
    });
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
