import { renderPage } from '../render.js';
import { Layout, type SiteChrome } from './layout.js';

const titleOf = (status: number) =>
  status === 404 ? 'Page not found' : status >= 500 ? 'Something went wrong' : 'That did not work';

/**
 * An error page. With the site's chrome (header, sections, search) when it could be had; a
 * plain page otherwise, which needs nothing from the database (a 500 may mean it is down).
 */
export function renderErrorPage(status: number, message: string, chrome?: SiteChrome): string {
  const title = titleOf(status);
  if (chrome) {
    return renderPage(
      <Layout chrome={chrome} title={title}>
        <div class="error-page">
          <h1 class="page-title">{title}</h1>
          <p>{message}</p>
          {status === 404 && (
            <form class="error-search" action="/search" method="get" role="search">
              <label for="error-search-q">Search the site</label>{' '}
              <input id="error-search-q" type="search" name="q" /> <button type="submit">Search</button>
            </form>
          )}
          <p>
            <a href="/">Go to the front page</a> · <a href="/archive">Browse the archive</a>
          </p>
        </div>
      </Layout>,
    );
  }
  return renderPage(
    <html lang="en-IN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{title}</title>
        <link rel="stylesheet" href="/assets/site.css" />
        <link rel="icon" href="/assets/favicon.svg" type="image/svg+xml" />
      </head>
      <body>
        <main class="error-page">
          <h1>{title}</h1>
          <p>{message}</p>
          <p>
            <a href="/">Go to the front page</a>
          </p>
        </main>
      </body>
    </html>,
  );
}
