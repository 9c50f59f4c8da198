import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { aReader } from '../support/reader.js';

describe.each(dialects)('paywall copy on $name', (dialect) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  const patch = (payload: object) =>
    t.app.inject({ method: 'PATCH', url: '/api/admin/v1/settings', headers: t.admin, payload });

  it('refuses markup that would be removed, with a 422 naming it, and keeps the old copy', async () => {
    const cases: [object, RegExp][] = [
      [
        { paywall: { template: '<p>Subscribe</p><script>steal()</script>' } },
        /paywall\.template: .*<script>/,
      ],
      [
        { paywall: { premiumTemplate: '<p>Hi</p><img src=x onerror="alert(1)">' } },
        /paywall\.premiumTemplate: .*<img>/,
      ],
      [{ paywall: { template: '<p onclick="x()">Subscribe</p>' } }, /the onclick attribute on <p>/],
      [
        { paywall: { template: '<a href="javascript:alert(1)">Subscribe</a>' } },
        /the link "javascript:alert\(1\)"/,
      ],
      [{ paywall: { template: '<p>Open <iframe src="https://evil.example/">' } }, /<iframe>/],
      [
        { meter: { bannerTemplate: '<span style="color:red">{{ remaining }} left</span>' } },
        /the style attribute on <span>/,
      ],
      // Markup hidden in a branch one sample would not take is found too.
      [
        { paywall: { template: '{% if reread %}<script>x()</script>{% endif %}<p>Subscribe</p>' } },
        /<script>/,
      ],
    ];
    for (const [payload, message] of cases) {
      const response = await patch(payload);
      expect(response.statusCode, JSON.stringify(payload)).toBe(422);
      expect(response.json().error.code).toBe('invalid_template');
      expect(response.json().error.message).toMatch(message);
      expect(response.json().error.message).toMatch(/not allowed/);
    }
    const settings = (await t.app.inject({ url: '/api/admin/v1/settings', headers: t.admin })).json()
      .settings;
    expect(settings.paywall.template).toContain("You've reached your limit");
    expect(settings.paywall.premiumTemplate).toContain('This is a premium story');
    expect(settings.meter.bannerTemplate).not.toContain('style');
  });

  it('accepts the allowed markup, and escaped markup in variables', async () => {
    const template =
      '<p class="lede"><strong>{{ reader_name }}</strong>, <a href="{{ subscribe_url }}">subscribe</a> or <a href="https://example.com/help">ask</a>.<br><span class="x">{{ article_title }}</span></p>';
    expect((await patch({ paywall: { template } })).statusCode).toBe(200);
  });

  it('gives {{ subscribe_url }} the article to come back to after paying', async () => {
    const template =
      '<p><a href="{{ subscribe_url }}">Subscribe</a> · <a href="{{ login_url }}">Log in</a></p>';
    expect((await patch({ paywall: { premiumTemplate: template } })).statusCode).toBe(200);
    const article = await t.services.content.create(anArticle({ access: 'premium' }));
    const reader = aReader(t.app);
    const page = await reader.get(`/article/${article.slug}`);
    const href = /<div class="paywall-copy"><p><a href="([^"]+)">Subscribe<\/a>/.exec(page.body)?.[1];
    expect(href).toBe(`/subscribe?returnTo=${encodeURIComponent(`/article/${article.slug}`)}`);
    // The plans page it leads to sends every plan's checkout back to the article.
    const plans = await reader.get(href!.replace(/&amp;/g, '&'));
    expect(plans.statusCode).toBe(200);
    expect(plans.body).toContain(`returnTo=${encodeURIComponent(`/article/${article.slug}`)}`);
  });
});
