import { describe, expect, it } from 'vitest';
import { feedItems, isAllowedHost, isPublicAddress, uniqueByGuid } from '../../src/modules/wire/domain.js';

describe('feed addresses', () => {
  it('accepts public unicast addresses only', () => {
    expect(isPublicAddress('93.184.216.34')).toBe(true);
    expect(isPublicAddress('2606:2800:220:1:248:1893:25c8:1946')).toBe(true);
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fc00::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      'not an address',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
  });
  it('lets the configured hosts, addresses and ranges through', () => {
    expect(isAllowedHost('127.0.0.1', '127.0.0.1', ['127.0.0.1'])).toBe(true);
    expect(isAllowedHost('feeds.intranet', '10.0.0.5', ['feeds.intranet'])).toBe(true);
    expect(isAllowedHost('other.intranet', '10.0.0.5', ['10.0.0.0/8'])).toBe(true);
    expect(isAllowedHost('other.intranet', '10.0.0.5', ['feeds.intranet', '192.168.0.0/16'])).toBe(false);
    expect(isAllowedHost('localhost', '::1', ['127.0.0.1'])).toBe(false);
  });
});

describe('feed items', () => {
  it('reads RSS 2.0 with its full content and Atom entries', () => {
    const rss =
      feedItems(`<?xml version="1.0"?><rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel><title>T</title>
      <item><title>A &amp; B</title><guid>g1</guid><link>https://x/1</link><description>&lt;p&gt;Short&lt;/p&gt;</description>
      <content:encoded><![CDATA[<p>Full text</p>]]></content:encoded><pubDate>Tue, 10 Nov 2026 10:00:00 GMT</pubDate></item>
      <item><title>No guid</title><link>https://x/2</link><description>Plain</description></item></channel></rss>`);
    expect(rss).toEqual([
      {
        guid: 'g1',
        title: 'A & B',
        bodyHtml: '<p>Full text</p>',
        summary: 'Short',
        link: 'https://x/1',
        publishedAt: '2026-11-10T10:00:00.000Z',
      },
      {
        guid: 'https://x/2',
        title: 'No guid',
        bodyHtml: 'Plain',
        summary: 'Plain',
        link: 'https://x/2',
        publishedAt: undefined,
      },
    ]);
    const atom =
      feedItems(`<feed xmlns="http://www.w3.org/2005/Atom"><title>A</title><entry><id>urn:1</id><title type="html">X &lt;i&gt;y&lt;/i&gt;</title>
      <updated>2026-11-10T00:00:00Z</updated><summary>S</summary><content type="html">&lt;p&gt;c&lt;/p&gt;</content></entry></feed>`);
    expect(atom?.[0]).toMatchObject({ guid: 'urn:1', title: 'X y', bodyHtml: '<p>c</p>' });
    expect(feedItems('<html><body>not a feed</body></html>')).toBeUndefined();
  });
  it('keeps the first item of each GUID', () => {
    const { items, repeated } = uniqueByGuid([
      { guid: 'a', n: 1 },
      { guid: 'b', n: 2 },
      { guid: 'a', n: 3 },
    ]);
    expect(items).toEqual([
      { guid: 'a', n: 1 },
      { guid: 'b', n: 2 },
    ]);
    expect(repeated).toBe(1);
  });
});
