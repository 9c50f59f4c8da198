import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { monotonicFactory } from 'ulidx';
import type { Database } from '../../../db/schema.js';
import type { Clock } from '../../../kernel/clock.js';

/**
 * The sandbox's webhooks: its own event format (Stripe-like), the signature over each body, and
 * the dispatcher that sends queued events to Masthead — later, from a timer, never inside the
 * request that caused them, as a real processor's would arrive.
 */

export type SandboxEventType =
  | 'checkout.session.completed'
  | 'checkout.session.expired'
  | 'charge.succeeded'
  | 'charge.failed'
  | 'charge.refunded';

/** A checkout session as events carry it. Times are unix seconds, as in the envelope. */
export interface SandboxSessionObject {
  readonly object: 'checkout.session';
  readonly id: string;
  readonly mode: 'payment' | 'setup';
  readonly status: string;
  readonly amount: number;
  readonly currency: string;
  readonly description: string;
  /** The merchant's reference (Masthead's checkout id). */
  readonly reference: string;
  readonly customer: string;
  readonly payment_method: string | null;
  readonly charge: string | null;
  readonly failure_reason: string | null;
  readonly created: number;
  readonly expires_at: number;
}

/** A charge as events carry it. */
export interface SandboxChargeObject {
  readonly object: 'charge';
  readonly id: string;
  readonly status: 'succeeded' | 'failed';
  readonly amount: number;
  readonly currency: string;
  readonly amount_refunded: number;
  /** The merchant's reference (Masthead's payment id, or its checkout id for a checkout's charge). */
  readonly reference: string;
  readonly payment_method: string;
  readonly failure_code: string | null;
  readonly failure_message: string | null;
  readonly created: number;
  /** What the merchant said the charge is for; only in the event of an off-session charge. */
  readonly description?: string;
}

export interface SandboxEvent {
  readonly id: string;
  readonly type: SandboxEventType;
  /** Unix seconds. */
  readonly created: number;
  readonly data: { readonly object: SandboxSessionObject | SandboxChargeObject };
}

export const unixSeconds = (at: Date | string): number => Math.floor(new Date(at).getTime() / 1000);

// Event ids sort in the order they were made within this process, even within one millisecond
// (kernel ids are random after the time part), so "creation order" holds under a fixed clock.
const nextUlid = monotonicFactory();
const newEventId = () => `evt_${nextUlid().toLowerCase()}`;

/**
 * Queues an event for delivery, due at once. Call it inside the transaction that records what
 * the event announces, so an event is sent if and only if that happened.
 */
export async function queueSandboxEvent(
  db: Kysely<Database>,
  type: SandboxEventType,
  object: SandboxSessionObject | SandboxChargeObject,
  now: Date,
): Promise<SandboxEvent> {
  const event: SandboxEvent = { id: newEventId(), type, created: unixSeconds(now), data: { object } };
  const at = now.toISOString();
  await db
    .insertInto('sandbox_webhooks')
    .values({
      id: event.id,
      type,
      payload: JSON.stringify(event),
      next_attempt_at: at,
      created_at: at,
    })
    .execute();
  return event;
}

// --- Signatures ---------------------------------------------------------------------------

/** The header a delivery's signature travels in (header names are case-insensitive). */
export const sandboxSignatureHeader = 'Sandbox-Signature';

/**
 * The webhook signing secret, derived from the session secret so that a deployment has one
 * secret to keep and the sandbox's differs from the cookie key (an HMAC under a fixed label).
 */
export function sandboxWebhookSecret(sessionSecret: string): string {
  const derived = createHmac('sha256', sessionSecret)
    .update('masthead sandbox webhook signing v1')
    .digest('hex');
  return `whsec_${derived}`;
}

function hmacHex(secret: string, timestamp: number, body: string | Buffer): string {
  return createHmac('sha256', secret).update(`${timestamp}.`).update(body).digest('hex');
}

/** `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. */
export function signSandboxPayload(body: string | Buffer, secret: string, timestamp: number): string {
  return `t=${timestamp},v1=${hmacHex(secret, timestamp, body)}`;
}

export type SignatureCheck = { readonly valid: true } | { readonly valid: false; readonly reason: string };

/**
 * Checks a `Sandbox-Signature` header against the raw body: a well-formed header, a timestamp
 * within `toleranceSeconds` of `now` (an old delivery replayed is refused), and a `v1` that
 * matches, compared in constant time. Several `v1` values are allowed, as while a secret rotates.
 */
