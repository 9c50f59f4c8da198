import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

const feed = `<?xml version="1.0"?><rss version="2.0"><channel><title>Agency</title>
<item><title>Monsoon arrives early</title><guid>pti-1</guid><description>&lt;p&gt;Rain reached Kerala.&lt;/p&gt;&lt;script&gt;alert(1)&lt;/script&gt;&lt;p&gt;More rain.&lt;/p&gt;</description><pubDate>Tue, 10 Nov 2026 10:00:00 GMT</pubDate></item>
<item><title>Markets rally</title><guid>pti-2</guid><description>&lt;p&gt;Sensex up.&lt;/p&gt;</description></item>
<item><title>Markets rally</title><guid>pti-2</guid><description>&lt;p&gt;Repeated.&lt;/p&gt;</description></item>
<item><title></title><guid>pti-3</guid><description>&lt;p&gt;No title.&lt;/p&gt;</description></item>
</channel></rss>`;

describe.each(dialects)('wire import on $name', (dialect) => {
  let t: TestApp;
  let server: Server;
  let base: string;
  beforeAll(async () => {
    server = createServer((request, response) => {
      if (request.url === '/feed.xml')
        response.writeHead(200, { 'content-type': 'application/rss+xml' }).end(feed);
      else if (request.url === '/to-metadata')
        response.writeHead(302, { location: 'http://169.254.169.254/latest/meta-data' }).end();
      else if (request.url === '/big') {
        response.writeHead(200, { 'content-type': 'application/rss+xml' });
        response.end('x'.repeat(6 * 1024 * 1024));
      } else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    t = await buildTestApp(dialect, { env: { WIRE_ALLOW_HOSTS: '127.0.0.1' } });
  });
  afterAll(async () => {
    await t.close();
    await new Promise((resolve) => server.close(resolve));
  });
  const importFeed = (payload: object) =>
    t.app.inject({ method: 'POST', url: '/api/admin/v1/imports/feed', headers: t.admin, payload });

  it('imports items as syndicated drafts, cleaned, and skips them the second time', async () => {
    const first = await importFeed({ url: `${base}/feed.xml`, agency: 'PTI', section: 'world' });
    expect(first.statusCode).toBe(202);
    expect(first.json()).toMatchObject({ imported: 2, skipped: 1, failed: [{ guid: 'pti-3' }] });
    const drafts = (
      await t.app.inject({ url: '/api/admin/v1/articles?status=draft', headers: t.admin })
    ).json().articles;
    const monsoon = drafts.find((a: { headline: string }) => a.headline === 'Monsoon arrives early');
    expect(monsoon).toMatchObject({ syndicated: { agency: 'PTI' }, section: 'world', byline: 'PTI' });
    const full = (
      await t.app.inject({ url: `/api/admin/v1/articles/${monsoon.id}`, headers: t.admin })
    ).json().article;
    expect(full.body).not.toContain('script');
    expect((await t.app.inject({ url: `/article/${monsoon.slug}` })).statusCode).toBe(404);

    const again = await importFeed({
      url: `${base}/feed.xml`,
      agency: 'PTI',
      section: 'world',
      publish: true,
    });
    expect(again.json()).toMatchObject({ imported: 0, skipped: 3 });
  });

  it('publishes at once when asked, from an uploaded file', async () => {
    const boundary = 'wire-boundary';
    const part = (name: string, value: string) =>
      `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
    const xml = feed.replaceAll('pti-', 'upload-');
    const payload =
      part('agency', 'Reuters') +
      part('publish', 'true') +
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="feed.xml"\r\nContent-Type: application/rss+xml\r\n\r\n${xml}\r\n--${boundary}--\r\n`;
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/admin/v1/imports/file',
      headers: { ...t.admin, 'content-type': `multipart/form-data; boundary=${boundary}` },
      payload,
    });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toMatchObject({ imported: 2, skipped: 1 });
    const page = await t.app.inject({ url: '/article/markets-rally-2' });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Disclaimer');
  });

  it('refuses private addresses, other schemes, redirects to them and oversized feeds', async () => {
    for (const url of [
      'http://10.0.0.1/feed.xml',
      'http://169.254.169.254/',
      'http://[::1]/feed',
      'file:///etc/passwd',
      `${base}/to-metadata`,
    ]) {
      const res = await importFeed({ url, agency: 'PTI' });
      expect(res.statusCode, url).toBe(422);
      expect(res.json().error.message, url).toMatch(/^url: /);
    }
    const big = await importFeed({ url: `${base}/big`, agency: 'PTI' });
    expect(big.statusCode).toBe(422);
    expect(big.json().error.message).toMatch(/larger/);
    expect(
      (await importFeed({ url: `${base}/feed.xml`, agency: 'PTI', section: 'nowhere' })).statusCode,
    ).toBe(422);
    expect((await importFeed({ url: `${base}/feed.xml` })).statusCode).toBe(422);
  });
});
