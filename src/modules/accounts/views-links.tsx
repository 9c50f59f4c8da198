import type { ComponentChildren } from 'preact';
import { Layout, type SiteChrome } from '../../web/views/layout.js';
import { linkPurposes, type LinkPurpose, type LinkRefusal } from './links.js';

/** The links a reader can ask for by email on a page. */
export type RequestablePurpose = Exclude<LinkPurpose, 'confirm_email'>;

const forms: Record<RequestablePurpose, { title: string; action: string; intro: string; button: string }> = {
  sign_in: {
    title: 'Email me a sign-in link',
    action: '/login/link',
    intro: 'We will email you a link that signs you in on this device, no password needed.',
    button: 'Email me a link',
  },
  password_reset: {
    title: 'Reset your password',
    action: '/login/reset',
    intro: 'We will email you a link to choose a new password.',
    button: 'Email me a reset link',
  },
};

const names: Record<LinkPurpose, string> = {
  confirm_email: 'confirmation link',
  sign_in: 'sign-in link',
  password_reset: 'password-reset link',
};

/** "15 minutes", "24 hours". */
export function lifetimeText(purpose: LinkPurpose): string {
  const minutes = linkPurposes[purpose].lifetimeMs / 60_000;
  return minutes >= 120 ? `${minutes / 60} hours` : `${minutes} minutes`;
}

/** What a reader is told when a link does not work. */
export function refusalMessage(purpose: LinkPurpose, refusal: LinkRefusal): string {
  switch (refusal) {
    case 'used':
      return `This ${names[purpose]} was used already: each link works once.`;
    case 'expired':
      return `This ${names[purpose]} has expired. Links work for ${lifetimeText(purpose)}, and only the newest one sent works.`;
    case 'unknown':
      return `This ${names[purpose]} does not work. If you copied it from the email, check that you copied all of it.`;
  }
}

function Notice({ children, alert = false }: { children: ComponentChildren; alert?: boolean }) {
  return (
    <p class={alert ? 'notice form-error' : 'notice'} role={alert ? 'alert' : 'status'}>
      {children}
    </p>
  );
}

/** The form that asks for a link by email; `returnTo` rides along with a sign-in link. */
function RequestForm(props: {
  purpose: RequestablePurpose;
  email?: string | undefined;
  returnTo?: string | undefined;
  error?: string | undefined;
}) {
  const { purpose, email, returnTo, error } = props;
  const form = forms[purpose];
  return (
    <form method="post" action={form.action} class="link-request">
      {purpose === 'sign_in' && returnTo && <input type="hidden" name="returnTo" value={returnTo} />}
      <p>
        <label for="link-email">Email</label>
        <br />
        <input
          id="link-email"
          name="email"
          type="email"
          value={email}
          autocomplete="email"
          required
          maxLength={254}
          aria-invalid={error ? 'true' : undefined}
        />
      </p>
      <p>
        <button type="submit" class="button">
          {form.button}
        </button>
      </p>
    </form>
  );
}

/** `/login/link` and `/login/reset`: ask for a link by email. */
export function LinkRequestPage(props: {
  chrome: SiteChrome;
  purpose: RequestablePurpose;
  email?: string | undefined;
  returnTo?: string | undefined;
  /** Why the last attempt failed (an address that is not one). */
  error?: string | undefined;
}) {
  const { chrome, purpose, error } = props;
  const form = forms[purpose];
  return (
    <Layout chrome={chrome} title={form.title}>
      <div class="account-pages">
        <h1 class="page-title">{form.title}</h1>
        <p>
          {form.intro} The link works once, for {lifetimeText(purpose)}.
        </p>
        {error && <Notice alert>{error}</Notice>}
        <RequestForm {...props} />
        <p>
          <a href="/login">Sign in with your password</a>
        </p>
      </div>
    </Layout>
  );
}

/** After asking for a link: the same words whether or not the address has an account. */
export function LinkSentPage({ chrome, purpose }: { chrome: SiteChrome; purpose: RequestablePurpose }) {
  return (
    <Layout chrome={chrome} title="Check your email">
      <div class="account-pages">
        <h1 class="page-title">Check your email</h1>
        <Notice>If there is an account for that address, a link is on its way.</Notice>
        <p>
          The link works once, for {lifetimeText(purpose)}. Nothing after a few minutes? Look in your spam
          folder, or <a href={forms[purpose].action}>ask again</a>.
        </p>
      </div>
    </Layout>
  );
}

/** A link that does not work (used, expired, unknown), and a way to ask for a new one. */
export function LinkRefusedPage(props: {
  chrome: SiteChrome;
  purpose: LinkPurpose;
  refusal: LinkRefusal;
  returnTo?: string | undefined;
}) {
  const { chrome, purpose, refusal, returnTo } = props;
  // A confirmation link is not asked for by email; a sign-in link confirms the address too.
  const ask: RequestablePurpose = purpose === 'password_reset' ? 'password_reset' : 'sign_in';
  return (
    <Layout chrome={chrome} title="This link does not work">
      <div class="account-pages">
        <h1 class="page-title">This link does not work</h1>
        <Notice alert>{refusalMessage(purpose, refusal)}</Notice>
        <h2>
          {purpose === 'confirm_email'
            ? 'Get a sign-in link: it confirms your address too'
            : 'Get a new link'}
        </h2>
        <RequestForm purpose={ask} returnTo={returnTo} />
      </div>
    </Layout>
  );
}

