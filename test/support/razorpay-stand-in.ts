import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A stand-in for Razorpay's API (api.razorpay.com/v1), for tests: Razorpay's servers are out of
 * reach. It keeps customers, orders, payments, card tokens and refunds in memory and answers the
 * endpoints the Masthead adapter calls in Razorpay's shapes — its error body included — after
 * checking basic auth. Every request is recorded. The reader's part (paying in the checkout
 * widget) is `payInWidget`; what Razorpay would send as webhooks is in `events`, unsigned.
 */

export interface StandInCard {
  readonly network: 'Visa' | 'MasterCard' | 'RuPay';
  readonly last4: string;
  /** How later recurring debits on this card go. */
  readonly renewals: 'succeed' | 'card_declined' | 'insufficient_funds';
}

export const standInCards = {
  visa: { network: 'Visa', last4: '4242', renewals: 'succeed' },
  declinesRenewals: { network: 'MasterCard', last4: '0341', renewals: 'card_declined' },
  insufficientFunds: { network: 'RuPay', last4: '9995', renewals: 'insufficient_funds' },
} as const satisfies Record<string, StandInCard>;

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  readonly body: unknown;
}

type Notes = Record<string, string>;

export interface StandInCustomer {
  readonly id: string;
  name: string;
  email: string;
  contact: string;
  readonly notes: Notes;
}

export interface StandInOrder {
  readonly id: string;
  readonly amount: number;
  readonly currency: string;
  readonly receipt: string | null;
  readonly customerId: string | null;
  readonly method: string | null;
  readonly token: { max_amount: number; expire_at: number; frequency: string } | null;
  readonly paymentCapture: boolean;
  readonly notes: Notes;
  readonly createdAt: number;
  status: 'created' | 'attempted' | 'paid';
  amountPaid: number;
  attempts: number;
}

export interface StandInPayment {
  readonly id: string;
  readonly orderId: string;
  readonly amount: number;
  readonly currency: string;
  readonly customerId: string;
  readonly tokenId: string | null;
  readonly email: string;
  readonly contact: string;
  readonly notes: Notes;
  readonly recurring: boolean;
  readonly createdAt: number;
  status: 'created' | 'authorized' | 'captured' | 'refunded' | 'failed';
  amountRefunded: number;
  error: { code: string; description: string; source: string; step: string; reason: string } | null;
}

export interface StandInToken {
  readonly id: string;
  readonly customerId: string;
  readonly card: StandInCard;
  readonly createdAt: number;
}

export interface StandInRefund {
  readonly id: string;
  readonly paymentId: string;
  readonly amount: number;
  readonly currency: string;
  readonly receipt: string | null;
  readonly notes: Notes;
  readonly createdAt: number;
}

/** An event as Razorpay would post it to the webhook URL: its id header and its raw body. */
export interface StandInEvent {
  readonly id: string;
  readonly event: string;
  readonly body: string;
}

export interface RazorpayStandIn {
  /** The origin to give the adapter as `apiUrl`. */
  readonly url: string;
  readonly keyId: string;
  readonly keySecret: string;
  readonly requests: RecordedRequest[];
  readonly customers: Map<string, StandInCustomer>;
  readonly orders: Map<string, StandInOrder>;
  readonly payments: Map<string, StandInPayment>;
  readonly tokens: Map<string, StandInToken>;
  readonly refunds: Map<string, StandInRefund>;
  readonly events: StandInEvent[];
  /** Until set back to `none`: every call answers 500 (`error`) or loses its connection (`network`). */
  outage: 'none' | 'error' | 'network';
  /**
   * The next call matching `method` and `path` loses its connection: `before` it is handled (the
   * request never arrived), or `after` (it was done, but its answer is lost).
   */
  dropNext(method: string, path: RegExp, when: 'before' | 'after'): void;
  /** The reader pays `orderId` in the checkout widget: the payment is captured and the card saved. */
  payInWidget(
    orderId: string,
    options?: { card?: StandInCard; contact?: string; notes?: Notes },
  ): StandInPayment;
  /** Calls to `method path` (path matched exactly, without the query). */
  calls(method: string, path: string | RegExp): RecordedRequest[];
  close(): Promise<void>;
}

