import { renderPage } from '../render.js';

/** A plain error page; it deliberately needs nothing from the database. */
export function renderErrorPage(status: number, message: string): string {
  const title =
    status === 404 ? 'Page not found' : status >= 500 ? 'Something went wrong' : 'That did not work';
  return renderPage(
    <html lang="en-IN">
      <head>
        <meta charset="utf-8" />
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