/**
 * `GET /auth/link`: the link is good; a button signs in. Opening a link changes nothing: a mail
 * scanner that follows it uses nothing up, and a link sent by someone else signs nobody in
 * without asking (the page names the account).
 */
export function SignInLinkPage(props: {
  chrome: SiteChrome;
  token: string;
  email: string;
  returnTo: string;
}) {
  const { chrome, token, email, returnTo } = props;
  return (
    <Layout chrome={chrome} title="Sign in">
      <div class="account-pages">
        <h1 class="page-title">Sign in</h1>
        <p>You are about to sign in on this device as {email}.</p>
        <form method="post" action="/auth/link">
          <input type="hidden" name="token" value={token} />
          <input type="hidden" name="returnTo" value={returnTo} />
          <p>
            <button type="submit" class="button">
              Sign in as {email}
            </button>
          </p>
        </form>
        <p>Not your address? Close this page: nothing happens until you press the button.</p>
      </div>
    </Layout>
  );
}

/**
 * `GET /account/confirm`: the link is good; a button confirms. Without the session that signed
 * up, the reader may vouch for the password chosen at sign-up by typing it; otherwise it is
 * removed, because whoever chose it did not show that they own the address.
 */
export function ConfirmEmailPage(props: {
  chrome: SiteChrome;
  token: string;
  email: string;
  /** Ask for the password chosen at sign-up (the account has one, this browser is not in it). */
  askPassword: boolean;
  error?: string | undefined;
}) {
  const { chrome, token, email, askPassword, error } = props;
  return (
    <Layout chrome={chrome} title="Confirm your email address">
      <div class="account-pages">
        <h1 class="page-title">Confirm your email address</h1>
        <p>This confirms that {email} is yours, and signs you in on this device.</p>
        {error && <Notice alert>{error}</Notice>}
        <form method="post" action="/account/confirm">
          <input type="hidden" name="token" value={token} />
          {askPassword && (
            <>
              <input type="text" name="username" autocomplete="username" value={email} hidden readOnly />
              <p>
                <label for="confirm-password">The password you chose when you signed up</label>
                <br />
                <input
                  id="confirm-password"
                  name="password"
                  type="password"
                  autocomplete="current-password"
                  maxLength={512}
                  aria-describedby="confirm-password-help"
                  aria-invalid={error ? 'true' : undefined}
                />
              </p>
              <p id="confirm-password-help">
                Did not sign up yourself, or forgot it? Leave it empty: the account is then yours alone, its
                password is removed, and every device signed in to it is signed out.
              </p>
            </>
          )}
          <p>
            <button type="submit" class="button">
              Confirm {email}
            </button>
          </p>
        </form>
      </div>
    </Layout>
  );
}

/** `/account/confirm`: the address is confirmed. */
export function EmailConfirmedPage(props: { chrome: SiteChrome; email: string; passwordRemoved?: boolean }) {
  const { chrome, email, passwordRemoved = false } = props;
  return (
    <Layout chrome={chrome} title="Email address confirmed">
      <div class="account-pages">
        <h1 class="page-title">Email address confirmed</h1>
        <Notice>Thank you: {email} is confirmed.</Notice>
        {passwordRemoved && (
          <p>
            The password chosen before the address was confirmed is removed, and every other device is signed
            out. Sign in with an emailed link, or <a href="/login/reset">choose a password</a>.
          </p>
        )}
        <p>
          <a href="/account">Your account</a> · <a href="/">Front page</a>
        </p>
      </div>
    </Layout>
  );
}

/** `/login/reset/new`: choose a new password; the token travels in the form. */
export function NewPasswordPage(props: {
  chrome: SiteChrome;
  token: string;
  email: string;
  error?: string | undefined;
}) {
  const { chrome, token, email, error } = props;
  return (
    <Layout chrome={chrome} title="Choose a new password">
      <div class="account-pages">
        <h1 class="page-title">Choose a new password</h1>
        <p>For {email}. Every device signed in to the account will be signed out.</p>
        {error && <Notice alert>{error}</Notice>}
        <form method="post" action="/login/reset/new">
          <input type="hidden" name="token" value={token} />
          {/* Lets password managers file the new password under the right account. */}
          <input type="text" name="username" autocomplete="username" value={email} hidden readOnly />
          <p>
            <label for="new-password">New password (at least 8 characters)</label>
            <br />
            <input
              id="new-password"
              name="password"
              type="password"
              autocomplete="new-password"
              required
              minLength={8}
              maxLength={512}
              aria-invalid={error ? 'true' : undefined}
            />
          </p>
          <p>
            <button type="submit" class="button">
              Save the new password
            </button>
          </p>
        </form>
      </div>
    </Layout>
  );
}

/** After a reset: the password is changed and every device signed out. */
export function PasswordChangedPage({ chrome }: { chrome: SiteChrome }) {
  return (
    <Layout chrome={chrome} title="Password changed">
      <div class="account-pages">
        <h1 class="page-title">Password changed</h1>
        <Notice>Your password is changed, and every device that was signed in is signed out.</Notice>
        <p>
          <a class="button" href="/login">
            Sign in with the new password
          </a>
        </p>
      </div>
    </Layout>
  );
}
