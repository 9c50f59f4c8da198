import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aBrowser } from '../support/browser.js';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

const text = (html: string) =>
  html
    .replace(/<[^>]+>/g, ' ')
    .replaceAll('&#39;', "'")
    .replace(/\s+/g, ' ');

/** The pages every publication needs besides its stories: not found, and its policies. */
describe.each(dialects)('site pages on $name', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  const patchSettings = (payload: object) =>
    t.app.inject({ method: 'PATCH', url: '/api/admin/v1/settings', headers: t.admin, payload });

  it('serves the stylesheet and the API document every page and app links to', async () => {
    const css = await t.app.inject({ method: 'GET', url: '/assets/site.css' });
    expect(css.statusCode).toBe(200);
    expect(css.headers['content-type']).toMatch(/^text\/css/);
    expect(css.headers['content-security-policy']).toContain("default-src 'self'");
    const openapi = await t.app.inject({ method: 'GET', url: '/api/docs/json' });
    expect(openapi.statusCode).toBe(200);
    expect(openapi.json()).toMatchObject({ info: { title: 'Masthead API' } });
  });

  it('answers an unknown address with the site header, sections and search, and no request echoed', async () => {
    const page = await aBrowser(t.app).get('/no-such-page?x=1');
    expect(page.statusCode).toBe(404);
    expect(page.headers['content-type']).toContain('text/html');
    expect(page.body).toContain('<header class="masthead">');
    expect(page.body).toContain('href="/section/politics"');
    expect(page.body).toMatch(/<form class="search" action="\/search"/);
    expect(page.body).toContain('href="/terms"');
    const words = text(page.body);
    expect(words).toContain('Page not found');
    expect(words).toContain('There is no page at this address.');
    expect(words).not.toMatch(/GET|no-such-page/);
    // The API's answer is still JSON naming the route.
    const api = await t.app.inject({ url: '/api/v1/no-such-call' });
    expect(api.statusCode).toBe(404);
    expect(api.json()).toEqual({
      error: { code: 'not_found', message: 'Nothing is at GET /api/v1/no-such-call.' },
    });
  });

  it('serves terms, privacy, refund and contact pages, linked from every footer and the subscribe form', async () => {
    for (const [path, title, words] of [
      ['/terms', 'Terms of subscription', 'Every plan renews automatically'],
      ['/privacy', 'Privacy policy', 'download a copy of everything we keep about you'],
      ['/refunds', 'Refund and cancellation policy', 'You can cancel your subscription at any time'],
      ['/contact', 'Contact us', 'For help with your subscription'],
    ] as const) {
      const page = await aBrowser(t.app).get(path);
      expect(page.statusCode, path).toBe(200);
      expect(page.body, path).toContain(`<h1 class="page-title">${title}</h1>`);
      expect(text(page.body), path).toContain(words);
      expect(page.body, path).toContain('<header class="masthead">');
    }
    const article = await t.services.content.create(anArticle({ access: 'free' }));
    const story = await aBrowser(t.app).get(`/article/${article.slug}`);
    const footer = /<footer[\s\S]*<\/footer>/.exec(story.body)?.[0] ?? '';
    for (const path of ['/terms', '/privacy', '/refunds', '/contact'])
      expect(footer).toContain(`href="${path}"`);
    const form = await aBrowser(t.app).get('/subscribe?plan=smart-essential');
    expect(text(form.body)).toContain('By subscribing you agree to the Terms of subscription');
    expect(form.body).toContain('<a href="/terms">Terms of subscription</a>');
    expect(form.body).toContain('<a href="/refunds">refund policy</a>');
  });

  it('lets the publisher edit the policy copy, and refuses markup it would have to remove, naming it', async () => {
    const before = await t.app.inject({ url: '/api/admin/v1/settings', headers: t.admin });
    expect(before.json().settings.legal.terms).toContain('renews automatically');

    for (const [html, named] of [
      ['<p>Fine</p><script>alert(1)</script>', '<script>'],
      ['<p><img src=x onerror="alert(1)">Hi</p>', '<img>'],
      ['<p onclick="x()">Hi</p>', 'onclick on <p>'],
      ['<p><a href="javascript:alert(1)">Hi</a></p>', 'the link javascript:alert(1)'],
    ] as const) {
      const refused = await patchSettings({ legal: { terms: html } });
      expect(refused.statusCode, html).toBe(422);
      expect(refused.json().error.code).toBe('validation_failed');
      expect(refused.json().error.message, html).toContain('legal.terms');
      expect(refused.json().error.message, html).toContain(named);
    }
    expect(text((await aBrowser(t.app).get('/terms')).body)).toContain('renews automatically');

    const terms =
      '<h2>Our terms</h2><p>Read <a href="https://news.example/full-terms">the full terms</a> or write to <a href="mailto:help@news.example">help</a>.</p>';
    const saved = await patchSettings({
      legal: { terms, contact: '<p>Call <a href="tel:+911234">us</a>.</p>' },
    });
    expect(saved.statusCode, saved.body).toBe(200);
    expect(saved.json().settings.legal.terms).toBe(terms);
    expect((await aBrowser(t.app).get('/terms')).body).toContain(terms);
    expect((await aBrowser(t.app).get('/contact')).body).toContain('<a href="tel:+911234">us</a>');
    // The others keep their defaults.
    expect(text((await aBrowser(t.app).get('/refunds')).body)).toContain('You can cancel');
  });
});
