import type { ComponentChildren } from 'preact';

export interface SiteChrome {
  readonly publicationName: string;
  readonly sections: readonly { slug: string; name: string }[];
  /** Whether the page is for a signed-in reader: the header offers "Account", not "Sign in". */
  readonly signedIn: boolean;
  /** Where signing in from this page returns to: the page itself, as a site path. */
  readonly path: string;
  /** Whether the reader subscribes (holds an entitlement): the header offers no "Subscribe". */
  readonly subscribed?: boolean | undefined;
  /** A one-time confirmation shown above the page ("Welcome, you're subscribed…"). */
  readonly notice?: string | undefined;
}

/** `/login?returnTo=…`, the path kept readable: only what would break the query is escaped. */
export const loginHref = (returnTo: string) =>
  `/login?returnTo=${encodeURIComponent(returnTo).replaceAll('%2F', '/')}`;

export interface LayoutProps {
  readonly chrome: SiteChrome;
  readonly title: string;
  readonly description?: string;
  /** Extra elements for <head>: OpenGraph, canonical, JSON-LD. */
  readonly head?: ComponentChildren;
  readonly children: ComponentChildren;
}

export function Layout({ chrome, title, description, head, children }: LayoutProps) {
  return (
    <html lang="en-IN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title === chrome.publicationName ? title : `${title} — ${chrome.publicationName}`}</title>
        {description && <meta name="description" content={description} />}
        <link rel="stylesheet" href="/assets/site.css" />
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
        <link rel="alternate" type="application/rss+xml" title={chrome.publicationName} href="/feed.xml" />
        {head}
      </head>
      <body>
        <a class="skip-link" href="#content">
          Skip to content
        </a>
        <header class="masthead">
          <a class="masthead-name" href="/">
            {chrome.publicationName}
          </a>
          <nav class="sections" aria-label="Sections">
            {chrome.sections.map((section) => (
              <a href={`/section/${section.slug}`}>{section.name}</a>
            ))}
            <a href="/premium">Premium</a>
            <a href="/archive">Archive</a>
            <a href="/epaper">E-paper</a>
            {!chrome.subscribed && (
              <a class="subscribe-link" href="/subscribe">
                Subscribe
              </a>
            )}
            {chrome.signedIn ? (
              <a class="account-link" href="/account">
                Account
              </a>
            ) : (
              <a class="account-link" href={loginHref(chrome.path)}>
                Sign in
              </a>
            )}
          </nav>
          <form class="search" action="/search" method="get" role="search">
            <input type="search" name="q" placeholder="Search" aria-label="Search" />
          </form>
        </header>
        <main id="content" tabindex={-1}>
          {chrome.notice && (
            <p class="notice site-notice" role="status">
              {chrome.notice}
            </p>
          )}
          {children}
        </main>
        <footer class="site-footer">
          <p>
            © {chrome.publicationName} · <a href="/subscribe">Subscribe</a> · <a href="/feed.xml">RSS</a> ·{' '}
            <a href="/archive">Archive</a>
          </p>
          <p class="policy-links">
            <a href="/terms">Terms</a> · <a href="/privacy">Privacy</a> · <a href="/refunds">Refunds</a> ·{' '}
            <a href="/contact">Contact</a>
          </p>
        </footer>
      </body>
    </html>
  );
}
