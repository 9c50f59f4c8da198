import { describe, expect, it } from 'vitest';
import { crawlerVerifier } from '../../src/modules/paywall/index.js';
import { defaultCrawlerCidrs } from '../../src/config/crawler-cidrs.js';

const googlebot = 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)';

describe('crawler verification', () => {
  const verify = crawlerVerifier(defaultCrawlerCidrs);

  it('verifies Googlebot from a Googlebot address', () => {
    expect(verify(googlebot, '66.249.66.1')).toBe(true);
    expect(verify(googlebot, '::ffff:66.249.66.1')).toBe(true);
  });

  it('treats a Googlebot user agent from elsewhere as an ordinary reader', () => {
    expect(verify(googlebot, '203.0.113.9')).toBe(false);
    expect(verify(googlebot, '127.0.0.1')).toBe(false);
  });

  it('does not treat a browser from a crawler range as a crawler', () => {
    expect(verify('Mozilla/5.0 (X11; Linux x86_64) Chrome/120', '66.249.66.1')).toBe(false);
  });

  it('rejects malformed addresses', () => {
    expect(verify(googlebot, 'not-an-ip')).toBe(false);
  });
});
