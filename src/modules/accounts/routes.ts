import { createHash } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { singleLine } from '../../kernel/validation.js';
import { AppError } from '../../kernel/errors.js';
import type { RateLimiter, RateLimitRule } from '../rate-limit/index.js';
import type { AccountPrivacy } from './privacy.js';
import type { AccountLinks } from './links.js';
import type { AccountService, Device, SessionLookup, SignedIn } from './service.js';
import { normaliseEmail, type SessionKind } from './domain.js';

export const sessionCookie = 'mh_session';

export interface Authenticated {
  readonly kind: SessionKind;
  readonly token: string;
  readonly lookup: SessionLookup;
}

/** The session a request carries: a bearer access token (app) or the session cookie (web). */
export async function authenticate(
  request: FastifyRequest,
  accounts: AccountService,
): Promise<Authenticated | undefined> {
  const bearer = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '')?.[1];
  if (bearer) return { kind: 'app', token: bearer, lookup: await accounts.lookup(bearer, 'app') };
  const cookie = sessionTokenOf(request);
  if (cookie) return { kind: 'web', token: cookie, lookup: await accounts.lookup(cookie, 'web') };
  return undefined;
}

/**
 * The session token of the `mh_session` cookie. The cookie is signed as well as random: a
 * forged or mangled one is refused here, before any lookup.
 */
function sessionTokenOf(request: FastifyRequest): string | undefined {
  const raw = request.cookies[sessionCookie];
  if (raw === undefined) return undefined;
  const unsigned = request.unsignCookie(raw);
  return unsigned.valid && unsigned.value ? unsigned.value : undefined;
}

/**
 * The signed-in reader of an API call, or a 401 saying why not (including why a device was
 * signed out). For any module's JSON routes.
 */
export async function requireReader(request: FastifyRequest, reply: FastifyReply) {
  const auth = await request.readerSession();
  if (auth?.lookup.status === 'live') return { ...auth.lookup, kind: auth.kind, token: auth.token };
  if (auth?.kind === 'web') clearSessionCookie(reply);
  throw new AppError(
    'unauthorized',
    auth?.lookup.status === 'ended' ? auth.lookup.message : 'Sign in first.',
  );
}

/** The fields of signing up and signing in, for the JSON API and the forms alike. */
export const accountFields = {
  email: z.email({ error: 'expected an email address' }).max(254),
  password: z.string().min(1, 'expected a password').max(512, 'expected at most 512 characters'),
  name: singleLine(z.string().trim().max(120)).optional(),
};
const Credentials = z.object({
  email: accountFields.email,
  password: accountFields.password,
  client: z.enum(['web', 'app']).default('web'),
});
const Registration = Credentials.extend({ name: accountFields.name });

/**
 * Attempt limits: per address (generous: offices share one), per address and account, and per
 * account. The per-account limit slows a guesser who spreads over many addresses; it is not
 * applied to a device the account knows (`knownDeviceCookie`), so nobody else's failures can
 * refuse the owner's correct password there.
 */
export const attemptLimits = {
  signUpByAddress: { name: 'sign-up:ip', limit: 20, windowMs: 60 * 60_000 },
  signInByAddress: { name: 'sign-in:ip', limit: 100, windowMs: 15 * 60_000 },
  signInByAddressAndAccount: { name: 'sign-in:ip-account', limit: 10, windowMs: 15 * 60_000 },
  signInByAccount: { name: 'sign-in:account', limit: 10, windowMs: 15 * 60_000 },
  refreshByAddress: { name: 'refresh:ip', limit: 120, windowMs: 15 * 60_000 },
} as const satisfies Record<string, RateLimitRule>;

/**
 * A signed cookie naming the accounts that signed in on this device, and when: up to five
 * entries of a 96-bit digest of the address and the time. It lets the device past limits kept
 * per account, never past those per address. An entry older than the account's last change (a
 * new password, the first proof of the address) is not honoured, so a device that signed in
 * before a takeover or a reset is a stranger again.
 */
