import { describe, expect, it } from 'vitest';
import { plainText, prepareBody, slugify } from '../../src/modules/content/domain.js';

describe('article body', () => {
  it('keeps the cleaned body whole and takes the first paragraph as the teaser', () => {
    const { teaserHtml, bodyHtml } = prepareBody('<p>One.</p>\n<p>Two.</p><h2>Sub</h2><p>Three.</p>');
    expect(teaserHtml).toBe('<p>One.</p>');
    expect(bodyHtml).toBe('<p>One.</p>\n<p>Two.</p>\n<h2>Sub</h2>\n<p>Three.</p>');
  });

  it('keeps leading media in the teaser and skips empty paragraphs', () => {
    const { teaserHtml } = prepareBody(
      '<figure><img src="https://x/a.jpg" alt="a"></figure><p> </p><p>Lead.</p><p>More.</p>',
    );
    expect(teaserHtml).toBe('<figure><img src="https://x/a.jpg" alt="a"></figure>\n<p>Lead.</p>');
  });

  it('leaves lists, tables and headings before the first paragraph behind the wall', () => {
    const { teaserHtml, bodyHtml } = prepareBody(
      '<h2>Key points</h2><ul><li>secret one</li></ul><table><tr><td>secret two</td></tr></table><p>Lead.</p>',
    );
    expect(teaserHtml).toBe('<p>Lead.</p>');
    expect(bodyHtml.indexOf('Key points')).toBeLessThan(bodyHtml.indexOf('Lead.'));
  });

  it('gives only an excerpt of a very long first paragraph', () => {
    const sentence = 'The committee met again on Tuesday & argued about &lt;the&gt; budget. ';
    const { teaserHtml } = prepareBody(`<p>${sentence.repeat(20)}<br>hidden tail</p>`);
    expect(teaserHtml.length).toBeLessThan(400);
    expect(teaserHtml).toMatch(
      /^<p>The committee met again on Tuesday &amp; argued about &lt;the&gt; budget\..*…<\/p>$/,
    );
    expect(teaserHtml).not.toContain('hidden tail');
  });

  it('wraps loose text in a paragraph', () => {
    expect(prepareBody('Just text')).toEqual({
      teaserHtml: '<p>Just text</p>',
      bodyHtml: '<p>Just text</p>',
    });
  });

  it('removes scripts, event handlers and javascript: links', () => {
    const { bodyHtml } = prepareBody(
      '<p onclick="steal()">Hi <a href="javascript:alert(1)">x</a></p><script>alert(1)</script><iframe src="https://evil"></iframe><p>Rest</p>',
    );
    expect(bodyHtml).not.toMatch(/script|onclick|javascript|iframe/);
    expect(bodyHtml).toContain('<p>Rest</p>');
  });

  it('extracts plain text', () => {
    expect(plainText('<p>A <b>bold</b>\n move.</p>')).toBe('A bold move.');
  });
});

describe('slugs', () => {
  it('turns a headline into a URL slug', () => {
    expect(slugify("Budget 2026: What's in it for the salaried?")).toBe(
      'budget-2026-whats-in-it-for-the-salaried',
    );
    expect(slugify('Café Société — Ünïcode')).toBe('cafe-societe-unicode');
    expect(slugify('!!!')).toBe('');
  });
});