class ApiError {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly description: string,
    readonly extra: {
      source?: string;
      step?: string;
      reason?: string;
      metadata?: Notes;
      field?: string;
    } = {},
  ) {}

  get body() {
    return {
      error: {
        code: this.code,
        description: this.description,
        source: this.extra.source ?? 'NA',
        step: this.extra.step ?? 'NA',
        reason: this.extra.reason ?? 'NA',
        metadata: this.extra.metadata ?? {},
        ...(this.extra.field && { field: this.extra.field }),
      },
    };
  }
}

const invalid = (description: string, field?: string) =>
  new ApiError(400, 'BAD_REQUEST_ERROR', description, {
    source: 'business',
    step: 'payment_initiation',
    reason: 'input_validation_failed',
    ...(field && { field }),
  });
const unknownId = () => invalid('The id provided does not exist');

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
function razorpayId(prefix: string): string {
  const bytes = randomBytes(14);
  return `${prefix}_${Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join('')}`;
}

function readNotes(value: unknown): Notes {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value))
    throw invalid('The notes field must be an object', 'notes');
  const entries = Object.entries(value);
  if (entries.length > 15) throw invalid('Number of notes cannot be more than 15', 'notes');
  const notes: Notes = {};
  for (const [key, item] of entries) {
    if (typeof item !== 'string' && typeof item !== 'number')
      throw invalid('notes values must be text', 'notes');
    if (String(item).length > 256)
      throw invalid('The notes value may not be greater than 256 characters', 'notes');
    notes[key] = String(item);
  }
  return notes;
}

/** Razorpay writes empty notes as `[]`. */
const notesJson = (notes: Notes) => (Object.keys(notes).length === 0 ? [] : notes);

function readReceipt(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid('The receipt must be a string', 'receipt');
  if (value.length > 40) throw invalid('The receipt may not be greater than 40 characters.', 'receipt');
  return value;
}

function readAmount(value: unknown, minimum: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value))
    throw invalid('The amount must be an integer.', 'amount');
  if (value < minimum) throw invalid(`The amount must be at least INR ${minimum / 100}.`, 'amount');
  return value;
}

function requiredString(body: Record<string, unknown>, field: string): string {
  const value = body[field];
  if (typeof value === 'number') return String(value);
  if (typeof value !== 'string' || value === '') throw invalid(`The ${field} field is required.`, field);
  return value;
}

