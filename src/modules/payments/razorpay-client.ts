import { createHash } from 'node:crypto';
import Razorpay from 'razorpay';

/**
 * The Razorpay SDK as the adapter uses it: built once, pointed at another host when asked, and
 * with its failures turned into errors. Nothing here leaves the Razorpay adapter.
 */

/**
 * A Razorpay client for `keyId`/`keySecret`. `apiUrl` (an origin such as `http://127.0.0.1:4010`)
 * sends every call there instead of `https://api.razorpay.com`: a local stand-in, an egress proxy.
 *
 * The SDK (2.9.8) has no option for its host: its constructor hard-codes the URL into the axios
 * instance it creates (`api.rq`), and a constructor option for it was proposed upstream but never
 * merged (razorpay/razorpay-node#224). Of the ways around that, setting that axios instance's
 * `defaults.baseURL` is the least intrusive: it is axios's documented way to move an instance,
 * and it is where the SDK itself reads its host back (its `OAuthTokenClient` builds URLs from
 * `rq.defaults.baseURL`). Every resource (orders, payments, …) shares that one instance, so the
 * whole client moves and nothing else is patched. Should an SDK upgrade rename it, this throws at
 * start-up instead of quietly talking to the real Razorpay.
 */
export function razorpayClient(options: {
  readonly keyId: string;
  readonly keySecret: string;
  readonly apiUrl?: string;
}): Razorpay {
  const client = new Razorpay({ key_id: options.keyId, key_secret: options.keySecret });
  if (options.apiUrl !== undefined) {
    const transport: unknown = Reflect.get(client.api, 'rq');
    const defaults: unknown =
      typeof transport === 'function' || isObject(transport) ? Reflect.get(transport, 'defaults') : undefined;
    if (!isObject(defaults) || typeof Reflect.get(defaults, 'baseURL') !== 'string') {
      throw new Error(
        `This version of the razorpay SDK (${Razorpay.VERSION}) no longer keeps its host in api.rq.defaults.baseURL; ` +
          'RAZORPAY_API_URL cannot be applied.',
      );
    }
    Reflect.set(defaults, 'baseURL', options.apiUrl.replace(/\/+$/, ''));
  }
  return client;
}

function isObject(value: unknown): value is object {
  return typeof value === 'object' && value !== null;
}

/** A call Razorpay answered with an error status, with the error body it sent. */
export class RazorpayApiError extends Error {
  constructor(
    what: string,
    readonly status: number,
    readonly code: string,
    readonly description: string,
    /** For a payment that failed: why (`card_declined`, `insufficient_funds`, …); else null. */
    readonly reason: string | null,
    /** Ids Razorpay names in the error, such as the failed payment's `payment_id`. */
    readonly metadata: Readonly<Record<string, string>>,
  ) {
    super(`Razorpay refused to ${what}: ${status} ${code}: ${description}`);
    this.name = 'RazorpayApiError';
  }
}

/**
 * Runs one SDK call. The SDK rejects with a plain object `{ statusCode, error }` (no stack, not an
 * Error) when Razorpay answers with an error, and with a TypeError from inside its own error
 * handler when there is no answer at all; the first becomes a `RazorpayApiError`, the second an
 * Error saying Razorpay could not be reached. `what` completes "Razorpay refused to …".
 */
export async function razorpayCall<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (failure) {
    throw toError(what, failure);
  }
}

function toError(what: string, failure: unknown): Error {
  if (isObject(failure) && !(failure instanceof Error)) {
    const status = Reflect.get(failure, 'statusCode');
    if (typeof status === 'number') {
      const body: unknown = Reflect.get(failure, 'error');
      const field = (name: string): string | null => {
        const value: unknown = isObject(body) ? Reflect.get(body, name) : undefined;
        return typeof value === 'string' && value !== '' && value !== 'NA' ? value : null;
      };
      const metadata: Record<string, string> = {};
      const rawMetadata: unknown = isObject(body) ? Reflect.get(body, 'metadata') : undefined;
      if (isObject(rawMetadata)) {
        for (const [key, value] of Object.entries(rawMetadata)) {
          if (typeof value === 'string') metadata[key] = value;
        }
      }
      return new RazorpayApiError(
        what,
        status,
        field('code') ?? 'UNKNOWN_ERROR',
        field('description') ?? 'no description',
        field('reason'),
        metadata,
      );
    }
  }
  return new Error(`Razorpay could not be reached to ${what}.`, { cause: failure });
}

/**
 * Razorpay caps an order's or a refund's `receipt` at 40 characters. A key that fits is used as
 * it is (readable on the dashboard); a longer one becomes `h_` and 38 characters of its SHA-256
 * (228 bits: no two keys share a receipt in practice).
 */
export function receiptFor(key: string): string {
  return key.length <= 40 ? key : `h_${createHash('sha256').update(key).digest('base64url').slice(0, 38)}`;
}

/**
 * Notes come back as `[]` when empty (Razorpay's API is PHP underneath) and their values may be
 * numbers: read them as a plain map of strings.
 */
export function notesOf(notes: unknown): Readonly<Record<string, string>> {
  const result: Record<string, string> = {};
  if (isObject(notes) && !Array.isArray(notes)) {
    for (const [key, value] of Object.entries(notes)) {
      if (typeof value === 'string' || typeof value === 'number') result[key] = String(value);
    }
  }
  return result;
}
