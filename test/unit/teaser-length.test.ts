import { parseFragment, serialize } from 'parse5';
import { describe, expect, it } from 'vitest';
import { cutTeaser, maxTeaserParagraphs, prepareBody } from '../../src/modules/content/domain.js';

/** Paragraphs of the teaser, in order (an opening figure is not one). */
const paragraphsOf = (teaserHtml: string) => [...teaserHtml.matchAll(/<p>(.*?)<\/p>/g)].map((m) => m[1]);

const seven = Array.from({ length: 7 }, (_, i) => `<p>Para${i + 1} text.</p>`).join('');

// Bodies of the shapes a teaser meets: an opening image (with a caption, and an alt naming
// markup), lines parted by breaks, blocks between paragraphs, a paragraph too long to show.
const long = `${'word '.repeat(150)}end`;
const shapes = [
  seven,
  `<figure><img src="https://x/a.jpg" alt="a </p> b"><figcaption>Cap</figcaption></figure>${seven}`,
  '<p>Line1<br>Line2<br><br>Line3</p><p>Line4</p><ul><li>Item</li></ul><p>Line5</p><p>Line6</p>',
  `<h2>Head</h2><p>${long}</p><p>After <a href="https://x/?q=</p>">link</a></p><blockquote>Q</blockquote><p>Third</p>`,
  '<p>Only one paragraph.</p>',
  '<figure><img src="https://x/b.jpg"></figure><p>First</p><figure><img src="https://x/c.jpg"></figure><p>Second</p>',
  'Loose text<br>second line<h2>Head</h2>tail text',
];

describe('the teaser, as long as the setting allows', () => {
  it('shows exactly the first n paragraphs for each length, never one more', () => {
    for (let n = 1; n <= maxTeaserParagraphs; n++) {
      const { teaserHtml } = prepareBody(seven, n);
      expect(paragraphsOf(teaserHtml)).toEqual(Array.from({ length: n }, (_, i) => `Para${i + 1} text.`));
      expect(teaserHtml).not.toContain(`Para${n + 1}`);
    }
  });

  it('by default is the first line of the first paragraph, as before', () => {
    for (const body of shapes) expect(prepareBody(body).teaserHtml).toBe(prepareBody(body, 1).teaserHtml);
    expect(prepareBody(shapes[2]!).teaserHtml).toBe('<p>Line1</p>');
  });

  it('counts each line parted by a break as a paragraph, and passes over other blocks', () => {
    expect(paragraphsOf(prepareBody(shapes[2]!, 5).teaserHtml)).toEqual([
      'Line1',
      'Line2',
      'Line3',
      'Line4',
      'Line5',
    ]);
    const teaser = prepareBody(shapes[3]!, 3).teaserHtml;
    expect(teaser).not.toMatch(/Head|<blockquote|>Q</);
    expect(paragraphsOf(teaser)).toHaveLength(3);
    // A paragraph too long to show whole is an excerpt.
    expect(paragraphsOf(teaser)[0]!.length).toBeLessThan(300);
  });

  it('keeps only an opening image: one between paragraphs stays behind', () => {
    const teaser = prepareBody(shapes[5]!, 5).teaserHtml;
    expect(teaser).toContain('b.jpg');
    expect(teaser).not.toContain('c.jpg');
    expect(paragraphsOf(teaser)).toEqual(['First', 'Second']);
  });

  it('cut from the stored five-paragraph teaser, is the teaser prepared for that length', () => {
    for (const body of shapes) {
      const stored = prepareBody(body, maxTeaserParagraphs).teaserHtml;
      for (let n = 1; n <= maxTeaserParagraphs; n++) {
        const cut = cutTeaser(stored, n);
        expect(cut, `${body} at ${n}`).toBe(prepareBody(body, n).teaserHtml);
        expect(paragraphsOf(cut).length).toBeLessThanOrEqual(n);
        expect(serialize(parseFragment(cut)), 'well-formed').toBe(cut);
      }
    }
  });

  it('hands back the stored string itself when it is short enough (nothing allocated)', () => {
    const stored = prepareBody(shapes[4]!, maxTeaserParagraphs).teaserHtml;
    expect(cutTeaser(stored, 1)).toBe(stored);
    expect(cutTeaser('', 3)).toBe('');
  });
});