export function verifySandboxSignature(
  raw: string | Buffer,
  header: string | undefined,
  secret: string,
  now: Date,
  toleranceSeconds = 300,
): SignatureCheck {
  if (header === undefined || header.trim() === '') return { valid: false, reason: 'No signature header.' };
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const part of header.split(',')) {
    const separator = part.indexOf('=');
    if (separator < 0) return { valid: false, reason: 'Malformed signature header.' };
    const key = part.slice(0, separator).trim();
    const value = part.slice(separator + 1).trim();
    if (key === 't') {
      if (!/^\d{1,12}$/.test(value) || timestamp !== undefined) {
        return { valid: false, reason: 'Malformed signature timestamp.' };
      }
      timestamp = Number(value);
    } else if (key === 'v1' && /^[0-9a-f]{64}$/.test(value)) {
      signatures.push(Buffer.from(value, 'hex'));
    }
    // Other schemes (v0, future versions) are ignored, as Stripe's clients do.
  }
  if (timestamp === undefined) return { valid: false, reason: 'The signature has no timestamp.' };
  if (signatures.length === 0) return { valid: false, reason: 'The signature has no v1 value.' };
  if (Math.abs(unixSeconds(now) - timestamp) > toleranceSeconds) {
    return { valid: false, reason: 'The signature’s timestamp is outside the tolerance.' };
  }
  const expected = Buffer.from(hmacHex(secret, timestamp, raw), 'hex');
  // Every candidate is compared, so the time taken does not say which one (if any) matched.
  let matched = false;
  for (const signature of signatures) matched = timingSafeEqual(signature, expected) || matched;
  return matched ? { valid: true } : { valid: false, reason: 'The signature does not match the body.' };
}

// --- Delivery ------------------------------------------------------------------------------

/** Sends one webhook; resolves to the HTTP status of the answer, rejects when none came. */
export type WebhookDeliverer = (body: string, headers: Record<string, string>) => Promise<number>;

/** POSTs to `url` with `fetch`, giving up after `timeoutMs`. Redirects are not followed. */
export function httpDeliverer(url: string, timeoutMs = 10_000): WebhookDeliverer {
  return async (body, headers) => {
    const response = await fetch(url, {
      method: 'POST',
      body,
      headers,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    // The answer's body means nothing to a processor; read it off so the connection is freed.
    await response.arrayBuffer().catch(() => undefined);
    return response.status;
  };
}

const firstRetryMs = 10_000;
const maxRetryMs = 60 * 60_000;
/** How long a delivery in progress holds its row against another process's dispatcher. */
const claimMs = 5 * 60_000;

/** The wait before the next attempt after `failedAttempts` failures: 10 s, doubling, at most 1 hour. */
export function retryDelayMs(failedAttempts: number): number {
  return Math.min(firstRetryMs * 2 ** Math.max(0, failedAttempts - 1), maxRetryMs);
}

export interface SandboxWebhookDispatcher {
  /**
   * Sends the undelivered webhooks that are due (up to 100 a run), oldest first, and resolves
   * to how many were delivered (answered 2xx). A failure (another status, a timeout, no connection) is recorded
   * and retried later with backoff; it does not hold up the others.
   */
  deliverDue(): Promise<number>;
}

export function createSandboxWebhookDispatcher(deps: {
  db: Kysely<Database>;
  clock: Clock;
  secret: string;
  deliver: WebhookDeliverer;
}): SandboxWebhookDispatcher {
  const { db, clock, secret, deliver } = deps;
  let running: Promise<number> | undefined;

  async function deliverOne(row: { id: string; payload: string; attempts: number; next_attempt_at: string }) {
    const now = clock.now();
    // Claim the row first: another process's dispatcher that read it too finds it no longer due.
    const claimed = await db
      .updateTable('sandbox_webhooks')
      .set({ next_attempt_at: new Date(now.getTime() + claimMs).toISOString() })
      .where('id', '=', row.id)
      .where('delivered_at', 'is', null)
      .where('next_attempt_at', '=', row.next_attempt_at)
      .executeTakeFirst();
    if (claimed.numUpdatedRows !== 1n) return false;

    const headers = {
      'content-type': 'application/json',
      'user-agent': 'Masthead-Sandbox/1',
      [sandboxSignatureHeader.toLowerCase()]: signSandboxPayload(row.payload, secret, unixSeconds(now)),
    };
    let error: string | undefined;
    try {
      const status = await deliver(row.payload, headers);
      if (status < 200 || status > 299) error = `HTTP ${status}`;
    } catch (failure) {
      error = failure instanceof Error ? failure.message : String(failure);
    }
    const attempts = row.attempts + 1;
    const after = clock.now();
    await db
      .updateTable('sandbox_webhooks')
      .set(
        error === undefined
          ? { attempts, delivered_at: after.toISOString(), last_error: null }
          : {
              attempts,
              last_error: error.slice(0, 500),
              next_attempt_at: new Date(after.getTime() + retryDelayMs(attempts)).toISOString(),
            },
      )
      .where('id', '=', row.id)
      .execute();
    return error === undefined;
  }

  async function runOnce(): Promise<number> {
    const due = await db
      .selectFrom('sandbox_webhooks')
      .select(['id', 'payload', 'attempts', 'next_attempt_at'])
      .where('delivered_at', 'is', null)
      .where('next_attempt_at', '<=', clock.now().toISOString())
      .orderBy('created_at')
      .orderBy('id')
      .limit(100)
      .execute();
    let delivered = 0;
    for (const row of due) if (await deliverOne(row)) delivered++;
    return delivered;
  }

  async function deliverDue(): Promise<number> {
    // One run at a time in this process: a caller arriving during a run waits for it to end and
    // then runs again, so it still sees every row that was due when it called.
    while (running) await running.catch(() => undefined);
    running = runOnce().finally(() => {
      running = undefined;
    });
    return running;
  }

  return { deliverDue };
}
