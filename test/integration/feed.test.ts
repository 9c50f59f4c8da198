import { SaxesParser } from 'saxes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

interface ParsedElement {
  readonly name: string;
  readonly text: string;
  readonly path: string;
}

/**
 * Parses `xml` with a strict XML 1.0 parser (well-formedness, characters, entities) and
 * returns every element with its text: a broken document throws.
 */
function parseXml(xml: string): ParsedElement[] {
  const parser = new SaxesParser({ xmlns: false });
  const elements: ParsedElement[] = [];
  const open: { name: string; text: string }[] = [];
  parser.on('error', (error) => {
    throw error;
  });
  parser.on('opentag', (tag) => open.push({ name: tag.name, text: '' }));
  parser.on('text', (text) => {
    if (open.length > 0) open.at(-1)!.text += text;
  });
  parser.on('cdata', (text) => {
    if (open.length > 0) open.at(-1)!.text += text;
  });
  parser.on('closetag', () => {
    const path = open.map((e) => e.name).join('/');
    const element = open.pop()!;
    elements.push({ name: element.name, text: element.text, path });
  });
  parser.write(xml).close();
  return elements;
}

// Headlines an attacker (or a careless wire feed) can send: CDATA ends, markup, entities.
const crafted = [
  'Two breaks ]]> in one ]]> headline',
  ']]><link>https://evil.example/</link><title>Injected',
  'Ends in ]]',
  '<![CDATA[ nested ]]> cdata',
  'Tom & Jerry <b>bold</b> &amp; "quotes" \'apostrophes\'',
  'Unicode — ₹900 · 日本 😀',
];

describe.each(dialects)('the RSS feed and sitemaps on $name', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    for (const headline of crafted) {
      const response = await t.app.inject({
        method: 'POST',
        url: '/api/admin/v1/articles',
        headers: t.admin,
        payload: { ...anArticle({ headline, standfirst: `Standfirst: ${headline}` }), section: 'markets' },
      });
      expect(response.statusCode, headline).toBe(201);
    }
  });
  afterAll(() => t.close());

  it('stays well-formed XML whatever the headlines, each headline one title', async () => {
    for (const url of ['/feed.xml', '/feed.xml?section=markets']) {
      const response = await t.app.inject(url);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toContain('application/rss+xml');
      const elements = parseXml(response.body);
      const titles = elements.filter((e) => e.path === 'rss/channel/item/title').map((e) => e.text);
      const descriptions = elements.filter((e) => e.path === 'rss/channel/item/description');
      for (const headline of crafted) {
        expect(titles).toContain(headline);
        expect(descriptions.map((e) => e.text)).toContain(`Standfirst: ${headline}`);
      }
      // Nothing a headline says becomes an element: one link per item, all of them ours.
      const items = elements.filter((e) => e.path === 'rss/channel/item');
      const links = elements.filter((e) => e.path === 'rss/channel/item/link');
      expect(links).toHaveLength(items.length);
      for (const link of links)
        expect(link.text).toMatch(/^http:\/\/127\.0\.0\.1:3000\/article\/[a-z0-9-]+$/);
      expect(elements.some((e) => e.path.includes('item/title/'))).toBe(false);
    }
  });

  it('keeps the sitemaps well-formed', async () => {
    const index = parseXml((await t.app.inject('/sitemap.xml')).body);
    const sitemaps = index.filter((e) => e.path === 'sitemapindex/sitemap/loc').map((e) => e.text);
    expect(sitemaps).toEqual(['http://127.0.0.1:3000/sitemap-2026.xml']);
    const urls = parseXml((await t.app.inject('/sitemap-2026.xml')).body).filter(
      (e) => e.path === 'urlset/url/loc',
    );
    expect(urls.length).toBeGreaterThanOrEqual(crafted.length);
  });

  it('refuses control characters in article text with a 422 naming the field', async () => {
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ headline: 'Bell \u0007 rings' }, /headline: must not contain control characters \(found U\+0007/],
      [{ standfirst: 'Null \u0000 byte' }, /standfirst: .*U\+0000/],
      [{ byline: 'Escape \u001b[31m' }, /byline: .*U\+001B/],
      [{ body: '<p>Form\u000cfeed</p>' }, /body: .*U\+000C/],
      [{ syndicated: { agency: 'Wire\u0085' } }, /syndicated\.agency: .*U\+0085/],
      [{ headline: 'Lone \ud800 surrogate' }, /headline: .*U\+D800/],
      [{ headline: 'Not a character \uffff' }, /headline: .*U\+FFFF/],
    ];
    const before = await t.services.content.count();
    const [existing] = await t.services.content.list({ limit: 1 });
    for (const [fields, message] of cases) {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/admin/v1/articles',
        headers: t.admin,
        payload: { ...anArticle(), ...fields },
      });
      expect(created.statusCode, JSON.stringify(fields)).toBe(422);
      expect(created.json().error.message).toMatch(message);
      const updated = await t.app.inject({
        method: 'PATCH',
        url: `/api/admin/v1/articles/${existing!.id}`,
        headers: t.admin,
        payload: fields,
      });
      expect(updated.statusCode, JSON.stringify(fields)).toBe(422);
      expect(updated.json().error.message).toMatch(message);
    }
    expect(await t.services.content.count()).toBe(before);
    // Tabs and line breaks are ordinary text.
    const fine = await t.app.inject({
      method: 'POST',
      url: '/api/admin/v1/articles',
      headers: t.admin,
      payload: { ...anArticle({ standfirst: 'Line one\nline two\twith a tab' }), section: 'markets' },
    });
    expect(fine.statusCode).toBe(201);
    parseXml((await t.app.inject('/feed.xml')).body);
  });

  it('keeps a control character already stored from breaking the feed for everyone', async () => {
    await t.services.content.create(anArticle({ headline: 'Stored before the check \u0001\u0008 arrived' }));
    const titles = parseXml((await t.app.inject('/feed.xml')).body)
      .filter((e) => e.path === 'rss/channel/item/title')
      .map((e) => e.text);
    expect(titles).toContain('Stored before the check  arrived');
  });
});
