import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';
import { defaultCrawlerCidrs } from './crawler-cidrs.js';

/** Everything Masthead reads from its environment, validated once and frozen. */
export interface Config {
  readonly nodeEnv: 'development' | 'production' | 'test';
  readonly host: string;
  readonly port: number;
  readonly publicUrl: string;
  readonly databaseUrl: string;
  /** The meter's and the rate limiter's store, shared by instances; undefined: the database. */
  readonly redisUrl: string | undefined;
  readonly sessionSecret: string;
  readonly logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** CIDR ranges whose requests claiming to be a search crawler see full text. */
  readonly crawlerCidrs: readonly string[];
  /** The proxies whose X-Forwarded-For is believed (Fastify's trustProxy); none by default. */
  readonly trustProxy: false | readonly string[];
  /** The payment processor, with its keys; the sandbox is Masthead's own and needs none. */
  readonly paymentGateway: PaymentGatewayConfig;
  /** Seed the demo newsroom when the database is empty (the quick start). */
  readonly seedDemoOnEmpty: boolean;
  /** Where mail goes (`smtp://` or `smtps://`); unset, it is kept in the outbox table. */
  readonly smtpUrl?: string;
  /** The sender of mail; without a name, the publication's name is shown. */
  readonly mailFrom: MailFrom;
  /** Where Masthead keeps its files (the development session secret, e-paper PDFs and page images). */
  readonly dataDir: string;
  /** The largest e-paper PDF staff may upload, in bytes. */
  readonly epaperMaxBytes: number;
  /**
   * Hosts, addresses or CIDR ranges a wire feed may be fetched from although they are not
   * public (an agency's feed on the intranet, a test server on 127.0.0.1); none by default.
   */
  readonly wireAllowHosts: readonly string[];
}

/**
 * `apiUrl` is the provider's API base URL, for a local stand-in or an egress proxy; unset, the
 * adapter talks to the provider itself.
 */
export type PaymentGatewayConfig =
  | { readonly name: 'sandbox' }
  | {
      readonly name: 'stripe';
      readonly secretKey: string;
      readonly webhookSecret: string;
      readonly apiUrl?: string;
    }
  | {
      readonly name: 'razorpay';
      readonly keyId: string;
      readonly keySecret: string;
      readonly webhookSecret: string;
      readonly apiUrl?: string;
    };

export interface MailFrom {
  readonly name?: string;
  readonly address: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'ConfigError';
  }
}

function isCidr(value: string): boolean {
  try {
    ipaddr.parseCIDR(value);
    return true;
  } catch {
    return false;
  }
}

const cidr = z.string().refine(isCidr, 'expected a CIDR range such as 66.249.64.0/19');

function isSmtpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'smtp:' || url.protocol === 'smtps:') && url.hostname !== '';
  } catch {
    return false;
  }
}

const mailbox = /^(?:(?<name>[^<>\r\n]*?)\s*<(?<angle>[^<>\s]+)>|(?<bare>[^<>\s]+))$/;
// HTML's rule rather than zod's stricter default: `no-reply@localhost` is a fair development sender.
const mailAddress = z.email({ pattern: z.regexes.html5Email });

/** `address` or `Name <address>` (the name may be quoted), or undefined if it is neither. */
function parseMailbox(value: string): MailFrom | undefined {
  const groups = mailbox.exec(value.trim())?.groups;
  const address = groups?.angle ?? groups?.bare;
  if (address === undefined || !mailAddress.safeParse(address).success) return undefined;
  const name = groups?.name?.replace(/^"(.*)"$/, '$1').trim();
  return name ? { name, address } : { address };
}

