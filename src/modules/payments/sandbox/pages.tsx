import type { ComponentChildren } from 'preact';
import { formatMoney } from '../../../kernel/money.js';
import { cardLabel, testCards } from './cards.js';
import type { SandboxSession } from './queries.js';

/**
 * The sandbox's hosted pages. They are the processor's, not the publication's: no site chrome,
 * their own small stylesheet, and a banner on every page saying no real money is taken. No
 * scripts at all (the CSP is `script-src 'self'`, and the pages must work without JavaScript).
 */

export const sandboxStylesheetPath = '/sandbox/assets/sandbox.css';

export const sandboxStylesheet = `
.sandbox { font-family: system-ui, sans-serif; max-width: 34rem; margin: 0 auto; padding: 1rem; color: #1d1d1f; }
.sandbox-banner { background: #fff4d6; border: 1px solid #e0c36a; border-radius: 4px; padding: 0.6rem 0.9rem; }
.sandbox h1 { font-size: 1.4rem; margin: 1.2rem 0 0.3rem; }
.sandbox-amount { font-size: 2rem; font-weight: 600; margin: 0.2rem 0 1rem; }
.sandbox-error { background: #fde8e8; border: 1px solid #e3a1a1; border-radius: 4px; padding: 0.6rem 0.9rem; }
.sandbox-notice { background: #eef4ff; border: 1px solid #a9c1ee; border-radius: 4px; padding: 0.6rem 0.9rem; }
.sandbox form p { margin: 0.7rem 0; }
.sandbox label { display: block; font-size: 0.9rem; margin-bottom: 0.2rem; }
.sandbox input { font: inherit; width: 100%; box-sizing: border-box; padding: 0.45rem; border: 1px solid #999; border-radius: 4px; }
.sandbox-row { display: flex; gap: 0.8rem; }
.sandbox-row p { flex: 1; }
.sandbox button { font: inherit; padding: 0.55rem 1.1rem; border-radius: 4px; border: 1px solid #0a5; background: #0a6e3c; color: #fff; cursor: pointer; }
.sandbox button.sandbox-secondary { background: #fff; color: #a11; border-color: #a11; }
.sandbox-actions { display: flex; gap: 0.8rem; align-items: center; flex-wrap: wrap; }
.sandbox-cards { border-collapse: collapse; font-size: 0.9rem; margin-top: 0.5rem; }
.sandbox-cards td { padding: 0.2rem 0.8rem 0.2rem 0; vertical-align: top; }
.sandbox-cards code { white-space: nowrap; }
.sandbox-test-cards { margin-top: 2rem; border-top: 1px solid #ddd; padding-top: 0.5rem; }
`;

/** A card number as printed on the card: `4242 4242 4242 4242`. */
const grouped = (digits: string) => digits.replace(/(\d{4})(?=\d)/g, '$1 ');

