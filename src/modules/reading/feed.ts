import { xmlElement, xmlText } from '../../kernel/xml.js';

export interface FeedChannel {
  readonly title: string;
  /** The site's absolute URL. */
  readonly link: string;
  /** This feed's own absolute URL. */
  readonly self: string;
  readonly description: string;
  readonly copyright: string;
  readonly updated: Date;
  readonly items: readonly FeedItem[];
}

export interface FeedItem {
  readonly title: string;
  readonly link: string;
  readonly description: string;
  readonly published: Date;
  readonly category: string;
}

/**
 * An RSS 2.0 document. Built here rather than by a feed library: every value is escaped as
 * text (a headline may hold `]]>`, `<` or `&` and stays one headline), so nothing an editor
 * types can end an element early or add one.
 */
export function rss2(channel: FeedChannel): string {
  const items = channel.items.map((item) =>
    [
      '<item>',
      xmlElement('title', item.title),
      xmlElement('link', item.link),
      xmlElement('guid', item.link, ' isPermaLink="true"'),
      xmlElement('pubDate', item.published.toUTCString()),
      xmlElement('description', item.description),
      xmlElement('category', item.category),
      '</item>',
    ].join(''),
  );
  return [
    '<?xml version="1.0" encoding="utf-8"?>',
    '<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">',
    '<channel>',
    xmlElement('title', channel.title),
    xmlElement('link', channel.link),
    xmlElement('description', channel.description),
    xmlElement('lastBuildDate', channel.updated.toUTCString()),
    xmlElement('docs', 'https://validator.w3.org/feed/docs/rss2.html'),
    xmlElement('copyright', channel.copyright),
    `<atom:link href="${xmlText(channel.self)}" rel="self" type="application/rss+xml"/>`,
    ...items,
    '</channel>',
    '</rss>',
  ].join('\n');
}
