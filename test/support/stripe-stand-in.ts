import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';

/**
 * A stand-in for Stripe's API, on 127.0.0.1, for the endpoints Masthead's Stripe adapter calls:
 * customers, Checkout Sessions, PaymentIntents and Refunds. It speaks what the official SDK
 * sends and expects: form-encoded bodies with bracketed keys, `expand[]`, `Idempotency-Key`,
 * Stripe-shaped objects and Stripe-shaped errors (a declined card is a 402 `card_error` with
 * the failed PaymentIntent in it). Tests drive the reader's side through the methods below
 * (pay a checkout, let one expire) and read back the requests it received.
 *
 * It is no simulation of Stripe as a whole: only the rules the adapter relies on are kept, the
 * ones a real account would hold it to (a saved card is charged with its customer; an
 * off-session confirmation cannot redirect; a refund cannot exceed what was paid).
 */

/** A form value as Stripe parses it: `a[b][0]=x` is `{ a: { b: ['x'] } }`. */
export type FormValue = string | FormObject | FormValue[];
export interface FormObject {
  [key: string]: FormValue;
}

export interface StandInRequest {
  readonly method: string;
  /** Without the query string, e.g. `/v1/payment_intents`. */
  readonly path: string;
  /** The query string (GET) or the form body (POST), parsed. */
  readonly params: FormObject;
  readonly rawBody: string;
  readonly idempotencyKey: string | undefined;
  /** Whether the stand-in answered with the stored response of an earlier request with the same key. */
  readonly replayed: boolean;
}

/** How a test card behaves when Masthead charges it off-session. */
export type CardBehaviour = 'succeeds' | 'declines' | 'insufficient_funds' | 'requires_authentication';

export interface StripeStandIn {
  /** `http://127.0.0.1:PORT`, for the adapter's `apiUrl`. */
  readonly url: string;
  readonly secretKey: string;
  readonly requests: readonly StandInRequest[];
  /** The requests to one method and path (a path may end in `*` to match a prefix). */
  requestsTo(method: string, path: string): readonly StandInRequest[];
  /** A card the reader could enter at checkout; with `customer`, already saved on that customer. */
  createPaymentMethod(options?: {
    readonly behaviour?: CardBehaviour;
    readonly brand?: string;
    readonly last4?: string;
    readonly customer?: string;
  }): string;
  /**
   * The reader pays (or, in setup mode, saves) `paymentMethod` on the hosted page. With
   * `settlesLater`, the method is one whose payment settles days later (a bank debit):
   * the session completes unpaid until `settle` is called.
   */
  completeCheckout(
    sessionId: string,
    paymentMethod: string,
    options?: { readonly settlesLater?: boolean },
  ): void;
  /** A payment that settles later arrives, or fails. */
  settle(sessionId: string, outcome: 'paid' | 'failed'): void;
  /** The reader never came back: Stripe expires the session (after 24 hours by default). */
  expireCheckout(sessionId: string): void;
  /** The next `count` requests are answered with `status` (a 500 `api_error`) before reaching the API. */
  failNext(count: number, status?: number): void;
  /**
   * The next `count` requests reach the API and are done (and stored under their idempotency
   * key), but the connection closes before the answer arrives: a timeout after the charge.
   */
  loseNextAnswers(count: number): void;
  /** A saved card starts behaving otherwise (it expired, the account ran dry) for later charges. */
  setCardBehaviour(paymentMethod: string, behaviour: CardBehaviour): void;
  /** Stripe's JSON of an object the stand-in holds, as a webhook would carry it. */
  object(id: string): StripeJson;
  /** All PaymentIntents created, oldest first. */
  paymentIntents(): readonly StripeJson[];
  close(): Promise<void>;
}

/** A Stripe-shaped JSON object. */
export type StripeJson = { readonly [key: string]: unknown };

interface CustomerRecord {
  readonly id: string;
  readonly email: string | null;
  readonly name: string | null;
  readonly metadata: Record<string, string>;
  readonly created: number;
}

interface PaymentMethodRecord {
  readonly id: string;
  readonly brand: string;
  readonly last4: string;
  behaviour: CardBehaviour;
  customer: string | null;
  readonly created: number;
}