function Shell({ title, children }: { title: string; children: ComponentChildren }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${title} — Sandbox`}</title>
        <link rel="stylesheet" href={sandboxStylesheetPath} />
      </head>
      <body>
        <main class="sandbox">
          <p class="sandbox-banner" role="note">
            <strong>Sandbox — test payments, no real money is taken.</strong> Use one of the test cards below.
          </p>
          {children}
          <TestCards />
        </main>
      </body>
    </html>
  );
}

function TestCards() {
  return (
    <section class="sandbox-test-cards" aria-labelledby="test-cards-title">
      <h2 id="test-cards-title">Test cards</h2>
      <p>Any future expiry date (such as 12/34), any 3-digit CVC and any name.</p>
      <table class="sandbox-cards">
        <tbody>
          {testCards.map((card) => (
            <tr>
              <td>
                <code>{grouped(card.number)}</code>
              </td>
              <td>{card.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Summary({ session }: { session: SandboxSession }) {
  return (
    <>
      <h1>{session.description}</h1>
      {session.mode === 'payment' ? (
        <p class="sandbox-amount">{formatMoney(session.amount)}</p>
      ) : (
        <p>Nothing is charged now: your card is saved for later payments.</p>
      )}
    </>
  );
}

/** What the payer typed, shown again after a failed attempt (never the CVC). */
export interface CardFormValues {
  readonly number: string;
  readonly expiry: string;
  readonly name: string;
}

const emptyForm: CardFormValues = { number: '', expiry: '', name: '' };

/** `/sandbox/checkout/:id`: what is paid for, the card form, or how the session ended. */
export function CheckoutPage(props: {
  session: SandboxSession;
  formAction: string;
  authenticatePath: string;
  /** The error of the attempt just made; without one, the session's last failure is shown. */
  error?: string | undefined;
  values?: CardFormValues | undefined;
}) {
  const { session, formAction, authenticatePath } = props;
  if (session.status === 'paid') {
    return (
      <Shell title="Paid">
        <Summary session={session} />
        <p class="sandbox-notice" role="status">
          This checkout is complete.
        </p>
        <p>
          <a href={session.successUrl}>Return to the site</a>
        </p>
      </Shell>
    );
  }
  if (session.status === 'expired' || session.status === 'failed') {
    return (
      <Shell title="Checkout closed">
        <Summary session={session} />
        <p class="sandbox-error" role="alert">
          {session.status === 'expired'
            ? 'This checkout has expired: nothing was charged. Return to the site to start again.'
            : 'This checkout is closed: nothing was charged.'}
        </p>
        <p>
          <a href={session.cancelUrl}>Return to the site</a>
        </p>
      </Shell>
    );
  }
  const error = props.error ?? session.failureReason ?? undefined;
  const values = props.values ?? emptyForm;
  const invalid = error === undefined ? undefined : 'true';
  return (
    <Shell title="Checkout">
      <Summary session={session} />
      {session.status === 'requires_action' && session.paymentMethod && (
        <p class="sandbox-notice" role="status">
          {cardLabel(session.paymentMethod)} is waiting for authentication.{' '}
          <a href={authenticatePath}>Continue to authentication</a>, or pay with another card below.
        </p>
      )}
      {error !== undefined && (
        <p class="sandbox-error" role="alert" id="card-error">
          {error}
        </p>
      )}
      <form method="post" action={formAction}>
        <p>
          <label for="card-number">Card number</label>
          <input
            id="card-number"
            name="number"
            value={values.number}
            inputMode="numeric"
            autocomplete="cc-number"
            placeholder="4242 4242 4242 4242"
            maxLength={23}
            required
            aria-invalid={invalid}
            aria-describedby={error === undefined ? undefined : 'card-error'}
          />
        </p>
        <div class="sandbox-row">
          <p>
            <label for="card-expiry">Expiry (MM/YY)</label>
            <input
              id="card-expiry"
              name="expiry"
              value={values.expiry}
              autocomplete="cc-exp"
              placeholder="MM/YY"
              maxLength={7}
              required
            />
          </p>
          <p>
            <label for="card-cvc">CVC</label>
            <input
              id="card-cvc"
              name="cvc"
              inputMode="numeric"
              autocomplete="cc-csc"
              placeholder="123"
              maxLength={4}
              required
            />
          </p>
        </div>
        <p>
          <label for="card-name">Name on card</label>
          <input id="card-name" name="name" value={values.name} autocomplete="cc-name" maxLength={120} />
        </p>
        <p class="sandbox-actions">
          <button type="submit">
            {session.mode === 'payment' ? `Pay ${formatMoney(session.amount)}` : 'Save card'}
          </button>
          <a href={session.cancelUrl}>Cancel and return</a>
        </p>
      </form>
    </Shell>
  );
}

/** `/sandbox/checkout/:id/authenticate`: the stand-in for the bank's extra step (3-D Secure). */
export function AuthenticatePage(props: { session: SandboxSession; formAction: string }) {
  const { session, formAction } = props;
  const card = session.paymentMethod ? cardLabel(session.paymentMethod) : 'Your card';
  return (
    <Shell title="Authentication">
      <Summary session={session} />
      <h2>Authenticate this payment</h2>
      <p>
        {card}’s bank asks you to confirm{' '}
        {session.mode === 'payment' ? `this payment of ${formatMoney(session.amount)}` : 'saving this card'}.
        In the sandbox, choose the outcome.
      </p>
      <form method="post" action={formAction} class="sandbox-actions">
        <button type="submit" name="outcome" value="approve">
          Complete authentication
        </button>
        <button type="submit" name="outcome" value="fail" class="sandbox-secondary">
          Fail authentication
        </button>
      </form>
    </Shell>
  );
}

/** An unknown session id. */
export function NotFoundPage() {
  return (
    <Shell title="Checkout not found">
      <h1>Checkout not found</h1>
      <p>There is no such checkout. Return to the site you came from and start again.</p>
    </Shell>
  );
}