/** `no-reply@` the public host, or `no-reply@localhost` while the site is reached by IP address. */
function defaultMailFrom(publicUrl: string): MailFrom {
  const host = new URL(publicUrl).hostname.replace(/^\[(.*)\]$/, '$1');
  return { address: `no-reply@${ipaddr.isValid(host) ? 'localhost' : host}` };
}

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().min(1).default('127.0.0.1'),
  PORT: z.coerce
    .number({ error: 'expected a port number from 0 to 65535' })
    .int('expected a port number from 0 to 65535')
    .min(0, 'expected a port number from 0 to 65535')
    .max(65535, 'expected a port number from 0 to 65535')
    .default(3000),
  PUBLIC_URL: z.url({ protocol: /^https?$/, error: 'expected an absolute http(s) URL' }).optional(),
  DATABASE_URL: z
    .string()
    .regex(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, 'expected sqlite:PATH or postgres://…')
    .default('sqlite:./data/masthead.db'),
  REDIS_URL: z
    .string()
    .regex(
      /^rediss?:\/\/.+$/,
      'expected redis://host:6379 or rediss://… (unset: the meter lives in the database)',
    )
    .optional(),
  SESSION_SECRET: z.string().min(32, 'expected at least 32 characters').optional(),
  SMTP_URL: z.string().refine(isSmtpUrl, 'expected smtp://user:pass@host:587 or smtps://…').optional(),
  MAIL_FROM: z
    .string()
    .transform((value, ctx) => {
      const from = parseMailbox(value);
      if (from) return from;
      ctx.addIssue({
        code: 'custom',
        message:
          'expected an address such as no-reply@news.example, or "The Daily Ledger <no-reply@news.example>"',
      });
      return z.NEVER;
    })
    .optional(),
  PAYMENT_GATEWAY: z
    .enum(['sandbox', 'stripe', 'razorpay'], 'expected sandbox, stripe or razorpay')
    .default('sandbox'),
  // The providers' keys are checked once the gateway is known: a stale key of a gateway not in
  // use is no reason to refuse to start.
  STRIPE_SECRET_KEY: z.string().optional(),
  STRIPE_WEBHOOK_SECRET: z.string().optional(),
  STRIPE_API_URL: z.string().optional(),
  RAZORPAY_KEY_ID: z.string().optional(),
  RAZORPAY_KEY_SECRET: z.string().optional(),
  RAZORPAY_WEBHOOK_SECRET: z.string().optional(),
  RAZORPAY_API_URL: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  CRAWLER_CIDRS: z
    .string()
    .optional()
    .transform((value) =>
      value === undefined
        ? undefined
        : value
            .split(',')
            .map((part) => part.trim())
            .filter(Boolean),
    )
    .pipe(z.array(cidr).optional()),
  // A list of proxy addresses/ranges, never "true": trusting every hop would let a client
  // choose its own address with X-Forwarded-For (and pose as a verified crawler).
  TRUST_PROXY: z
    .string()
    .optional()
    .transform((value) =>
      value === undefined || value === 'false'
        ? undefined
        : value
            .split(',')
            .map((part) => part.trim())
            .filter(Boolean),
    )
    .pipe(
      z
        .array(
          z
            .string()
            .refine(
              (part) => ipaddr.IPv4.isValidFourPartDecimal(part) || ipaddr.IPv6.isValid(part) || isCidr(part),
              'expected the proxy addresses or CIDR ranges to trust, e.g. 10.0.0.5,10.1.0.0/16',
            ),
        )
        .optional(),
    ),
  SEED_DEMO: z.enum(['true', 'false'], 'expected true or false').default('true'),
  DATA_DIR: z.string().default('./data'),
  EPAPER_MAX_MB: z.coerce
    .number({ error: 'expected a size in megabytes, such as 100' })
    .positive('expected a size in megabytes above 0, such as 100')
    .max(2048, 'expected at most 2048 (2 GB)')
    .default(100),
  WIRE_ALLOW_HOSTS: z
    .string()
    .optional()
    .transform((value) =>
      (value ?? '')
        .split(',')
        .map((part) => part.trim().toLowerCase())
        .filter(Boolean),
    )
    .pipe(
      z.array(
        z
          .string()
          .refine(
            (part) => /^[a-z0-9.-]+$/.test(part) || ipaddr.isValid(part) || isCidr(part),
            'expected host names, addresses or CIDR ranges, comma-separated, e.g. feeds.intranet,10.0.0.0/8',
          ),
      ),
    ),
});

/**
 * Reads the configuration from `env`. Every mistake is reported at once, one line each,
 * naming the variable and what it expects.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>> = process.env): Config {
  const parsed = envSchema.safeParse(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '')));
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`));
  }
  const e = parsed.data;
  const problems: string[] = [];
  if (e.NODE_ENV === 'production' && e.SESSION_SECRET === undefined) {
    problems.push('SESSION_SECRET: required in production (at least 32 random characters)');
  }
  if (e.NODE_ENV === 'production' && !e.PUBLIC_URL?.startsWith('https://')) {
    problems.push(
      'PUBLIC_URL: required in production, as the https:// address readers use (cookies are Secure only then)',
    );
  }
  const paymentGateway = paymentGatewayConfig(e, problems);
  if (e.NODE_ENV === 'production' && e.PAYMENT_GATEWAY === 'sandbox') {
    problems.push(
      'PAYMENT_GATEWAY: the sandbox takes no real money; choose stripe or razorpay in production',
    );
  }
  if (problems.length > 0 || paymentGateway === undefined) throw new ConfigError(problems);

  const publicUrl = (e.PUBLIC_URL ?? `http://${e.HOST}:${e.PORT}`).replace(/\/+$/, '');
  return Object.freeze({
    nodeEnv: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    sessionSecret: e.SESSION_SECRET ?? developmentSecret(e.DATA_DIR),
    logLevel: e.LOG_LEVEL,
    crawlerCidrs: Object.freeze(e.CRAWLER_CIDRS ?? [...defaultCrawlerCidrs]),
    trustProxy: e.TRUST_PROXY ?? false,
    paymentGateway: Object.freeze(paymentGateway),
    seedDemoOnEmpty: e.SEED_DEMO === 'true',
    smtpUrl: e.SMTP_URL,
    mailFrom: Object.freeze(e.MAIL_FROM ?? defaultMailFrom(publicUrl)),
    dataDir: resolve(e.DATA_DIR),
    epaperMaxBytes: Math.round(e.EPAPER_MAX_MB * 1024 * 1024),
    wireAllowHosts: Object.freeze(e.WIRE_ALLOW_HOSTS),
  });
}

type Env = z.infer<typeof envSchema>;

/** The value of a provider's variable, or undefined with a line in `problems` saying what is expected. */
function required(
  name: string,
  value: string | undefined,
  expected: { readonly test: (value: string) => boolean; readonly description: string },
  gateway: string,
  problems: string[],
): string | undefined {
  if (value === undefined) {
    problems.push(`${name}: required with PAYMENT_GATEWAY=${gateway} (${expected.description})`);
    return undefined;
  }
  if (!expected.test(value)) {
    problems.push(`${name}: expected ${expected.description}`);
    return undefined;
  }
  return value;
}

