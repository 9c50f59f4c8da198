import type { ComponentChildren } from 'preact';
import { Layout, loginHref, type SiteChrome } from '../../web/views/layout.js';
import type { ReaderNewsletter } from './service.js';

function Notice({ children }: { children: ComponentChildren }) {
  return (
    <p class="notice" role="status">
      {children}
    </p>
  );
}

/** A newsletter's subscribe or unsubscribe button for a signed-in reader. */
function ChoiceForm(props: { newsletter: ReaderNewsletter; returnTo: string; allowed: boolean }) {
  const { newsletter, returnTo, allowed } = props;
  if (!newsletter.subscribed && !allowed) {
    return (
      <p class="newsletter-locked">
        For subscribers. <a href="/subscribe">See the plans</a>
      </p>
    );
  }
  const action = newsletter.subscribed ? 'unsubscribe' : 'subscribe';
  return (
    <form method="post" action={`/newsletters/${newsletter.id}/${action}`}>
      <input type="hidden" name="returnTo" value={returnTo} />
      <button type="submit" class={newsletter.subscribed ? '' : 'button'} data-newsletter={newsletter.slug}>
        {newsletter.subscribed ? `Unsubscribe from ${newsletter.name}` : `Subscribe to ${newsletter.name}`}
      </button>
    </form>
  );
}

/** The reader's newsletters with a button each: `/newsletters` and the `/account` section. */
export function NewsletterChoices(props: {
  newsletters: readonly ReaderNewsletter[];
  /** Whether the reader may receive each newsletter (the paywall's decision). */
  allowed: (newsletter: ReaderNewsletter) => boolean;
  returnTo: string;
}) {
  return (
    <ul class="newsletters">
      {props.newsletters.map((newsletter) => (
        <li class="newsletter" data-slug={newsletter.slug}>
          <h3>
            {newsletter.name}
            {newsletter.access === 'subscribers' && <span class="newsletter-access"> · For subscribers</span>}
          </h3>
          <p>{newsletter.description}</p>
          {newsletter.subscribed && <p class="newsletter-subscribed">You receive it.</p>}
          <ChoiceForm newsletter={newsletter} returnTo={props.returnTo} allowed={props.allowed(newsletter)} />
        </li>
      ))}
    </ul>
  );
}

/** The `/account` section: the reader's newsletters. */
export function AccountNewsletters(props: {
  newsletters: readonly ReaderNewsletter[];
  allowed: (newsletter: ReaderNewsletter) => boolean;
}) {
  return (
    <section class="account-newsletters" aria-labelledby="newsletters-title">
      <h2 id="newsletters-title">Newsletters</h2>
      <NewsletterChoices newsletters={props.newsletters} allowed={props.allowed} returnTo="/account" />
    </section>
  );
}

export function NewslettersPage(props: {
  chrome: SiteChrome;
  newsletters: readonly ReaderNewsletter[];
  signedIn: boolean;
  allowed: (newsletter: ReaderNewsletter) => boolean;
  notice?: string | undefined;
  /** A sign-up by address that was refused, with what was typed. */
  failed?: { error: string; email: string } | undefined;
}) {
  const { chrome, newsletters, signedIn, allowed, notice, failed } = props;
  const free = newsletters.filter((n) => n.access === 'free');
  return (
    <Layout chrome={chrome} title="Newsletters" description="Choose the newsletters you receive by email.">
      <div class="account-pages newsletters-page">
        <h1 class="page-title">Newsletters</h1>
        {notice && <Notice>{notice}</Notice>}
        {signedIn ? (
          <NewsletterChoices newsletters={newsletters} allowed={allowed} returnTo="/newsletters" />
        ) : (
          <>
            <ul class="newsletters">
              {newsletters.map((newsletter) => (
                <li class="newsletter" data-slug={newsletter.slug}>
                  <h3>
                    {newsletter.name}
                    {newsletter.access === 'subscribers' && (
                      <span class="newsletter-access"> · For subscribers</span>
                    )}
                  </h3>
                  <p>{newsletter.description}</p>
                </li>
              ))}
            </ul>
            <section class="newsletter-sign-up" aria-labelledby="sign-up-title">
              <h2 id="sign-up-title">Sign up by email</h2>
              {failed && (
                <p class="notice form-error" role="alert" id="sign-up-error">
                  {failed.error}
                </p>
              )}
              <form method="post" action="/newsletters/sign-up">
                <fieldset>
                  <legend>Newsletters</legend>
                  {free.map((newsletter) => (
                    <p>
                      <label>
                        <input type="checkbox" name="newsletter" value={newsletter.id} /> {newsletter.name}
                      </label>
                    </p>
                  ))}
                </fieldset>
                <p>
                  <label for="sign-up-email">Email</label>
                  <input
                    id="sign-up-email"
                    type="email"
                    name="email"
                    required
                    autocomplete="email"
                    value={failed?.email ?? ''}
                    {...(failed && { 'aria-describedby': 'sign-up-error', 'aria-invalid': 'true' })}
                  />
                </p>
                <p>
                  <button type="submit" class="button">
                    Sign up
                  </button>
                </p>
              </form>
              <p>
                We send a link to confirm the address first. Newsletters for subscribers:{' '}
                <a href={loginHref('/newsletters')}>sign in</a>.
              </p>
            </section>
          </>
        )}
      </div>
    </Layout>
  );
}

/** A page with one message, and optionally one button that posts to `action`. */
export function NewsletterLinkPage(props: {
  chrome: SiteChrome;
  title: string;
  message: string;
  button?: { action: string; label: string } | undefined;
}) {
  const { chrome, title, message, button } = props;
  return (
    <Layout chrome={chrome} title={title}>
      <div class="account-pages">
        <h1 class="page-title">{title}</h1>
        <p class="newsletter-message">{message}</p>
        {button && (
          <form method="post" action={button.action}>
            <button type="submit" class="button">
              {button.label}
            </button>
          </form>
        )}
        <p>
          <a href="/newsletters">All newsletters</a>
        </p>
      </div>
    </Layout>
  );
}