export const knownDeviceCookie = 'mh_known';
const knownDeviceEntries = 5;
const knownDeviceMaxAgeSeconds = 400 * 24 * 60 * 60;

interface KnownEntry {
  readonly key: string;
  readonly since: number;
}

const accountKey = (email: string) =>
  createHash('sha256').update(normaliseEmail(email)).digest('base64url').slice(0, 16);

function knownEntries(request: FastifyRequest): KnownEntry[] {
  const raw = request.cookies[knownDeviceCookie];
  if (raw === undefined) return [];
  const unsigned = request.unsignCookie(raw);
  if (!unsigned.valid || !unsigned.value) return [];
  return unsigned.value.split('.').flatMap((entry) => {
    const [key, time] = entry.split('~');
    const since = time === undefined ? NaN : parseInt(time, 36);
    return key && Number.isSafeInteger(since) ? [{ key, since }] : [];
  });
}

/** When this device last signed in to the account of `email`, by its cookie; undefined if never. */
export function knownDeviceSince(request: FastifyRequest, email: string): number | undefined {
  const key = accountKey(email);
  return knownEntries(request).find((entry) => entry.key === key)?.since;
}

/** Files the account in the device's known-device cookie, newest first; `at` in ms since the epoch. */
export function rememberDevice(
  request: FastifyRequest,
  reply: FastifyReply,
  email: string,
  at: number,
  secure: boolean,
): void {
  const key = accountKey(email);
  const entries = [{ key, since: at }, ...knownEntries(request).filter((entry) => entry.key !== key)];
  const value = entries
    .slice(0, knownDeviceEntries)
    .map((entry) => `${entry.key}~${entry.since.toString(36)}`)
    .join('.');
  reply.setCookie(knownDeviceCookie, value, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    maxAge: knownDeviceMaxAgeSeconds,
  });
}

/** Counts an attempt; throws 429, with Retry-After on `reply`, when there have been too many. */
export async function limitAttempt(
  limiter: RateLimiter,
  reply: FastifyReply,
  rule: RateLimitRule,
  key: string,
): Promise<void> {
  const decision = await limiter.check(rule, key);
  if (decision.allowed) return;
  reply.header('retry-after', String(decision.retryAfterSeconds));
  throw new AppError(
    'rate_limited',
    `Too many attempts; try again in ${decision.retryAfterSeconds} seconds.`,
  );
}

/**
 * Counts a sign-in attempt against the address it comes from, that address with the account it
 * names, and the account — the last only when the device is not one the account knows.
 */
export async function limitSignIn(
  deps: { readonly limiter: RateLimiter; readonly accounts: Pick<AccountService, 'recognisesDevice'> },
  request: FastifyRequest,
  reply: FastifyReply,
  email: string,
) {
  const { limiter, accounts } = deps;
  const account = normaliseEmail(email);
  await limitAttempt(limiter, reply, attemptLimits.signInByAddress, request.ip);
  await limitAttempt(limiter, reply, attemptLimits.signInByAddressAndAccount, `${request.ip} ${account}`);
  const since = knownDeviceSince(request, account);
  if (since !== undefined && (await accounts.recognisesDevice(account, since))) return;
  await limitAttempt(limiter, reply, attemptLimits.signInByAccount, account);
}

/** The device a request comes from, with its anonymous reader id (read, never created). */
export function deviceOf(
  request: FastifyRequest,
  anonymousReaderId: (request: FastifyRequest) => string | undefined,
): Device {
  return {
    userAgent: request.headers['user-agent'] ?? '',
    ip: request.ip,
    anonymousReaderId: anonymousReaderId(request),
  };
}

/**
 * Hands a browser its new session in the `mh_session` cookie (HttpOnly, SameSite=Lax, Secure
 * when the site is https), and files the account in its known-device cookie. A session the
 * device had before ends: a new id every time.
 */
