import type { ComponentChildren } from 'preact';
import { Layout, type SiteChrome } from '../../web/views/layout.js';
import type { AccountView, SessionView } from './service.js';

/** What every account page needs from the site: its chrome, and the zone to show times in. */
export interface PageShell {
  readonly chrome: SiteChrome;
  readonly timeZone: string;
}

export type FormName = 'sign-in' | 'sign-up';
export type FormField = 'email' | 'password' | 'name';

/** A form that failed: what the reader typed (never the password) and what went wrong. */
export interface FailedForm {
  readonly form: FormName;
  readonly email: string;
  readonly name: string;
  readonly error: string;
  readonly field?: FormField | undefined;
}

function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

function FormError({ failed, form }: { failed: FailedForm | undefined; form: FormName }) {
  if (failed?.form !== form) return null;
  return (
    <p class="notice form-error" role="alert" id={`${form}-error`}>
      {failed.error}
    </p>
  );
}

function Field(props: {
  form: FormName;
  name: FormField;
  label: string;
  type: string;
  value?: string;
  autocomplete: string;
  required?: boolean;
  minLength?: number;
  failed: FailedForm | undefined;
}) {
  const { form, name, label, failed } = props;
  const id = `${form}-${name}`;
  const invalid = failed?.form === form && failed.field === name;
  return (
    <p>
      <label for={id}>{label}</label>
      <br />
      <input
        id={id}
        name={name}
        type={props.type}
        value={props.value}
        autocomplete={props.autocomplete}
        required={props.required}
        minLength={props.minLength}
        maxLength={name === 'name' ? 120 : name === 'email' ? 254 : 512}
        aria-invalid={invalid ? 'true' : undefined}
        aria-describedby={invalid ? `${form}-error` : undefined}
      />
    </p>
  );
}

/** `/login`: signing in and signing up on one page, both returning to `returnTo`. */
export function LoginPage(props: {
  shell: PageShell;
  returnTo: string;
  /** Why the reader is here: signed out from elsewhere, by the device limit, account deleted… */
  notice?: string | undefined;
  /** The email of the reader already signed in on this device, if one is. */
  signedInAs?: string | undefined;
  failed?: FailedForm | undefined;
}) {
  const { shell, returnTo, notice, signedInAs, failed } = props;
  const kept = (form: FormName, field: 'email' | 'name') => (failed?.form === form ? failed[field] : '');
  const back = encodeURIComponent(returnTo).replaceAll('%2F', '/');
  return (
    <Layout chrome={shell.chrome} title="Sign in">
      <div class="account-pages">
        <h1 class="page-title">Sign in to {shell.chrome.publicationName}</h1>
        {notice && <Notice>{notice}</Notice>}
        {signedInAs && (
          <Notice>
            You are signed in as {signedInAs}. <a href="/account">Your account</a>
          </Notice>
        )}
        <section class="sign-in" aria-labelledby="sign-in-title">
          <h2 id="sign-in-title">Sign in</h2>
          <FormError failed={failed} form="sign-in" />
          <form method="post" action="/login">
            <input type="hidden" name="returnTo" value={returnTo} />
            <Field
              form="sign-in"
              name="email"
              label="Email"
              type="email"
              value={kept('sign-in', 'email')}
              autocomplete="username"
              required
              failed={failed}
            />
            <Field
              form="sign-in"
              name="password"
              label="Password"
              type="password"
              autocomplete="current-password"
              required
              failed={failed}
            />
            <p>
              <button type="submit" class="button">
                Sign in
              </button>
            </p>
          </form>
          <p class="sign-in-help">
            <a href={`/login/link?returnTo=${back}`}>Email me a sign-in link</a> ·{' '}
            <a href="/login/reset">Forgot your password?</a>
          </p>
        </section>
        <section class="sign-up" aria-labelledby="sign-up-title">
          <h2 id="sign-up-title">New here? Create an account</h2>
          <FormError failed={failed} form="sign-up" />
          <form method="post" action="/register">
            <input type="hidden" name="returnTo" value={returnTo} />
            <Field
              form="sign-up"
              name="name"
              label="Name"
              type="text"
              value={kept('sign-up', 'name')}
              autocomplete="name"
              failed={failed}
            />
            <Field
              form="sign-up"
              name="email"
              label="Email"
              type="email"
              value={kept('sign-up', 'email')}
              autocomplete="email"
              required
              failed={failed}
            />
            <Field
              form="sign-up"
              name="password"
              label="Password (at least 8 characters)"
              type="password"
              autocomplete="new-password"
              required
              minLength={8}
              failed={failed}
            />
            <p>
              <button type="submit" class="button">
                Create account
              </button>
            </p>
          </form>
        </section>
      </div>
    </Layout>
  );
}

