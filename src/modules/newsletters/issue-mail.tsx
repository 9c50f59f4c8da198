import { renderToString } from 'preact-render-to-string';

// An issue as mail: rendered once per send (Preact escapes every word staff and articles put in
// it), with a marker where each recipient's own unsubscribe link goes.

/** Stands for the recipient's unsubscribe URL until `personalise` puts it in. */
export const unsubscribeMarker = 'https://unsubscribe.invalid/recipient';

export interface IssueArticle {
  readonly headline: string;
  readonly standfirst: string;
  readonly section: string;
  readonly url: string;
}

export interface RenderedIssue {
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

/** The intro as staff wrote it: paragraphs split by blank lines. */
const paragraphs = (text: string) =>
  text
    .split(/\n\s*\n/)
    .map((p) => p.trim())
    .filter((p) => p !== '');

export function renderIssue(input: {
  publicationName: string;
  newsletterName: string;
  subject: string;
  intro: string;
  articles: readonly IssueArticle[];
  /** The `/newsletters` page, where readers choose what they get. */
  manageUrl: string;
}): RenderedIssue {
  const { publicationName, newsletterName, subject, intro, articles, manageUrl } = input;
  const html =
    '<!doctype html>' +
    renderToString(
      <html lang="en-IN">
        <head>
          <meta charset="utf-8" />
          <title>{subject}</title>
        </head>
        <body style="font-family: Georgia, serif; max-width: 40em; margin: 0 auto; padding: 1em; color: #1a1a1a">
          <p style="font-size: 0.9em; color: #555">
            {publicationName} · {newsletterName}
          </p>
          <h1 style="font-size: 1.5em">{subject}</h1>
          {paragraphs(intro).map((p) => (
            <p>{p}</p>
          ))}
          {articles.map((article) => (
            <div style="margin: 1.5em 0">
              <p style="font-size: 0.8em; text-transform: uppercase; color: #555; margin: 0">
                {article.section}
              </p>
              <h2 style="font-size: 1.2em; margin: 0.2em 0">
                <a href={article.url}>{article.headline}</a>
              </h2>
              {article.standfirst && <p style="margin: 0">{article.standfirst}</p>}
            </div>
          ))}
          <hr />
          <p style="font-size: 0.85em; color: #555">
            You receive {newsletterName} from {publicationName} because you subscribed to it.{' '}
            <a href={unsubscribeMarker}>Unsubscribe</a> · <a href={manageUrl}>Choose your newsletters</a>
          </p>
        </body>
      </html>,
    );
  const text = [
    `${publicationName} · ${newsletterName}`,
    '',
    subject,
    '',
    ...paragraphs(intro).flatMap((p) => [p, '']),
    ...articles.flatMap((article) => [
      `${article.section.toUpperCase()}: ${article.headline}`,
      ...(article.standfirst ? [article.standfirst] : []),
      article.url,
      '',
    ]),
    '--',
    `You receive ${newsletterName} from ${publicationName} because you subscribed to it.`,
    `Unsubscribe: ${unsubscribeMarker}`,
    `Choose your newsletters: ${manageUrl}`,
  ].join('\n');
  return { subject, text, html };
}

/** One recipient's copy: their unsubscribe link in place of the marker. */
export function personalise(issue: RenderedIssue, unsubscribeUrl: string): RenderedIssue {
  return {
    subject: issue.subject,
    text: issue.text.replaceAll(unsubscribeMarker, unsubscribeUrl),
    // The URL is the site's origin, a path and a base64url token: nothing in it needs escaping.
    html: issue.html.replaceAll(unsubscribeMarker, unsubscribeUrl),
  };
}
