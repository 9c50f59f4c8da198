import { describe, expect, it } from 'vitest';
import { plainText, slugify, splitBody } from '../../src/modules/content/domain.js';

describe('article body', () => {
  it('splits off the first paragraph as the teaser', () => {
    const { teaserHtml, restHtml } = splitBody('<p>One.</p>\n<p>Two.</p><h2>Sub</h2><p>Three.</p>');
    expect(teaserHtml).toBe('<p>One.</p>');
    expect(restHtml).toBe('<p>Two.</p>\n<h2>Sub</h2>\n<p>Three.</p>');
  });

  it('keeps leading non-paragraph blocks with the teaser, and skips empty paragraphs', () => {
    const { teaserHtml, restHtml } = splitBody(
      '<figure><img src="https://x/a.jpg" alt="a"></figure><p> </p><p>Lead.</p><p>More.</p>',
    );
    expect(teaserHtml).toContain('<p>Lead.</p>');
    expect(teaserHtml).toContain('<figure>');
    expect(restHtml).toBe('<p>More.</p>');
  });

  it('wraps loose text in a paragraph', () => {
    expect(splitBody('Just text')).toEqual({ teaserHtml: '<p>Just text</p>', restHtml: '' });
  });

  it('removes scripts, event handlers and javascript: links', () => {
    const { teaserHtml, restHtml } = splitBody(
      '<p onclick="steal()">Hi <a href="javascript:alert(1)">x</a></p><script>alert(1)</script><iframe src="https://evil"></iframe><p>Rest</p>',
    );
    const all = teaserHtml + restHtml;
    expect(all).not.toMatch(/script|onclick|javascript|iframe/);
    expect(all).toContain('<p>Rest</p>');
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