function SessionRow({ session, at }: { session: SessionView; at: (iso: string) => string }) {
  return (
    <tr data-session={session.id} data-current={String(session.current)}>
      <td data-label="Device">
        {session.device}
        {session.kind === 'app' && ' (app)'}
        {session.current && <strong class="this-device"> · this device</strong>}
      </td>
      <td data-label="Where (address)">{session.ip}</td>
      <td data-label="Last seen">
        <time dateTime={session.lastSeenAt}>{at(session.lastSeenAt)}</time>
      </td>
      <td data-label="Sign out">
        <form method="post" action={session.current ? '/logout' : `/account/sessions/${session.id}/end`}>
          <button type="submit">Sign out</button>
        </form>
      </td>
    </tr>
  );
}

/** `/account`: who the reader is, where they are signed in, their data, and leaving. */
export function AccountPage(props: {
  shell: PageShell;
  account: AccountView;
  sessions: readonly SessionView[];
  notice?: string | undefined;
  /** Why deleting did not happen (the confirmation box was not ticked). */
  deleteError?: string | undefined;
  /** The reader's subscription, rendered by the billing module when there is one. */
  billing?: ComponentChildren;
  /** Other modules' sections (partner offers…), after the subscription. */
  more?: ComponentChildren;
}) {
  const { shell, account, sessions, notice, deleteError, billing, more } = props;
  const format = new Intl.DateTimeFormat('en-IN', {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: shell.timeZone,
  });
  const at = (iso: string) => format.format(new Date(iso));
  return (
    <Layout chrome={shell.chrome} title="Your account">
      <div class="account-pages">
        <h1 class="page-title">Your account</h1>
        {notice && <Notice>{notice}</Notice>}
        <section class="account-details" aria-labelledby="details-title">
          <h2 id="details-title">Details</h2>
          <dl>
            <dt>Name</dt>
            <dd>{account.name || '—'}</dd>
            <dt>Email</dt>
            <dd class="account-email">{account.email}</dd>
            <dt>Email confirmed</dt>
            <dd class="email-confirmed">{account.emailVerified ? 'Yes' : 'Not yet'}</dd>
          </dl>
        </section>

        {billing}

        {more}

        <section class="devices" aria-labelledby="devices-title">
          <h2 id="devices-title">Signed-in devices</h2>
          <table class="sessions">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Where (address)</th>
                <th scope="col">Last seen</th>
                <th scope="col">Sign out</th>
              </tr>
            </thead>
            <tbody>
              {sessions.map((session) => (
                <SessionRow session={session} at={at} />
              ))}
            </tbody>
          </table>
          {sessions.some((session) => !session.current) && (
            <form method="post" action="/account/sessions/end-others">
              <button type="submit">Sign out all other devices</button>
            </form>
          )}
          <form method="post" action="/logout">
            <button type="submit" class="button">
              Sign out
            </button>
          </form>
        </section>

        <section class="your-data" aria-labelledby="data-title">
          <h2 id="data-title">Your data</h2>
          <p>
            A copy of what {shell.chrome.publicationName} keeps about you: your account, the devices you
            signed in on, and the articles counted against your monthly allowance.
          </p>
          <p>
            <a href="/account/export" download>
              Download my data
            </a>
          </p>
        </section>

        <section class="delete-account" aria-labelledby="delete-title">
          <h2 id="delete-title">Delete my account</h2>
          <p>
            This deletes your account and what we keep with it, and signs you out on every device. It cannot
            be undone. A subscription that still renews must be cancelled first; invoices are kept, as the law
            requires.
          </p>
          {deleteError && (
            <p class="notice form-error" role="alert" id="delete-error">
              {deleteError}
            </p>
          )}
          <form method="post" action="/account/delete">
            <p>
              <label>
                <input
                  type="checkbox"
                  name="confirm"
                  value="yes"
                  required
                  aria-describedby={deleteError ? 'delete-error' : undefined}
                />{' '}
                I understand: delete my account and everything kept with it
              </label>
            </p>
            <p>
              <button type="submit">Delete my account</button>
            </p>
          </form>
        </section>
      </div>
    </Layout>
  );
}