export async function startWebSession(
  request: FastifyRequest,
  reply: FastifyReply,
  accounts: AccountService,
  signedIn: Extract<SignedIn, { kind: 'web' }>,
  secure: boolean,
): Promise<void> {
  const previous = sessionTokenOf(request);
  if (previous) await accounts.signOut(previous, 'web');
  rememberDevice(request, reply, signedIn.account.email, Date.parse(signedIn.signedInAt), secure);
  reply.setCookie(sessionCookie, signedIn.sessionToken, {
    signed: true,
    httpOnly: true,
    sameSite: 'lax',
    secure,
    path: '/',
    expires: new Date(signedIn.expiresAt),
  });
}

/** What signing a reader up or in from a form needs (`/login`, the inline forms of `/subscribe`). */
export type FormSessionDeps = Pick<
  AccountRouteDeps,
  'accounts' | 'limiter' | 'secureCookies' | 'anonymousReaderId' | 'links'
>;

/**
 * Signs the reader up (`new`) or in (`existing`) from a form on another module's page, with the
 * same attempt limits as `/login`, and hands the browser its session. A new address is sent its
 * confirmation link, as on signing up at `/login`.
 */
export async function openFormSession(
  deps: FormSessionDeps,
  request: FastifyRequest,
  reply: FastifyReply,
  kind: 'new' | 'existing',
  input: { email: string; password: string; name: string },
): Promise<Extract<SignedIn, { kind: 'web' }>> {
  const { accounts, limiter } = deps;
  const device = deviceOf(request, deps.anonymousReaderId);
  let signedIn: SignedIn;
  if (kind === 'existing') {
    await limitSignIn({ limiter, accounts }, request, reply, input.email);
    signedIn = await accounts.signIn({ email: input.email, password: input.password }, 'web', device);
  } else {
    await limitAttempt(limiter, reply, attemptLimits.signUpByAddress, request.ip);
    signedIn = await accounts.register(
      { email: input.email, password: input.password, name: input.name || undefined },
      'web',
      device,
    );
    deps.links.sendConfirmation(signedIn.account.id, request.log);
  }
  if (signedIn.kind !== 'web') throw new Error('a form opened an app session');
  await startWebSession(request, reply, accounts, signedIn, deps.secureCookies);
  return signedIn;
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(sessionCookie, { path: '/' });
}

export interface AccountRouteDeps {
  readonly accounts: AccountService;
  readonly privacy: AccountPrivacy;
  readonly limiter: RateLimiter;
  readonly secureCookies: boolean;
  /** The device's anonymous reader id (read, never created, here). */
  readonly anonymousReaderId: (request: FastifyRequest) => string | undefined;
  /** Mails a new account the link that confirms its address. */
  readonly links: Pick<AccountLinks, 'sendConfirmation'>;
  /**
   * What the reader's subscription gives them, for `/api/v1/me`: provided by billing, so that
   * accounts need not know about subscriptions.
   */
  readonly membership: (accountId: string) => Promise<{ entitlements: string[]; subscription: unknown }>;
}