interface SessionRecord {
  readonly id: string;
  readonly mode: 'payment' | 'setup';
  status: 'open' | 'complete' | 'expired';
  paymentStatus: 'unpaid' | 'paid' | 'no_payment_required';
  readonly customer: string | null;
  readonly clientReferenceId: string | null;
  readonly metadata: Record<string, string>;
  readonly amountTotal: number | null;
  readonly currency: string | null;
  readonly successUrl: string;
  readonly cancelUrl: string | null;
  readonly intentMetadata: Record<string, string>;
  readonly intentDescription: string | null;
  readonly setupFutureUsage: string | null;
  paymentIntent: string | null;
  setupIntent: string | null;
  readonly created: number;
  /** Unix seconds; Stripe's default is a day after `created`. */
  readonly expiresAt: number;
}

interface CardErrorBody {
  readonly type: 'card_error';
  readonly code: string;
  readonly decline_code: string;
  readonly message: string;
  readonly charge: string;
}

interface PaymentIntentRecord {
  readonly id: string;
  readonly amount: number;
  readonly currency: string;
  readonly customer: string | null;
  readonly paymentMethod: string | null;
  status: string;
  readonly metadata: Record<string, string>;
  readonly description: string | null;
  readonly setupFutureUsage: string | null;
  latestCharge: string | null;
  lastPaymentError: CardErrorBody | null;
  readonly created: number;
}

interface SetupIntentRecord {
  readonly id: string;
  readonly customer: string | null;
  readonly paymentMethod: string;
  readonly metadata: Record<string, string>;
  readonly created: number;
}

interface RefundRecord {
  readonly id: string;
  readonly amount: number;
  readonly currency: string;
  readonly paymentIntent: string;
  readonly charge: string;
  readonly created: number;
}

interface Answer {
  readonly status: number;
  readonly body: unknown;
}

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function stripeId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let id = '';
  for (const byte of bytes) id += alphabet[byte % alphabet.length];
  return `${prefix}_${id}`;
}

const now = (): number => Math.floor(Date.now() / 1000);

// -----------------------------------------------------------------------------------------------
// Form parsing, as Stripe reads the SDK's bodies: `a[b][0][c]=x`, `expand[]=y` or `expand[0]=y`.

function decode(part: string): string {
  return decodeURIComponent(part.replace(/\+/g, ' '));
}

export function parseForm(text: string): FormObject {
  const root: FormObject = {};
  for (const pair of text.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const key = decode(eq === -1 ? pair : pair.slice(0, eq));
    const value = eq === -1 ? '' : decode(pair.slice(eq + 1));
    const head = /^[^[]+/.exec(key)?.[0];
    if (head === undefined) continue;
    const path = [head, ...[...key.slice(head.length).matchAll(/\[([^\]]*)\]/g)].map((m) => m[1] ?? '')];
    assign(root, path, value);
  }
  return arraysFromIndexedObjects(root) as FormObject;
}

function assign(target: FormObject, path: readonly string[], value: string): void {
  let node: FormObject = target;
  for (let i = 0; i < path.length - 1; i++) {
    let segment = path[i]!;
    if (segment === '') segment = String(Object.keys(node).length);
    const next = node[segment];
    if (typeof next === 'object' && !Array.isArray(next)) {
      node = next;
    } else {
      const created: FormObject = {};
      node[segment] = created;
      node = created;
    }
  }
  let last = path[path.length - 1]!;
  if (last === '') last = String(Object.keys(node).length);
  node[last] = value;
}

/** `{ '0': x, '1': y }` (from `[0]`, `[1]` or `[]`) becomes `[x, y]`. */
function arraysFromIndexedObjects(value: FormValue): FormValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(arraysFromIndexedObjects);
  const keys = Object.keys(value);
  const converted: FormObject = {};
  for (const key of keys) converted[key] = arraysFromIndexedObjects(value[key]!);
  if (keys.length > 0 && keys.every((key) => /^\d+$/.test(key))) {
    return keys.sort((a, b) => Number(a) - Number(b)).map((key) => converted[key]!);
  }
  return converted;
}

function str(form: FormObject | undefined, ...path: string[]): string | undefined {
  let node: FormValue | undefined = form;
  for (const segment of path) {
    if (node === undefined || typeof node === 'string' || Array.isArray(node)) return undefined;
    node = node[segment];
  }
  return typeof node === 'string' ? node : undefined;
}