export async function startRazorpayStandIn(
  options: { keyId?: string; keySecret?: string; now?: () => Date } = {},
): Promise<RazorpayStandIn> {
  const keyId = options.keyId ?? 'rzp_test_StandIn000001';
  const keySecret = options.keySecret ?? 'stand-in-key-secret-0123456789';
  const now = () => Math.floor((options.now?.() ?? new Date()).getTime() / 1000);
  const expectedAuth = `Basic ${Buffer.from(`${keyId}:${keySecret}`).toString('base64')}`;

  const requests: RecordedRequest[] = [];
  const customers = new Map<string, StandInCustomer>();
  const orders = new Map<string, StandInOrder>();
  const payments = new Map<string, StandInPayment>();
  const tokens = new Map<string, StandInToken>();
  const refunds = new Map<string, StandInRefund>();
  const events: StandInEvent[] = [];
  const drops: { method: string; path: RegExp; when: 'before' | 'after' }[] = [];

  const customerJson = (customer: StandInCustomer) => ({
    id: customer.id,
    entity: 'customer',
    name: customer.name,
    email: customer.email,
    contact: customer.contact,
    gstin: null,
    notes: notesJson(customer.notes),
    created_at: now(),
  });
  const orderJson = (order: StandInOrder) => ({
    id: order.id,
    entity: 'order',
    amount: order.amount,
    amount_paid: order.amountPaid,
    amount_due: order.amount - order.amountPaid,
    currency: order.currency,
    receipt: order.receipt,
    offer_id: null,
    status: order.status,
    attempts: order.attempts,
    notes: notesJson(order.notes),
    created_at: order.createdAt,
    ...(order.customerId && { customer_id: order.customerId }),
    ...(order.method && { method: order.method }),
    ...(order.token && { token: order.token }),
  });
  const paymentJson = (payment: StandInPayment) => ({
    id: payment.id,
    entity: 'payment',
    amount: payment.amount,
    currency: payment.currency,
    status: payment.status,
    order_id: payment.orderId,
    invoice_id: null,
    international: false,
    method: 'card',
    amount_refunded: payment.amountRefunded,
    refund_status:
      payment.amountRefunded === 0 ? null : payment.amountRefunded === payment.amount ? 'full' : 'partial',
    captured: payment.status === 'captured' || payment.status === 'refunded',
    description: null,
    card_id: payment.tokenId ? `card_${payment.tokenId.slice(6)}` : null,
    bank: null,
    wallet: null,
    vpa: null,
    email: payment.email,
    contact: payment.contact,
    customer_id: payment.customerId,
    token_id: payment.tokenId,
    notes: notesJson(payment.notes),
    fee: 0,
    tax: 0,
    error_code: payment.error?.code ?? null,
    error_description: payment.error?.description ?? null,
    error_source: payment.error?.source ?? null,
    error_step: payment.error?.step ?? null,
    error_reason: payment.error?.reason ?? null,
    acquirer_data: {},
    created_at: payment.createdAt,
  });
  const tokenJson = (token: StandInToken) => ({
    id: token.id,
    entity: 'token',
    token: token.id.slice(6),
    bank: null,
    wallet: null,
    method: 'card',
    card: {
      entity: 'card',
      name: 'Stand-in reader',
      last4: token.card.last4,
      network: token.card.network,
      type: 'credit',
      issuer: 'HDFC',
      international: false,
      emi: false,
      sub_type: 'consumer',
      expiry_month: 12,
      expiry_year: 2030,
      flows: { otp: true, recurring: true },
    },
    recurring: true,
    recurring_details: { status: 'confirmed', failure_reason: null },
    auth_type: null,
    mrn: null,
    used_at: token.createdAt,
    created_at: token.createdAt,
    expired_at: token.createdAt + 10 * 365 * 86_400,
    dcc_enabled: false,
  });
  const refundJson = (refund: StandInRefund) => ({
    id: refund.id,
    entity: 'refund',
    amount: refund.amount,
    currency: refund.currency,
    payment_id: refund.paymentId,
    notes: notesJson(refund.notes),
    receipt: refund.receipt,
    acquirer_data: { arn: null },
    created_at: refund.createdAt,
    batch_id: null,
    status: 'processed',
    speed_processed: 'normal',
    speed_requested: 'normal',
  });
  const collection = (items: unknown[]) => ({ entity: 'collection', count: items.length, items });

  function emit(event: string, payload: Record<string, unknown>) {
    const body = JSON.stringify({
      entity: 'event',
      account_id: 'acc_StandIn0000001',
      event,
      contains: Object.keys(payload),
      payload: Object.fromEntries(Object.entries(payload).map(([key, entity]) => [key, { entity }])),
      created_at: now(),
    });
    events.push({ id: razorpayId('evt').slice(4), event, body });
  }

  function find<T>(map: Map<string, T>, id: string): T {
    const found = map.get(id);
    if (!found) throw unknownId();
    return found;
  }

  function capture(order: StandInOrder, payment: StandInPayment) {
    payment.status = 'captured';
    order.status = 'paid';
    order.amountPaid = order.amount;
    emit('payment.captured', { payment: paymentJson(payment) });
    emit('order.paid', { payment: paymentJson(payment), order: orderJson(order) });
  }

  function handle(
    method: string,
    path: string,
    query: URLSearchParams,
    body: Record<string, unknown>,
  ): unknown {
    let match: RegExpExecArray | null;
    if (method === 'POST' && path === '/v1/customers') {
      const name = requiredString(body, 'name');
      const email = typeof body.email === 'string' ? body.email : '';
      const contact = body.contact === undefined ? '' : String(body.contact);
      const existing = [...customers.values()].find(
        (customer) => customer.email === email && (contact === '' || customer.contact === contact),
      );
      if (existing) {
        const failExisting = body.fail_existing;
        if (failExisting === 0 || failExisting === '0' || failExisting === false)
          return customerJson(existing);
        throw invalid('Customer already exists for the merchant');
      }
      const customer: StandInCustomer = {
        id: razorpayId('cust'),
        name,
        email,
        contact,
        notes: readNotes(body.notes),
      };
      customers.set(customer.id, customer);
      return customerJson(customer);
    }
    if ((match = /^\/v1\/customers\/([^/]+)$/.exec(path))) {
      const customer = find(customers, match[1]!);
      if (method === 'GET') return customerJson(customer);
      if (method === 'PUT') {
        if (typeof body.name === 'string') customer.name = body.name;
        if (typeof body.email === 'string') customer.email = body.email;
        if (body.contact !== undefined) customer.contact = String(body.contact);
        return customerJson(customer);
      }
    }
    if (method === 'GET' && (match = /^\/v1\/customers\/([^/]+)\/tokens\/([^/]+)$/.exec(path))) {
      const customer = find(customers, match[1]!);
      const token = find(tokens, match[2]!);
      if (token.customerId !== customer.id) throw unknownId();
      return tokenJson(token);
    }
    if (method === 'POST' && path === '/v1/orders') {
      const currency = requiredString(body, 'currency');
      if (currency !== 'INR') throw invalid('Currency is not supported', 'currency');
      const customerId = typeof body.customer_id === 'string' ? body.customer_id : null;
      if (customerId) find(customers, customerId);
      let token: StandInOrder['token'] = null;
      if (body.token !== undefined) {
        const raw = body.token as Record<string, unknown>;
        if (body.method !== 'card' || !customerId)
          throw invalid('token needs method card and a customer_id', 'token');
        const maxAmount = raw.max_amount;
        if (typeof maxAmount !== 'number' || maxAmount < 100 || maxAmount > 1_500_000) {
          throw invalid('The token max amount must be between 100 and 1500000.', 'token.max_amount');
        }
        if (typeof raw.expire_at !== 'number' || raw.expire_at <= now()) {
          throw invalid('The token expire at must be a future timestamp.', 'token.expire_at');
        }
        if (!['as_presented', 'monthly', 'yearly', 'weekly', 'daily'].includes(String(raw.frequency))) {
          throw invalid('The selected token.frequency is invalid.', 'token.frequency');
        }
        token = { max_amount: maxAmount, expire_at: raw.expire_at, frequency: String(raw.frequency) };
      }
      const order: StandInOrder = {
        id: razorpayId('order'),
        amount: readAmount(body.amount, 100),
        currency,
        receipt: readReceipt(body.receipt),
        customerId,
        method: typeof body.method === 'string' ? body.method : null,
        token,
        paymentCapture:
          body.payment_capture === true || body.payment_capture === 1 || body.payment_capture === '1',
        notes: readNotes(body.notes),
        createdAt: now(),
        status: 'created',
        amountPaid: 0,
        attempts: 0,
      };
      orders.set(order.id, order);
      return orderJson(order);
    }
    if (method === 'GET' && path === '/v1/orders') {
      const receipt = query.get('receipt');
      const count = Number(query.get('count') ?? 10);
      const skip = Number(query.get('skip') ?? 0);
      const found = [...orders.values()]
        .filter((order) => receipt === null || order.receipt === receipt)
        .sort((a, b) => b.createdAt - a.createdAt)
        .slice(skip, skip + count);
      return collection(found.map(orderJson));
    }
    if (method === 'GET' && (match = /^\/v1\/orders\/([^/]+)$/.exec(path))) {
      return orderJson(find(orders, match[1]!));
    }
    if (method === 'GET' && (match = /^\/v1\/orders\/([^/]+)\/payments$/.exec(path))) {
      const order = find(orders, match[1]!);
      return collection(
        [...payments.values()].filter((payment) => payment.orderId === order.id).map(paymentJson),
      );
    }
    if (method === 'POST' && path === '/v1/payments/create/recurring') {
      const email = requiredString(body, 'email');
      const contact = requiredString(body, 'contact');
      const orderId = requiredString(body, 'order_id');
      const customerId = requiredString(body, 'customer_id');
      const tokenId = requiredString(body, 'token');
      if (!['1', 1, true].includes(body.recurring as string | number | boolean)) {
        throw invalid('The recurring field must be 1.', 'recurring');
      }
      const order = find(orders, orderId);
      const customer = find(customers, customerId);
      const token = find(tokens, tokenId);
      if (token.customerId !== customer.id)
        throw invalid('The token does not belong to the customer', 'token');
      if (body.amount !== order.amount) throw invalid('The amount must match the order amount', 'amount');
      if (body.currency !== order.currency)
        throw invalid('The currency must match the order currency', 'currency');
      if (order.status === 'paid') throw invalid('Order has already been paid.', 'order_id');
      order.attempts++;
      order.status = 'attempted';
      const payment: StandInPayment = {
        id: razorpayId('pay'),
        orderId: order.id,
        amount: order.amount,
        currency: order.currency,
        customerId: customer.id,
        tokenId: token.id,
        email,
        contact,
        notes: readNotes(body.notes),
        recurring: true,
        createdAt: now(),
        status: 'created',
        amountRefunded: 0,
        error: null,
      };
      payments.set(payment.id, payment);
      if (token.card.renewals !== 'succeed') {
        payment.status = 'failed';
        payment.error = {
          code: 'BAD_REQUEST_ERROR',
          description:
            token.card.renewals === 'insufficient_funds'
              ? 'Payment failed due to insufficient balance in the account.'
              : 'Your payment was declined by the bank. Try another card.',
          source: 'bank',
          step: 'payment_authorization',
          reason: token.card.renewals,
        };
        emit('payment.failed', { payment: paymentJson(payment) });
        throw new ApiError(400, payment.error.code, payment.error.description, {
          source: payment.error.source,
          step: payment.error.step,
          reason: payment.error.reason,
          metadata: { payment_id: payment.id, order_id: order.id },
        });
      }
      capture(order, payment);
      return {
        razorpay_payment_id: payment.id,
        razorpay_order_id: order.id,
        razorpay_signature: createHmac('sha256', keySecret).update(`${order.id}|${payment.id}`).digest('hex'),
      };
    }
    if (method === 'GET' && (match = /^\/v1\/payments\/([^/]+)$/.exec(path))) {
      return paymentJson(find(payments, match[1]!));
    }
    if ((match = /^\/v1\/payments\/([^/]+)\/refunds?$/.exec(path))) {
      const payment = find(payments, match[1]!);
      if (method === 'GET' && path.endsWith('/refunds')) {
        const count = Number(query.get('count') ?? 10);
        return collection(
          [...refunds.values()]
            .filter((refund) => refund.paymentId === payment.id)
            .slice(0, count)
            .map(refundJson),
        );
      }
      if (method === 'POST' && path.endsWith('/refund')) {
        if (payment.status !== 'captured') {
          throw invalid(
            payment.status === 'refunded'
              ? 'The payment has been fully refunded already'
              : 'Only payments which have been captured can be refunded',
          );
        }
        const amount =
          body.amount === undefined ? payment.amount - payment.amountRefunded : readAmount(body.amount, 100);
        if (amount > payment.amount - payment.amountRefunded) {
          throw invalid('The refund amount provided is greater than amount captured', 'amount');
        }
        const refund: StandInRefund = {
          id: razorpayId('rfnd'),
          paymentId: payment.id,
          amount,
          currency: payment.currency,
          receipt: readReceipt(body.receipt),
          notes: readNotes(body.notes),
          createdAt: now(),
        };
        refunds.set(refund.id, refund);
        payment.amountRefunded += amount;
        if (payment.amountRefunded === payment.amount) payment.status = 'refunded';
        emit('refund.created', { refund: refundJson(refund), payment: paymentJson(payment) });
        emit('refund.processed', { refund: refundJson(refund), payment: paymentJson(payment) });
        return refundJson(refund);
      }
    }
    throw new ApiError(400, 'BAD_REQUEST_ERROR', 'The requested URL was not found on the server.');
  }

  const standIn = {
    outage: 'none' as RazorpayStandIn['outage'],
  };

  async function serve(request: IncomingMessage, response: ServerResponse) {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString('utf8');
    const url = new URL(request.url ?? '/', 'http://stand-in');
    const method = request.method ?? 'GET';
    let body: Record<string, unknown> = {};
    if (text !== '') {
      try {
        body = JSON.parse(text) as Record<string, unknown>;
      } catch {
        body = {};
      }
    }
    requests.push({ method, path: url.pathname, query: Object.fromEntries(url.searchParams), body });

    const send = (status: number, json: unknown) => {
      response.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
      response.end(JSON.stringify(json));
    };
    if (standIn.outage === 'network') return void request.socket.destroy();
    if (standIn.outage === 'error') {
      return send(500, {
        error: {
          code: 'SERVER_ERROR',
          description: 'The server encountered an error. The incident has been reported to admins.',
          source: 'NA',
          step: 'NA',
          reason: 'NA',
          metadata: {},
        },
      });
    }
    if (request.headers.authorization !== expectedAuth) {
      return send(401, new ApiError(401, 'BAD_REQUEST_ERROR', 'Authentication failed').body);
    }
    const drop = drops.findIndex((d) => d.method === method && d.path.test(url.pathname));
    const dropped = drop >= 0 ? drops.splice(drop, 1)[0] : undefined;
    if (dropped?.when === 'before') return void request.socket.destroy();
    let status = 200;
    let answer: unknown;
    try {
      answer = handle(method, url.pathname, url.searchParams, body);
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      status = error.status;
      answer = error.body;
    }
    if (dropped?.when === 'after') return void request.socket.destroy();
    send(status, answer);
  }

  const server = createServer((request, response) => {
    serve(request, response).catch((error: unknown) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return Object.assign(standIn, {
    url: `http://127.0.0.1:${port}`,
    keyId,
    keySecret,
    requests,
    customers,
    orders,
    payments,
    tokens,
    refunds,
    events,
    dropNext(method: string, path: RegExp, when: 'before' | 'after') {
      drops.push({ method, path, when });
    },
    payInWidget(orderId: string, payOptions: { card?: StandInCard; contact?: string; notes?: Notes } = {}) {
      const order = find(orders, orderId);
      if (!order.customerId || !order.token) throw new Error(`${orderId} is not set up for a recurring card`);
      if (order.status === 'paid') throw new Error(`${orderId} is paid already`);
      const customer = find(customers, order.customerId);
      const token: StandInToken = {
        id: razorpayId('token'),
        customerId: customer.id,
        card: payOptions.card ?? standInCards.visa,
        createdAt: now(),
      };
      tokens.set(token.id, token);
      order.attempts++;
      const payment: StandInPayment = {
        id: razorpayId('pay'),
        orderId: order.id,
        amount: order.amount,
        currency: order.currency,
        customerId: customer.id,
        tokenId: token.id,
        email: customer.email,
        contact: payOptions.contact ?? '+919876543210',
        notes: payOptions.notes ?? {},
        recurring: true,
        createdAt: now(),
        status: 'authorized',
        amountRefunded: 0,
        error: null,
      };
      payments.set(payment.id, payment);
      capture(order, payment);
      return payment;
    },
    calls(method: string, path: string | RegExp) {
      return requests.filter(
        (request) =>
          request.method === method &&
          (typeof path === 'string' ? request.path === path : path.test(request.path)),
      );
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  });
}
