import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { formatMoney } from '../../kernel/money.js';
import { renderPage, scriptJson } from '../../web/render.js';
import type { RazorpayCheckoutPage, RazorpayGateway } from './razorpay.js';

/**
 * Razorpay's checkout is a JavaScript widget, not a hosted page: Masthead serves the page it opens
 * on (`GET /payments/razorpay/checkout/:orderId`, the `url` of a Razorpay checkout) and the
 * callback the page posts the widget's signed confirmation to (`POST /payments/razorpay/callback`).
 *
 * The widget hands its confirmation to a script on the page (its `handler`), which posts it with
 * an ordinary form. Razorpay's other way, a `callback_url` it posts to itself, would arrive from
 * api.razorpay.com: a cross-site POST, which the site's CSRF guard rightly refuses.
 */

export interface RazorpayRouteDeps {
  readonly gateway: RazorpayGateway;
  /** The name the widget shows as the merchant's. */
  readonly publicationName: () => Promise<string>;
}

export const razorpayCheckoutScript = 'https://checkout.razorpay.com/v1/checkout.js';
export const razorpayCallbackPath = '/payments/razorpay/callback';

/**
 * The checkout page's own Content-Security-Policy, in place of the site's (`script-src 'self'`):
 * Razorpay's script, this response's nonce for the one inline script, and Razorpay's frames (the
 * widget is an iframe from api.razorpay.com). checkout.js styles its modal inline, so styles may
 * be inline here and nowhere else; the page shows nothing a reader wrote but their own name and
 * address, escaped.
 */
export function razorpayCheckoutPolicy(nonce: string): string {
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' https://checkout.razorpay.com`,
    "frame-src 'self' https://api.razorpay.com https://checkout.razorpay.com",
    "connect-src 'self' https://api.razorpay.com https://lumberjack.razorpay.com",
    "img-src 'self' https: data:",
    "style-src 'self' 'unsafe-inline'",
    "font-src 'self' https: data:",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'self'",
  ].join('; ');
}

const OrderParams = z.object({
  orderId: z.string().regex(/^order_[A-Za-z0-9]{1,40}$/, 'expected a Razorpay order id'),
});
const Confirmation = z.object({
  razorpay_payment_id: z.string().regex(/^pay_[A-Za-z0-9]{1,40}$/, 'expected a Razorpay payment id'),
  razorpay_order_id: z.string().regex(/^order_[A-Za-z0-9]{1,40}$/, 'expected a Razorpay order id'),
  razorpay_signature: z.string().regex(/^[0-9a-f]{64}$/, 'expected a hex HMAC-SHA256 signature'),
});

export async function razorpayRoutes(app: FastifyInstance, deps: RazorpayRouteDeps): Promise<void> {
  const { gateway, publicationName } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/payments/razorpay/checkout/:orderId',
    { schema: { params: OrderParams } },
    async (request, reply) => {
      const page = await gateway.checkoutPage(request.params.orderId);
      // A payment in progress: no cache may keep the page.
      reply.header('cache-control', 'private, no-store');
      if (page.status === 'paid') return reply.redirect(page.successUrl, 303);
      if (page.status === 'expired') return reply.redirect(page.cancelUrl, 303);
      const nonce = randomBytes(18).toString('base64');
      return (
        reply
          .header('content-security-policy', razorpayCheckoutPolicy(nonce))
          // Helmet's `same-origin` would cut this page off from the window the widget opens for
          // some banks' authentication step.
          .header('cross-origin-opener-policy', 'same-origin-allow-popups')
          .type('text/html; charset=utf-8')
          .send(renderPage(<CheckoutPage page={page} nonce={nonce} merchant={await publicationName()} />))
      );
    },
  );

  r.post(razorpayCallbackPath, { schema: { body: Confirmation } }, async (request, reply) => {
    const { redirectTo } = await gateway.confirmCheckout({
      orderId: request.body.razorpay_order_id,
      paymentId: request.body.razorpay_payment_id,
      signature: request.body.razorpay_signature,
    });
    return reply.redirect(redirectTo, 303);
  });
}

interface CheckoutPageProps {
  readonly page: Extract<RazorpayCheckoutPage, { status: 'open' }>;
  readonly nonce: string;
  readonly merchant: string;
}

function CheckoutPage({ page, nonce, merchant }: CheckoutPageProps) {
  const options = {
    key: page.keyId,
    order_id: page.orderId,
    customer_id: page.customerId,
    // Saves the card as a token Masthead may charge for renewals.
    recurring: '1',
    name: merchant,
    description: page.description,
    prefill: { name: page.customer.name, email: page.customer.email },
    // The payment's notes: how its webhooks are told apart from renewals'.
    notes: { masthead: 'checkout', reference: page.reference },
    // The widget closes when the checkout ends: a page left open must not take a payment for a
    // checkout Masthead has closed.
    timeout: page.secondsLeft,
  };
  return (
    <html lang="en-IN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`Pay — ${merchant}`}</title>
        <link rel="stylesheet" href="/assets/site.css" />
        <script src={razorpayCheckoutScript} />
      </head>
      <body>
        <main class="razorpay-checkout">
          <h1>{page.description || merchant}</h1>
          {page.mode === 'setup' ? (
            <p>
              To save your card, Razorpay checks it with a payment of {formatMoney(page.amount)}, refunded at
              once.
            </p>
          ) : (
            <p>{formatMoney(page.amount)}, then renewed automatically on the card you use.</p>
          )}
          <p>
            <button type="button" id="razorpay-pay">
              Pay with Razorpay
            </button>{' '}
            <a href={page.cancelUrl}>Cancel</a>
          </p>
          <noscript>
            <p>Razorpay’s checkout needs JavaScript. Turn it on and reload this page.</p>
          </noscript>
          <form id="razorpay-confirmation" method="post" action={razorpayCallbackPath} hidden>
            <input type="hidden" name="razorpay_payment_id" />
            <input type="hidden" name="razorpay_order_id" />
            <input type="hidden" name="razorpay_signature" />
          </form>
        </main>
        <script nonce={nonce} dangerouslySetInnerHTML={{ __html: pageScript(options, page.cancelUrl) }} />
      </body>
    </html>
  );
}

/** Opens the widget; on success posts its signed confirmation; on dismissal goes to the cancel URL. */
function pageScript(options: Record<string, unknown>, cancelUrl: string): string {
  return `(function () {
  var form = document.getElementById('razorpay-confirmation');
  var options = ${scriptJson(options)};
  var confirmed = false;
  options.handler = function (response) {
    confirmed = true;
    form.elements.razorpay_payment_id.value = response.razorpay_payment_id;
    form.elements.razorpay_order_id.value = response.razorpay_order_id;
    form.elements.razorpay_signature.value = response.razorpay_signature;
    form.submit();
  };
  options.modal = {
    ondismiss: function () {
      if (!confirmed) window.location.assign(${scriptJson(cancelUrl)});
    },
  };
  var checkout = new Razorpay(options);
  document.getElementById('razorpay-pay').addEventListener('click', function () { checkout.open(); });
  checkout.open();
})();`;
}