/** `/api/v1/auth/*`, `/api/v1/me` and `/api/v1/sessions`. */
export async function accountRoutes(app: FastifyInstance, deps: AccountRouteDeps): Promise<void> {
  const { accounts, privacy, limiter, secureCookies, anonymousReaderId } = deps;
  const limit = (reply: FastifyReply, rule: RateLimitRule, key: string) =>
    limitAttempt(limiter, reply, rule, key);
  const r = app.withTypeProvider<ZodTypeProvider>();
  const tags = ['accounts'];

  const device = (request: FastifyRequest) => deviceOf(request, anonymousReaderId);

  async function answer(request: FastifyRequest, reply: FastifyReply, signedIn: SignedIn) {
    if (signedIn.kind === 'app') {
      const { accessToken, refreshToken, expiresIn, account } = signedIn;
      return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn, account };
    }
    await startWebSession(request, reply, accounts, signedIn, secureCookies);
    return { account: signedIn.account };
  }

  const requireSession = (request: FastifyRequest, reply: FastifyReply) => requireReader(request, reply);

  r.post(
    '/api/v1/auth/register',
    { schema: { tags, summary: 'Create an account and sign in', body: Registration } },
    async (request, reply) => {
      const { client, ...input } = request.body;
      await limit(reply, attemptLimits.signUpByAddress, request.ip);
      const signedIn = await accounts.register(input, client, device(request));
      deps.links.sendConfirmation(signedIn.account.id, request.log);
      return reply.status(201).send(await answer(request, reply, signedIn));
    },
  );

  r.post(
    '/api/v1/auth/login',
    { schema: { tags, summary: 'Sign in with email and password', body: Credentials } },
    async (request, reply) => {
      const { client, ...input } = request.body;
      await limitSignIn(deps, request, reply, input.email);
      return answer(request, reply, await accounts.signIn(input, client, device(request)));
    },
  );

  r.post(
    '/api/v1/auth/refresh',
    {
      schema: {
        tags,
        summary: 'Exchange a refresh token for new tokens',
        body: z.object({ refreshToken: z.string().min(1).max(200) }),
      },
    },
    async (request, reply) => {
      await limit(reply, attemptLimits.refreshByAddress, request.ip);
      const { accessToken, refreshToken, expiresIn, account } = await accounts.refresh(
        request.body.refreshToken,
      );
      return { accessToken, refreshToken, tokenType: 'Bearer', expiresIn, account };
    },
  );

  r.post(
    '/api/v1/auth/logout',
    { schema: { tags, summary: 'Sign out this device' } },
    async (request, reply) => {
      const auth = await request.readerSession();
      if (auth) await accounts.signOut(auth.token, auth.kind, anonymousReaderId(request));
      if (auth?.kind === 'web' || request.cookies[sessionCookie]) clearSessionCookie(reply);
      return reply.status(204).send();
    },
  );

  r.get('/api/v1/me', { schema: { tags, summary: 'The signed-in reader' } }, async (request, reply) => {
    const session = await requireSession(request, reply);
    const account = await accounts.account(session.account.id);
    if (!account) throw new AppError('unauthorized', 'Sign in first.');
    return { reader: account, ...(await deps.membership(account.id)) };
  });

  r.get(
    '/api/v1/me/export',
    { schema: { tags, summary: "A copy of everything kept about the reader's account" } },
    async (request, reply) => {
      const session = await requireSession(request, reply);
      return privacy.exportData(session.account.id);
    },
  );

  r.delete(
    '/api/v1/me',
    { schema: { tags, summary: "Delete the reader's account, signing out every device" } },
    async (request, reply) => {
      const session = await requireSession(request, reply);
      // There are no paid subscriptions yet; once there are, deleting must first cancel them.
      await privacy.deleteAccount(session.account.id, {
        anonymousReaderId: session.kind === 'web' ? anonymousReaderId(request) : undefined,
      });
      if (session.kind === 'web') clearSessionCookie(reply);
      return reply.status(204).send();
    },
  );

  r.get(
    '/api/v1/sessions',
    { schema: { tags, summary: "The reader's signed-in devices" } },
    async (request, reply) => {
      const session = await requireSession(request, reply);
      return { sessions: await accounts.sessions(session.account.id, session.sessionId) };
    },
  );

  r.delete(
    '/api/v1/sessions/:id',
    {
      schema: {
        tags,
        summary: 'Sign out one device',
        params: z.object({ id: z.string().regex(/^ses_[0-9a-z]{26}$/, 'expected a session id') }),
      },
    },
    async (request, reply) => {
      const session = await requireSession(request, reply);
      await accounts.endSession(session.account.id, request.params.id);
      return reply.status(204).send();
    },
  );

  r.delete(
    '/api/v1/sessions',
    { schema: { tags, summary: 'Sign out every other device' } },
    async (request, reply) => {
      const session = await requireSession(request, reply);
      return { ended: await accounts.endOtherSessions(session.account.id, session.sessionId) };
    },
  );
}