const prefixed = (prefixes: readonly string[], description: string) => ({
  test: (value: string) =>
    prefixes.some((prefix) => value.startsWith(prefix) && value.length > prefix.length),
  description,
});
const nonBlank = (description: string) => ({ test: (value: string) => value.trim() !== '', description });

/**
 * An http(s) URL with nothing after the host but `/`: the Stripe SDK takes a host, a port and a
 * protocol, and would silently drop a path, so one is refused rather than ignored.
 */
function isApiOrigin(value: string): boolean {
  try {
    const url = new URL(value);
    return (
      (url.protocol === 'http:' || url.protocol === 'https:') &&
      url.hostname !== '' &&
      url.pathname === '/' &&
      url.search === '' &&
      url.hash === '' &&
      url.username === '' &&
      url.password === ''
    );
  } catch {
    return false;
  }
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** The chosen gateway with its keys, or undefined when a key is missing or malformed (each said in `problems`). */
function paymentGatewayConfig(e: Env, problems: string[]): PaymentGatewayConfig | undefined {
  switch (e.PAYMENT_GATEWAY) {
    case 'sandbox':
      return { name: 'sandbox' };
    case 'stripe': {
      const secretKey = required(
        'STRIPE_SECRET_KEY',
        e.STRIPE_SECRET_KEY,
        prefixed(
          ['sk_', 'rk_'],
          'a secret key from the Stripe dashboard: sk_live_…, sk_test_… or a restricted rk_… key',
        ),
        'stripe',
        problems,
      );
      const webhookSecret = required(
        'STRIPE_WEBHOOK_SECRET',
        e.STRIPE_WEBHOOK_SECRET,
        prefixed(['whsec_'], "the webhook endpoint's signing secret, whsec_…"),
        'stripe',
        problems,
      );
      if (e.STRIPE_API_URL !== undefined && !isApiOrigin(e.STRIPE_API_URL)) {
        problems.push('STRIPE_API_URL: expected an http(s) URL with no path, such as https://api.stripe.com');
      }
      if (secretKey === undefined || webhookSecret === undefined) return undefined;
      return {
        name: 'stripe',
        secretKey,
        webhookSecret,
        ...(e.STRIPE_API_URL === undefined ? {} : { apiUrl: e.STRIPE_API_URL.replace(/\/+$/, '') }),
      };
    }
    case 'razorpay': {
      const keyId = required(
        'RAZORPAY_KEY_ID',
        e.RAZORPAY_KEY_ID,
        prefixed(['rzp_'], 'the key id from the Razorpay dashboard, rzp_live_… or rzp_test_…'),
        'razorpay',
        problems,
      );
      const keySecret = required(
        'RAZORPAY_KEY_SECRET',
        e.RAZORPAY_KEY_SECRET,
        nonBlank('the key secret shown with the key id'),
        'razorpay',
        problems,
      );
      const webhookSecret = required(
        'RAZORPAY_WEBHOOK_SECRET',
        e.RAZORPAY_WEBHOOK_SECRET,
        nonBlank('the secret set on the Razorpay webhook'),
        'razorpay',
        problems,
      );
      if (e.RAZORPAY_API_URL !== undefined && !isHttpUrl(e.RAZORPAY_API_URL)) {
        problems.push('RAZORPAY_API_URL: expected an http(s) URL, such as https://api.razorpay.com');
      }
      if (keyId === undefined || keySecret === undefined || webhookSecret === undefined) return undefined;
      return {
        name: 'razorpay',
        keyId,
        keySecret,
        webhookSecret,
        ...(e.RAZORPAY_API_URL === undefined ? {} : { apiUrl: e.RAZORPAY_API_URL.replace(/\/+$/, '') }),
      };
    }
  }
}

/** Outside production a secret is generated once and kept in the data directory. */
function developmentSecret(dataDir: string): string {
  const file = resolve(dataDir, 'session-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(32).toString('base64url');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, secret + '\n', { mode: 0o600 });
  return secret;
}
