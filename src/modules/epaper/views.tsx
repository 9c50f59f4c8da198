import { formatDate } from '../../kernel/dates.js';
import { Layout, loginHref, type SiteChrome } from '../../web/views/layout.js';
import type { Edition } from './domain.js';
import { thumbnailPath } from './serializers.js';

export interface EpaperPageContext {
  readonly chrome: SiteChrome;
  readonly timeZone: string;
}

const head = (
  <>
    <link rel="stylesheet" href="/assets/epaper.css" />
    <script src="/assets/epaper.js" defer />
  </>
);

/** The day of an edition, as readers read dates ("20 November 2026"). */
const dayText = (date: string, timeZone: string) => formatDate(`${date}T12:00:00.000Z`, timeZone);

const pagePath = (edition: Edition, n: number) => `/epaper/${edition.id}/page/${n}`;
const imagePath = (edition: Edition, n: number) => `/api/v1/epaper/editions/${edition.id}/pages/${n}`;

/** `/epaper`: the editions by day, each with its front page. */
export function EditionsPage(props: {
  ctx: EpaperPageContext;
  editions: readonly Edition[];
  date: string | undefined;
}) {
  const { ctx, editions } = props;
  const days = new Map<string, Edition[]>();
  for (const edition of editions) days.set(edition.date, [...(days.get(edition.date) ?? []), edition]);
  return (
    <Layout chrome={ctx.chrome} title="E-paper" head={head}>
      <h1>E-paper</h1>
      <p class="epaper-intro">
        The printed newspaper, page by page: read it here, save an edition as a PDF, or share a page.
      </p>
      <form class="epaper-date" action="/epaper" method="get">
        <label for="epaper-date">Edition of</label>{' '}
        <input type="date" id="epaper-date" name="date" value={props.date ?? ''} />{' '}
        <button type="submit" class="button">
          Show
        </button>
        {props.date && <a href="/epaper">All recent editions</a>}
      </form>
      {days.size === 0 && (
        <p>
          {props.date ? 'No edition of that day has been published.' : 'No edition has been published yet.'}
        </p>
      )}
      {[...days].map(([date, ofDay]) => (
        <section class="epaper-day" aria-labelledby={`day-${date}`}>
          <h2 id={`day-${date}`}>{dayText(date, ctx.timeZone)}</h2>
          <ul class="epaper-editions">
            {ofDay.map((edition) => (
              <li>
                <a href={`/epaper/${edition.id}`} class="epaper-edition">
                  <img
                    src={thumbnailPath(edition)}
                    alt={`Front page of the ${edition.name} edition`}
                    width={160}
                    loading="lazy"
                  />
                  <span>
                    {edition.name} <span class="epaper-pages">({edition.pageCount} pages)</span>
                  </span>
                </a>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </Layout>
  );
}

function PageStrip({ edition, current, link }: { edition: Edition; current?: number; link: boolean }) {
  const pages = Array.from({ length: edition.pageCount ?? 0 }, (_, i) => i + 1);
  return (
    <ol class="epaper-strip" aria-label="Pages">
      {pages.map((n) => {
        const image = <img src={thumbnailPath(edition, n)} alt={`Page ${n}`} width={96} loading="lazy" />;
        return (
          <li class={n === current ? 'current' : undefined}>
            {link ? (
              <a href={pagePath(edition, n)} aria-current={n === current ? 'page' : undefined}>
                {image}
              </a>
            ) : (
              image
            )}
          </li>
        );
      })}
    </ol>
  );
}

/** One page of an edition, for a reader with the e-paper: the page, the way on, save and share. */
export function ReaderPage(props: { ctx: EpaperPageContext; edition: Edition; page: number }) {
  const { ctx, edition, page } = props;
  const total = edition.pageCount ?? 0;
  const title = `${edition.name} edition, ${dayText(edition.date, ctx.timeZone)}`;
  return (
    <Layout
      chrome={ctx.chrome}
      title={`${title} — page ${page}`}
      head={
        <>
          {head}
          {page > 1 && <link rel="prev" href={pagePath(edition, page - 1)} />}
          {page < total && <link rel="next" href={pagePath(edition, page + 1)} />}
        </>
      }
    >
      <div class="epaper-reader" data-epaper-reader="">
        <h1>{title}</h1>
        <nav class="epaper-toolbar" aria-label="Page">
          {page > 1 ? (
            <a href={pagePath(edition, page - 1)} rel="prev" data-epaper="prev">
              ← Previous page
            </a>
          ) : (
            <span aria-disabled="true">← Previous page</span>
          )}
          <span class="epaper-position" aria-live="polite">
            Page {page} of {total}
          </span>
          {page < total ? (
            <a href={pagePath(edition, page + 1)} rel="next" data-epaper="next">
              Next page →
            </a>
          ) : (
            <span aria-disabled="true">Next page →</span>
          )}
          <span class="epaper-zoom" data-epaper="zoom" hidden>
            <button type="button" data-zoom="out" aria-label="Zoom out">
              −
            </button>
            <button type="button" data-zoom="in" aria-label="Zoom in">
              +
            </button>
          </span>
          <a class="button" href={`/api/v1/epaper/editions/${edition.id}/download`} download="">
            Save as PDF
          </a>
          <form class="button-form epaper-share" method="post" action={`${pagePath(edition, page)}/share`}>
            <button type="submit" class="button">
              Share this page
            </button>
          </form>
        </nav>
        <p class="epaper-keys" data-epaper="keys" hidden>
          Keys: ← and → turn the page, + and − zoom, 0 fits the page to the window.
        </p>
        <div class="epaper-page" data-epaper="page">
          <a href={imagePath(edition, page)}>
            <img
              src={imagePath(edition, page)}
              alt={`Page ${page} of ${total}, ${title}`}
              data-epaper="image"
            />
          </a>
        </div>
        <PageStrip edition={edition} current={page} link={true} />
      </div>
    </Layout>
  );
}

/** An edition for a reader without the e-paper: its thumbnails, and what unlocks it. */
export function LockedEditionPage(props: { ctx: EpaperPageContext; edition: Edition; returnTo: string }) {
  const { ctx, edition, returnTo } = props;
  const title = `${edition.name} edition, ${dayText(edition.date, ctx.timeZone)}`;
  return (
    <Layout chrome={ctx.chrome} title={title} head={head}>
      <h1>{title}</h1>
      <section class="paywall epaper-paywall" id="paywall" aria-labelledby="epaper-paywall-title">
        <h2 id="epaper-paywall-title">The e-paper is for subscribers</h2>
        <p>
          Subscribe to read every page of the printed edition, save it as a PDF and share pages with anyone.
        </p>
        <p>
          <a class="button" href={`/subscribe?returnTo=${encodeURIComponent(returnTo)}`}>
            Subscribe
          </a>{' '}
          {!ctx.chrome.signedIn && (
            <>
              Already subscribed? <a href={loginHref(returnTo)}>Sign in</a>
            </>
          )}
        </p>
      </section>
      <PageStrip edition={edition} link={false} />
    </Layout>
  );
}

/** What a reader sees after sharing a page: the link to pass on, and until when it opens. */
export function SharedLinkPage(props: {
  ctx: EpaperPageContext;
  edition: Edition;
  page: number;
  url: string;
  expiresAt: string;
}) {
  const { ctx, edition, page } = props;
  return (
    <Layout chrome={ctx.chrome} title="Share a page" head={head}>
      <h1>Share page {page}</h1>
      <p>
        Anyone with this link can read page {page} of the {edition.name} edition of{' '}
        {dayText(edition.date, ctx.timeZone)}, without an account, until{' '}
        {formatDate(props.expiresAt, ctx.timeZone)}.
      </p>
      <p>
        <label for="share-url">Link to share</label>
        <br />
        <input
          id="share-url"
          class="epaper-share-url"
          type="url"
          readonly
          value={props.url}
          data-epaper="share-url"
        />
      </p>
      <p>
        <a href={pagePath(edition, page)}>Back to page {page}</a>
      </p>
    </Layout>
  );
}

/** A shared page, as anyone with the link sees it. */
export function SharedPage(props: {
  ctx: EpaperPageContext;
  edition: Edition;
  page: number;
  token: string;
  expiresAt: string;
}) {
  const { ctx, edition, page, token } = props;
  const title = `Page ${page}, ${edition.name} edition of ${dayText(edition.date, ctx.timeZone)}`;
  return (
    <Layout
      chrome={ctx.chrome}
      title={title}
      head={
        <>
          {head}
          <meta name="robots" content="noindex" />
        </>
      }
    >
      <div class="epaper-reader" data-epaper-reader="">
        <h1>{title}</h1>
        <p class="epaper-intro">
          Shared with you from the {ctx.chrome.publicationName} e-paper; this link opens until{' '}
          {formatDate(props.expiresAt, ctx.timeZone)}. <a href="/subscribe">Subscribe</a> to read every page.
        </p>
        <div class="epaper-page" data-epaper="page" role="region" aria-label={`Page ${page}`} tabindex={0}>
          <img src={`/epaper/shared/${token}/image`} alt={title} data-epaper="image" />
        </div>
      </div>
    </Layout>
  );
}
