import { parseFragment, serialize } from 'parse5';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { aReader } from '../support/reader.js';

// Bodies as editors and wire feeds produce them. In each, every word after the lead is a
// `zqxwall…` word; a reader without access must never meet one, wherever the article shows.
const bodies: readonly string[] = [
  '<p>Lead: markets opened higher on <strong>Tuesday<p>zqxwalla second</p><p>zqxwalla third</p>',
  '<p>Lead <a href="https://example.com/">with a link<p>zqxwallb</p><p>zqxwallb',
  '<p>Lead<p>zqxwallc<p>zqxwallc',
  'Lead with no paragraph<br>zqxwalld<br><br>zqxwalld<h2>zqxwalld</h2>',
  '<div class="story"><p>Lead in a div</p><div><p>zqxwalle</p><div>zqxwalle',
  '<figure><table><tr><td>zqxwallf</td></tr></table></figure><p>Lead</p><p>zqxwallf</p>',
  '<table><tr><td>zqxwallg<p>zqxwallg</table><ul><li>zqxwallg<li>zqxwallg</ul><p>Lead</p><p>zqxwallg',
  '<!-- zqxwallh --><p>Lead<![CDATA[ zqxwallh ]]></p><template><p>zqxwallh</p></template><noscript>zqxwallh</noscript><p>zqxwallh',
  '<p>Lead &amp; &lt;b&gt;co&lt;/b&gt;</p></div></article><p>zqxwalli</p>',
  `<p><em>${'Long lead words '.repeat(50)}<p>zqxwallj</p>`,
  '<figure><img src="https://example.com/a.jpg" alt="A"><figcaption><p>zqxwallk</p></figcaption></figure><p>Lead</p><p>zqxwallk</p>',
  '<p><b>Lead <i>mis</b>nested</i><div>zqxwalll</div>zqxwalll',
];
const hiddenWord = /zqxwall[a-z]/;

describe.each(dialects)('malformed bodies on $name', (dialect) => {
  let t: TestApp;
  const articles: { slug: string; id: string; body: string }[] = [];

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    const call = (method: 'POST' | 'PATCH', url: string, payload: object) =>
      t.app.inject({ method, url, headers: t.admin, payload });
    for (const [i, body] of bodies.entries()) {
      const payload = { headline: `Malformed ${i}`, section: 'markets', access: 'premium' as const };
      // Half are saved malformed at once; half are saved clean and then changed to the malformed body.
      const created =
        i % 2 === 0
          ? await call('POST', '/api/admin/v1/articles', { ...payload, body })
          : await call('POST', '/api/admin/v1/articles', { ...payload, body: '<p>Placeholder.</p>' });
      expect(created.statusCode, body).toBe(201);
      let article = created.json().article as { id: string; slug: string; body: string };
      if (i % 2 === 1) {
        const updated = await call('PATCH', `/api/admin/v1/articles/${article.id}`, { body });
        expect(updated.statusCode, body).toBe(200);
        article = updated.json().article;
      }
      articles.push({ ...article, body });
    }
  });
  afterAll(() => t.close());

  it('stores every body as well-formed markup that re-parses to itself', async () => {
    for (const article of articles) {
      const stored = (
        await t.app.inject({ url: `/api/admin/v1/articles/${article.id}`, headers: t.admin })
      ).json().article.body as string;
      expect(serialize(parseFragment(stored)), article.body).toBe(stored);
      expect(stored).not.toMatch(/<!--|<template|<noscript|<\/div>|<\/article>/);
      // Nothing the editor wrote is lost: the hidden words are all still in the body.
      expect(stored).toMatch(hiddenWord);
    }
  });

  it('keeps every later block from a reader without access, on every surface', async () => {
    for (const article of articles) {
      const reader = aReader(t.app);
      const page = await reader.get(`/article/${article.slug}`);
      expect(page.body).toContain('id="paywall"');
      expect(page.body).toMatch(/class="teaser">.*lead/is);
      const api = await reader.get(`/api/v1/articles/${article.slug}`);
      expect(api.json().access.granted).toBe(false);
      expect(api.json().article.teaser).toMatch(/lead/i);
      for (const response of [page, api, await reader.get(`/article/${article.slug}/print`)]) {
        expect(response.statusCode).toBe(200);
        expect(response.body, `${response.raw.req.url}: ${article.body}`).not.toMatch(hiddenWord);
      }
    }
    for (const url of [
      '/',
      '/section/markets',
      '/feed.xml',
      '/sitemap-2026.xml',
      '/archive/2026',
      '/api/v1/articles',
    ]) {
      expect((await t.app.inject(url)).body, url).not.toMatch(hiddenWord);
    }
    // Search reads only what anyone may read: a hidden word finds nothing.
    for (const word of new Set(bodies.flatMap((body) => body.match(new RegExp(hiddenWord, 'g')) ?? []))) {
      for (const url of [`/search?q=${word}`, `/api/v1/articles?q=${word}`]) {
        expect((await t.app.inject(url)).body, url).not.toContain('Malformed');
      }
    }
  });
});
