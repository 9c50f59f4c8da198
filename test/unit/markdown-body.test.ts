import { describe, expect, it } from 'vitest';
import { prepareBody } from '../../src/modules/content/domain.js';
import { markdownToHtml, prepareMarkdown } from '../../src/modules/content/markdown.js';

/** What must never reach a reader, whatever the editor typed. */
const dangerous = /<script|<style|<iframe|<div|onerror|onclick|onload|javascript:|data:text|vbscript:/i;

describe('a Markdown body, rendered and then prepared as every body is', () => {
  it('gives paragraphs, headings, emphasis, links, lists, quotes and tables', () => {
    const { bodyHtml, teaserHtml } = prepareMarkdown(
      [
        'The port deal was priced at **₹4,200 crore**, and the *ledger* shows why.',
        '',
        '## What the numbers say',
        '',
        '- one',
        '- two',
        '',
        '> A quote.',
        '',
        '| Year | Tonnes |',
        '| --- | --- |',
        '| 2025 | 12 |',
        '',
        'See [the filing](https://example.com/filing).',
      ].join('\n'),
    );
    expect(teaserHtml).toBe(
      '<p>The port deal was priced at <strong>₹4,200 crore</strong>, and the <em>ledger</em> shows why.</p>',
    );
    expect(bodyHtml).toContain('<h2>What the numbers say</h2>');
    expect(bodyHtml).toContain('<ul>');
    expect(bodyHtml).toContain('<li>two</li>');
    expect(bodyHtml).toContain('<blockquote>');
    expect(bodyHtml).toContain('<td>12</td>');
    expect(bodyHtml).toContain('<a href="https://example.com/filing">the filing</a>');
    // The stored body is a fixed point of the preparation, as an HTML body's is.
    expect(prepareBody(bodyHtml).bodyHtml).toBe(bodyHtml);
  });

  it('a top-level heading stays a heading below the headline, out of the teaser', () => {
    const { bodyHtml, teaserHtml } = prepareMarkdown('# Big\n\nLead paragraph.\n\nMore.');
    expect(bodyHtml.startsWith('<h2>Big</h2>')).toBe(true);
    expect(teaserHtml).toBe('<p>Lead paragraph.</p>');
  });

  it('an image alone in its paragraph is a figure, captioned by its title, and may open the teaser', () => {
    const { bodyHtml, teaserHtml } = prepareMarkdown(
      '![A crane at dawn](/images/0123456789abcdef0123456789abcdef.png "The port at <dawn>")\n\nLead.\n\nMore.',
    );
    const figure =
      '<figure><img src="/images/0123456789abcdef0123456789abcdef.png" alt="A crane at dawn">' +
      '<figcaption>The port at &lt;dawn&gt;</figcaption></figure>';
    expect(bodyHtml).toContain(figure);
    expect(teaserHtml).toBe(`${figure}\n<p>Lead.</p>`);
  });

  it('strips raw HTML that is not allowed, scripts, event handlers and script links', () => {
    const source = [
      'Lead <script>alert(1)</script> text [click](javascript:alert(1)) [upper](JAVASCRIPT:alert(2)).',
      '',
      '<img src=x onerror=alert(3)>',
      '',
      '<div onclick="steal()">inside a div</div>',
      '',
      '[entity](&#106;avascript:alert(4)) <a href="data:text/html,<b>x</b>">data</a> <a href="vbscript:x">vb</a>',
      '',
      '![pic](javascript:alert(5))',
      '',
      '<iframe src="https://evil.example"></iframe><style>body{display:none}</style>',
      '',
      '<p onmouseover="x()">hover</p>',
    ].join('\n');
    // Markdown passes raw HTML through: the preparation is what removes it.
    expect(markdownToHtml(source)).toMatch(/<script>/);
    const { bodyHtml, teaserHtml } = prepareMarkdown(source);
    expect(bodyHtml).not.toMatch(dangerous);
    expect(teaserHtml).not.toMatch(dangerous);
    expect(bodyHtml).toContain('inside a div');
    expect(bodyHtml).toContain('hover');
    // A link to a script is left as its words.
    expect(teaserHtml).toBe('<p>Lead  text click upper.</p>');
  });

  it('code is kept as text, its markup escaped', () => {
    const { bodyHtml } = prepareMarkdown('Lead.\n\n```\n<script>alert(1)</script>\n```\n\nUse `<b>`.');
    expect(bodyHtml).not.toMatch(dangerous);
    expect(bodyHtml).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(bodyHtml).toContain('Use &lt;b&gt;.');
  });

  it('Markdown with no text left once cleaned is an empty body', () => {
    expect(prepareMarkdown('<script>alert(1)</script>\n\n<style>p{}</style>').bodyHtml).toBe('');
    expect(prepareMarkdown('   \n\n').bodyHtml).toBe('');
  });
});