function obj(form: FormObject | undefined, key: string): FormObject | undefined {
  const value = form?.[key];
  return typeof value === 'object' && !Array.isArray(value) ? value : undefined;
}

function list(form: FormObject | undefined, key: string): FormValue[] {
  const value = form?.[key];
  if (Array.isArray(value)) return value;
  return value === undefined ? [] : [value];
}

function metadataOf(form: FormObject | undefined): Record<string, string> {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(form ?? {})) if (typeof value === 'string') metadata[key] = value;
  return metadata;
}

// -----------------------------------------------------------------------------------------------
// Stripe-shaped errors

function invalidRequest(
  message: string,
  extra: { param?: string; code?: string; status?: number } = {},
): Answer {
  const { status = 400, ...rest } = extra;
  return { status, body: { error: { type: 'invalid_request_error', message, ...rest } } };
}

function noSuch(kind: string, id: string, param?: string): Answer {
  return invalidRequest(`No such ${kind}: '${id}'`, {
    code: 'resource_missing',
    status: param === undefined ? 404 : 400,
    ...(param === undefined ? {} : { param }),
  });
}

const cardErrors: Record<Exclude<CardBehaviour, 'succeeds'>, Omit<CardErrorBody, 'type' | 'charge'>> = {
  declines: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' },
  insufficient_funds: {
    code: 'card_declined',
    decline_code: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  requires_authentication: {
    code: 'authentication_required',
    decline_code: 'authentication_required',
    message: 'Your card was declined. This transaction requires authentication.',
  },
};

// -----------------------------------------------------------------------------------------------

/** Starts a stand-in that accepts `secretKey` as its API key. */
export async function startStripeStandIn(secretKey = 'sk_test_standin'): Promise<StripeStandIn> {
  const requests: StandInRequest[] = [];
  const customers = new Map<string, CustomerRecord>();
  const paymentMethods = new Map<string, PaymentMethodRecord>();
  const sessions = new Map<string, SessionRecord>();
  const intents = new Map<string, PaymentIntentRecord>();
  const setupIntents = new Map<string, SetupIntentRecord>();
  const refunds = new Map<string, RefundRecord>();
  const idempotent = new Map<string, { readonly fingerprint: string; readonly answer: Answer }>();
  let failures: { count: number; status: number } = { count: 0, status: 500 };
  let lostAnswers = 0;

  // --- rendering, with `expand` as dotted paths relative to the object rendered

  const under = (expand: readonly string[], field: string): string[] | undefined => {
    const inner = expand.filter((path) => path === field || path.startsWith(`${field}.`));
    return inner.length === 0 ? undefined : inner.map((path) => path.slice(field.length + 1)).filter(Boolean);
  };

  function renderCustomer(c: CustomerRecord): StripeJson {
    return {
      id: c.id,
      object: 'customer',
      email: c.email,
      name: c.name,
      metadata: c.metadata,
      created: c.created,
    };
  }

  function renderPaymentMethod(pm: PaymentMethodRecord, expand: readonly string[] = []): StripeJson {
    const customerExpand = under(expand, 'customer');
    const customer = pm.customer === null ? null : pm.customer;
    return {
      id: pm.id,
      object: 'payment_method',
      type: 'card',
      card: {
        brand: pm.brand,
        display_brand: pm.brand,
        last4: pm.last4,
        exp_month: 12,
        exp_year: 2034,
        funding: 'credit',
        country: 'IN',
      },
      billing_details: { address: null, email: null, name: null, phone: null },
      customer:
        customer !== null && customerExpand !== undefined
          ? renderCustomer(customers.get(customer)!)
          : customer,
      metadata: {},
      livemode: false,
      created: pm.created,
    };
  }

  function renderIntent(pi: PaymentIntentRecord, expand: readonly string[] = []): StripeJson {
    const pmExpand = under(expand, 'payment_method');
    const method = pi.paymentMethod === null ? undefined : paymentMethods.get(pi.paymentMethod);
    return {
      id: pi.id,
      object: 'payment_intent',
      amount: pi.amount,
      amount_received: pi.status === 'succeeded' ? pi.amount : 0,
      currency: pi.currency,
      customer: pi.customer,
      description: pi.description,
      status: pi.status,
      metadata: pi.metadata,
      payment_method:
        method !== undefined && pmExpand !== undefined
          ? renderPaymentMethod(method, pmExpand)
          : pi.paymentMethod,
      latest_charge: pi.latestCharge,
      last_payment_error:
        pi.lastPaymentError === null
          ? null
          : {
              ...pi.lastPaymentError,
              payment_method: method === undefined ? null : renderPaymentMethod(method),
            },
      setup_future_usage: pi.setupFutureUsage,
      capture_method: 'automatic',
      confirmation_method: 'automatic',
      livemode: false,
      created: pi.created,
    };
  }

  function renderSetupIntent(si: SetupIntentRecord, expand: readonly string[] = []): StripeJson {
    const pmExpand = under(expand, 'payment_method');
    return {
      id: si.id,
      object: 'setup_intent',
      customer: si.customer,
      status: 'succeeded',
      usage: 'off_session',
      metadata: si.metadata,
      payment_method:
        pmExpand !== undefined
          ? renderPaymentMethod(paymentMethods.get(si.paymentMethod)!, pmExpand)
          : si.paymentMethod,
      livemode: false,
      created: si.created,
    };
  }

  function renderSession(s: SessionRecord, expand: readonly string[] = []): StripeJson {
    const piExpand = under(expand, 'payment_intent');
    const siExpand = under(expand, 'setup_intent');
    return {
      id: s.id,
      object: 'checkout.session',
      mode: s.mode,
      status: s.status,
      payment_status: s.paymentStatus,
      customer: s.customer,
      client_reference_id: s.clientReferenceId,
      metadata: s.metadata,
      amount_subtotal: s.amountTotal,
      amount_total: s.amountTotal,
      currency: s.currency,
      success_url: s.successUrl,
      cancel_url: s.cancelUrl,
      url: s.status === 'open' ? `https://checkout.stripe.com/c/pay/${s.id}` : null,
      payment_intent:
        s.paymentIntent !== null && piExpand !== undefined
          ? renderIntent(intents.get(s.paymentIntent)!, piExpand)
          : s.paymentIntent,
      setup_intent:
        s.setupIntent !== null && siExpand !== undefined
          ? renderSetupIntent(setupIntents.get(s.setupIntent)!, siExpand)
          : s.setupIntent,
      livemode: false,
      created: s.created,
      expires_at: s.expiresAt,
    };
  }

  function renderRefund(r: RefundRecord): StripeJson {
    return {
      id: r.id,
      object: 'refund',
      amount: r.amount,
      currency: r.currency,
      charge: r.charge,
      payment_intent: r.paymentIntent,
      status: 'succeeded',
      reason: null,
      metadata: {},
      created: r.created,
    };
  }

  const refundedOn = (intentId: string): number =>
    [...refunds.values()].filter((r) => r.paymentIntent === intentId).reduce((sum, r) => sum + r.amount, 0);

  function renderCharge(chargeId: string): StripeJson | undefined {
    const pi = [...intents.values()].find((candidate) => candidate.latestCharge === chargeId);
    if (pi === undefined) return undefined;
    const refunded = refundedOn(pi.id);
    return {
      id: chargeId,
      object: 'charge',
      amount: pi.amount,
      amount_refunded: refunded,
      refunded: refunded === pi.amount,
      currency: pi.currency,
      customer: pi.customer,
      payment_intent: pi.id,
      payment_method: pi.paymentMethod,
      status: pi.status === 'succeeded' ? 'succeeded' : 'failed',
      metadata: pi.metadata,
      livemode: false,
      created: pi.created,
    };
  }

  // --- the API

  function createCustomer(params: FormObject): Answer {
    const customer: CustomerRecord = {
      id: stripeId('cus', 14),
      email: str(params, 'email') ?? null,
      name: str(params, 'name') ?? null,
      metadata: metadataOf(obj(params, 'metadata')),
      created: now(),
    };
    customers.set(customer.id, customer);
    return { status: 200, body: renderCustomer(customer) };
  }

  function createSession(params: FormObject): Answer {
    const mode = str(params, 'mode');
    if (mode !== 'payment' && mode !== 'setup') {
      return invalidRequest('Invalid mode: must be one of payment, setup or subscription', { param: 'mode' });
    }
    const successUrl = str(params, 'success_url');
    if (successUrl === undefined) {
      return invalidRequest('Missing required param: success_url.', { param: 'success_url' });
    }
    const customer = str(params, 'customer');
    if (customer !== undefined && !customers.has(customer)) return noSuch('customer', customer, 'customer');

    let amountTotal: number | null = null;
    let currency: string | null = null;
    if (mode === 'payment') {
      const items = list(params, 'line_items');
      if (items.length === 0) {
        return invalidRequest('line_items is required in payment mode.', { param: 'line_items' });
      }
      amountTotal = 0;
      for (const [index, item] of items.entries()) {
        const line = typeof item === 'object' && !Array.isArray(item) ? item : undefined;
        const unitAmount = Number(str(line, 'price_data', 'unit_amount'));
        const itemCurrency = str(line, 'price_data', 'currency');
        const quantity = Number(str(line, 'quantity') ?? '1');
        if (!Number.isSafeInteger(unitAmount) || unitAmount < 0 || itemCurrency === undefined) {
          return invalidRequest('Each line item needs price_data with a currency and a whole unit_amount.', {
            param: `line_items[${index}][price_data]`,
          });
        }
        if (str(line, 'price_data', 'product_data', 'name') === undefined) {
          return invalidRequest('Missing required param: line_items[0][price_data][product_data][name].', {
            param: `line_items[${index}][price_data][product_data][name]`,
          });
        }
        currency = itemCurrency;
        amountTotal += unitAmount * quantity;
      }
    } else {
      // Without a fixed list of payment method types, Stripe needs the currency to choose them.
      currency = str(params, 'currency') ?? null;
      if (currency === null) {
        return invalidRequest(
          'currency is required in setup mode when allowed_payment_method_types is not set.',
          {
            param: 'currency',
          },
        );
      }
    }
    if (currency !== null && !/^[a-z]{3}$/.test(currency)) {
      return invalidRequest(`Invalid currency: ${currency}.`, { param: 'currency' });
    }
    const intentData = obj(params, mode === 'payment' ? 'payment_intent_data' : 'setup_intent_data');
    // Stripe takes 30 minutes to 24 hours after now; the stand-in's now is the wall clock and the
    // app's a test's, so only the form is checked.
    const expiresAt = str(params, 'expires_at');
    if (expiresAt !== undefined && !/^\d+$/.test(expiresAt)) {
      return invalidRequest(`Invalid integer: ${expiresAt}`, { param: 'expires_at' });
    }
    const created = now();
    const session: SessionRecord = {
      id: stripeId('cs_test', 58),
      mode,
      status: 'open',
      paymentStatus: mode === 'setup' ? 'no_payment_required' : 'unpaid',
      customer: customer ?? null,
      clientReferenceId: str(params, 'client_reference_id') ?? null,
      metadata: metadataOf(obj(params, 'metadata')),
      amountTotal,
      currency,
      successUrl,
      cancelUrl: str(params, 'cancel_url') ?? null,
      intentMetadata: metadataOf(obj(intentData, 'metadata')),
      intentDescription: str(intentData, 'description') ?? null,
      setupFutureUsage: str(intentData, 'setup_future_usage') ?? null,
      paymentIntent: null,
      setupIntent: null,
      created,
      expiresAt: expiresAt === undefined ? created + 24 * 3600 : Number(expiresAt),
    };
    sessions.set(session.id, session);
    return { status: 200, body: renderSession(session, expandOf(params)) };
  }

  function retrieveSession(id: string, params: FormObject): Answer {
    const session = sessions.get(id);
    if (session === undefined) return noSuch('checkout.session', id);
    return { status: 200, body: renderSession(session, expandOf(params)) };
  }

  function createIntent(params: FormObject): Answer {
    const amount = Number(str(params, 'amount'));
    const currency = str(params, 'currency');
    if (!Number.isSafeInteger(amount) || amount < 1) {
      return invalidRequest('This value must be greater than or equal to 1.', { param: 'amount' });
    }
    if (currency === undefined || !/^[a-z]{3}$/.test(currency)) {
      return invalidRequest('Missing required param: currency.', { param: 'currency' });
    }
    const confirm = str(params, 'confirm') === 'true';
    if (str(params, 'off_session') === 'true' && !confirm) {
      return invalidRequest('You can only pass in `off_session` when `confirm` is true.', {
        param: 'off_session',
      });
    }
    const customer = str(params, 'customer');
    if (customer !== undefined && !customers.has(customer)) return noSuch('customer', customer, 'customer');
    const pmId = str(params, 'payment_method');
    const method = pmId === undefined ? undefined : paymentMethods.get(pmId);
    if (pmId !== undefined && method === undefined) return noSuch('PaymentMethod', pmId, 'payment_method');
    if (confirm) {
      if (method === undefined) {
        return invalidRequest(
          "You cannot confirm this PaymentIntent because it's missing a payment method. To confirm the PaymentIntent with cus_, you must provide a payment_method.",
        );
      }
      const redirects = str(params, 'automatic_payment_methods', 'allow_redirects');
      if (str(params, 'return_url') === undefined && redirects !== 'never') {
        return invalidRequest(
          "This PaymentIntent is configured to accept payment methods enabled in your Dashboard. Because some of these payment methods might redirect your customer off of your page, you must provide a `return_url`. If you don't want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.",
        );
      }
      if (method.customer !== null && method.customer !== customer) {
        return invalidRequest(
          customer === undefined
            ? 'The provided PaymentMethod belongs to a Customer; please include the Customer in the `customer` parameter on the PaymentIntent.'
            : `The provided PaymentMethod does not belong to Customer ${customer}.`,
          { param: 'payment_method' },
        );
      }
    }
    const intent: PaymentIntentRecord = {
      id: stripeId('pi'),
      amount,
      currency,
      customer: customer ?? null,
      paymentMethod: pmId ?? null,
      status: confirm
        ? 'succeeded'
        : method === undefined
          ? 'requires_payment_method'
          : 'requires_confirmation',
      metadata: metadataOf(obj(params, 'metadata')),
      description: str(params, 'description') ?? null,
      setupFutureUsage: str(params, 'setup_future_usage') ?? null,
      latestCharge: null,
      lastPaymentError: null,
      created: now(),
    };
    intents.set(intent.id, intent);
    if (!confirm || method === undefined) return { status: 200, body: renderIntent(intent) };

    intent.latestCharge = stripeId('ch');
    if (method.behaviour === 'succeeds') return { status: 200, body: renderIntent(intent) };

    // A failed off-session attempt: the PaymentIntent waits for another payment method, and the
    // error carries it (Stripe answers 402 with the card error and the PaymentIntent).
    intent.status = 'requires_payment_method';
    intent.lastPaymentError = {
      type: 'card_error',
      charge: intent.latestCharge,
      ...cardErrors[method.behaviour],
    };
    return {
      status: 402,
      body: {
        error: {
          ...intent.lastPaymentError,
          doc_url: `https://docs.stripe.com/error-codes/${intent.lastPaymentError.code.replace(/_/g, '-')}`,
          payment_intent: renderIntent(intent),
          payment_method: renderPaymentMethod(method),
        },
      },
    };
  }

  function createRefund(params: FormObject): Answer {
    const intentId = str(params, 'payment_intent');
    if (intentId === undefined) {
      return invalidRequest(
        'One of the following params should be provided for this request: payment_intent or charge.',
      );
    }
    const intent = intents.get(intentId);
    if (intent === undefined) return noSuch('payment_intent', intentId, 'payment_intent');
    if (intent.status !== 'succeeded' || intent.latestCharge === null) {
      return invalidRequest(`This PaymentIntent (${intent.id}) does not have a successful charge to refund.`);
    }
    const remaining = intent.amount - refundedOn(intent.id);
    if (remaining === 0) {
      return invalidRequest(`Charge ${intent.latestCharge} has already been refunded.`, {
        code: 'charge_already_refunded',
      });
    }
    const requested = str(params, 'amount');
    const amount = requested === undefined ? remaining : Number(requested);
    if (!Number.isSafeInteger(amount) || amount < 1) {
      return invalidRequest('Invalid positive integer', { param: 'amount' });
    }
    if (amount > remaining) {
      return invalidRequest(
        `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
        { param: 'amount' },
      );
    }
    const refund: RefundRecord = {
      id: stripeId('re'),
      amount,
      currency: intent.currency,
      paymentIntent: intent.id,
      charge: intent.latestCharge,
      created: now(),
    };
    refunds.set(refund.id, refund);
    return { status: 200, body: renderRefund(refund) };
  }

  function expandOf(params: FormObject): string[] {
    return list(params, 'expand').filter((value): value is string => typeof value === 'string');
  }

  function route(method: string, path: string, params: FormObject): Answer {
    if (method === 'POST' && path === '/v1/customers') return createCustomer(params);
    if (method === 'POST' && path === '/v1/checkout/sessions') return createSession(params);
    const session = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (method === 'GET' && session) return retrieveSession(decodeURIComponent(session[1]!), params);
    if (method === 'POST' && path === '/v1/payment_intents') return createIntent(params);
    if (method === 'POST' && path === '/v1/refunds') return createRefund(params);
    return invalidRequest(`Unrecognized request URL (${method}: ${path}).`, { status: 404 });
  }

  function answer(res: ServerResponse, { status, body }: Answer, headers: Record<string, string> = {}): void {
    const text = JSON.stringify(body);
    res.writeHead(status, {
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(text),
      'request-id': stripeId('req', 14),
      ...headers,
    });
    res.end(text);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const rawBody = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    const params = parseForm(method === 'GET' ? url.search.slice(1) : rawBody);
    const keyHeader = req.headers['idempotency-key'];
    const idempotencyKey = typeof keyHeader === 'string' ? keyHeader : undefined;
    const record = (replayed: boolean) =>
      requests.push({ method, path: url.pathname, params, rawBody, idempotencyKey, replayed });

    if (req.headers.authorization !== `Bearer ${secretKey}`) {
      record(false);
      return answer(res, invalidRequest('Invalid API Key provided: sk_test_***', { status: 401 }));
    }
    // An outage in front of the API: nothing ran, so nothing is stored under the key.
    if (failures.count > 0) {
      failures.count--;
      record(false);
      return answer(res, {
        status: failures.status,
        body: { error: { type: 'api_error', message: 'An unknown error occurred' } },
      });
    }
    if (method === 'POST' && idempotencyKey !== undefined) {
      const fingerprint = `${method} ${url.pathname} ${rawBody}`;
      const stored = idempotent.get(idempotencyKey);
      if (stored !== undefined) {
        record(true);
        if (stored.fingerprint !== fingerprint) {
          return answer(res, {
            status: 400,
            body: {
              error: {
                type: 'idempotency_error',
                message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`,
              },
            },
          });
        }
        if (loseAnswer(res)) return;
        return answer(res, stored.answer, {
          'idempotency-key': idempotencyKey,
          'idempotent-replayed': 'true',
        });
      }
      const result = route(method, url.pathname, params);
      idempotent.set(idempotencyKey, { fingerprint, answer: result });
      record(false);
      if (loseAnswer(res)) return;
      return answer(res, result, { 'idempotency-key': idempotencyKey });
    }
    record(false);
    const result = route(method, url.pathname, params);
    if (loseAnswer(res)) return;
    return answer(res, result);
  }

  /** Closes the connection instead of answering, when a lost answer is due. */
  function loseAnswer(res: ServerResponse): boolean {
    if (lostAnswers === 0) return false;
    lostAnswers--;
    res.socket?.destroy();
    return true;
  }

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { type: 'api_error', message: String(error) } }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  function openSession(sessionId: string): SessionRecord {
    const session = sessions.get(sessionId);
    if (session === undefined) throw new Error(`The stand-in has no checkout session ${sessionId}`);
    if (session.status !== 'open') throw new Error(`Checkout session ${sessionId} is ${session.status}`);
    return session;
  }

  return {
    url: `http://127.0.0.1:${port}`,
    secretKey,
    requests,
    requestsTo(method, path) {
      return requests.filter(
        (r) =>
          r.method === method &&
          (path.endsWith('*') ? r.path.startsWith(path.slice(0, -1)) : r.path === path),
      );
    },
    createPaymentMethod(options = {}) {
      const pm: PaymentMethodRecord = {
        id: stripeId('pm'),
        brand: options.brand ?? 'visa',
        last4: options.last4 ?? '4242',
        behaviour: options.behaviour ?? 'succeeds',
        customer: options.customer ?? null,
        created: now(),
      };
      if (pm.customer !== null && !customers.has(pm.customer)) throw new Error(`No customer ${pm.customer}`);
      paymentMethods.set(pm.id, pm);
      return pm.id;
    },
    completeCheckout(sessionId, paymentMethod, options = {}) {
      const session = openSession(sessionId);
      const method = paymentMethods.get(paymentMethod);
      if (method === undefined) throw new Error(`The stand-in has no payment method ${paymentMethod}`);
      if (method.behaviour === 'declines' || method.behaviour === 'insufficient_funds') {
        throw new Error(
          'A declined card does not complete a checkout: the hosted page asks for another card',
        );
      }
      // On the hosted page the reader passes any authentication step, and the card is saved.
      method.customer = session.customer;
      session.status = 'complete';
      if (session.mode === 'setup') {
        const setup: SetupIntentRecord = {
          id: stripeId('seti'),
          customer: session.customer,
          paymentMethod,
          metadata: {},
          created: now(),
        };
        setupIntents.set(setup.id, setup);
        session.setupIntent = setup.id;
        return;
      }
      const intent: PaymentIntentRecord = {
        id: stripeId('pi'),
        amount: session.amountTotal ?? 0,
        currency: session.currency ?? 'usd',
        customer: session.customer,
        paymentMethod,
        status: options.settlesLater ? 'processing' : 'succeeded',
        metadata: session.intentMetadata,
        description: session.intentDescription,
        setupFutureUsage: session.setupFutureUsage,
        latestCharge: stripeId('ch'),
        lastPaymentError: null,
        created: now(),
      };
      intents.set(intent.id, intent);
      session.paymentIntent = intent.id;
      session.paymentStatus = options.settlesLater ? 'unpaid' : 'paid';
    },
    settle(sessionId, outcome) {
      const session = sessions.get(sessionId);
      const intent = session?.paymentIntent ? intents.get(session.paymentIntent) : undefined;
      if (session === undefined || intent === undefined || intent.status !== 'processing') {
        throw new Error(`Checkout session ${sessionId} has no payment waiting to settle`);
      }
      if (outcome === 'paid') {
        intent.status = 'succeeded';
        session.paymentStatus = 'paid';
      } else {
        intent.status = 'requires_payment_method';
        intent.lastPaymentError = {
          type: 'card_error',
          code: 'payment_method_provider_decline',
          decline_code: 'generic_decline',
          message: 'The payment was declined by the bank.',
          charge: intent.latestCharge ?? stripeId('ch'),
        };
      }
    },
    expireCheckout(sessionId) {
      openSession(sessionId).status = 'expired';
    },
    failNext(count, status = 500) {
      failures = { count, status };
    },
    loseNextAnswers(count) {
      lostAnswers = count;
    },
    setCardBehaviour(paymentMethod, behaviour) {
      const method = paymentMethods.get(paymentMethod);
      if (method === undefined) throw new Error(`The stand-in has no payment method ${paymentMethod}`);
      method.behaviour = behaviour;
    },
    object(id) {
      const found =
        (sessions.has(id) && renderSession(sessions.get(id)!)) ||
        (intents.has(id) && renderIntent(intents.get(id)!)) ||
        (setupIntents.has(id) && renderSetupIntent(setupIntents.get(id)!)) ||
        (paymentMethods.has(id) && renderPaymentMethod(paymentMethods.get(id)!)) ||
        (customers.has(id) && renderCustomer(customers.get(id)!)) ||
        (refunds.has(id) && renderRefund(refunds.get(id)!)) ||
        renderCharge(id);
      if (!found) throw new Error(`The stand-in holds no object ${id}`);
      return found;
    },
    paymentIntents() {
      return [...intents.values()].map((pi) => renderIntent(pi));
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      });
    },
  };
}

/** A Stripe event around `object`, as Stripe delivers it to a webhook endpoint. */
export function stripeEvent(type: string, object: StripeJson): StripeJson {
  return {
    id: stripeId('evt'),
    object: 'event',
    api_version: Stripe.API_VERSION,
    created: now(),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  };
}

/**
 * A webhook delivery of `event`: the raw body and a `Stripe-Signature` header made by the SDK's
 * own `generateTestHeaderString`, signed with `secret` at `timestamp` (seconds; now by default).
 */
export function signedDelivery(
  event: StripeJson,
  secret: string,
  timestamp?: number,
): { readonly rawBody: Buffer; readonly headers: Record<string, string> } {
  const payload = JSON.stringify(event, null, 2);
  const signature = Stripe.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(timestamp === undefined ? {} : { timestamp }),
  });
  return {
    rawBody: Buffer.from(payload),
    headers: { 'content-type': 'application/json', 'stripe-signature': signature },
  };
}
