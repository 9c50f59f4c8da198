import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RedisHandle } from '../../src/db/redis.js';
import { aBrowser } from '../support/browser.js';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { openTestRedis, redisUrl } from '../support/stores.js';

// With REDIS_URL, every instance counts the meter and the attempt limits in one Redis.
describe.skipIf(!redisUrl).each(dialects)('an app with REDIS_URL, on $name', (dialect) => {
  let t: TestApp;
  let redis: RedisHandle;

  beforeAll(async () => {
    redis = openTestRedis(redisUrl!);
    await redis.ping();
    t = await buildTestApp(dialect, { redis });
  });
  afterAll(async () => {
    await t.close();
    await redis.close();
  });

  const keysUnder = async (pattern: string) => (await redis.redis.keys(`${redis.prefix}${pattern}`)).length;
  const rowsOf = async (table: 'meter_reads' | 'rate_limit_windows') =>
    (await t.database.db.selectFrom(table).selectAll().execute()).length;

  it('meters readers in Redis: the limit holds and a reread stays free', async () => {
    const patch = await t.app.inject({
      method: 'PATCH',
      url: '/api/admin/v1/settings',
      headers: t.admin,
      payload: { meter: { freeLimit: 2 } },
    });
    expect(patch.statusCode).toBe(200);
    const slugs: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await t.app.inject({
        method: 'POST',
        url: '/api/admin/v1/articles',
        headers: t.admin,
        payload: anArticle({ access: 'metered' }),
      });
      slugs.push((created.json() as { article: { slug: string } }).article.slug);
    }
    const reader = aBrowser(t.app);
    expect((await reader.get(`/article/${slugs[0]}`)).body).not.toContain('id="paywall"');
    expect((await reader.get(`/article/${slugs[1]}`)).body).not.toContain('id="paywall"');
    expect((await reader.get(`/article/${slugs[2]}`)).body).toContain('id="paywall"');
    expect((await reader.get(`/article/${slugs[0]}`)).body).not.toContain('id="paywall"');
    expect(await keysUnder('meter:reads:*')).toBe(1);
    expect(await rowsOf('meter_reads')).toBe(0);
  });

  it('counts attempt limits in Redis', async () => {
    const browser = aBrowser(t.app, { remoteAddress: '203.0.113.40' });
    await browser.post('/login', { email: 'nobody@example.com', password: 'not the password' });
    expect(await keysUnder('rate-limit:*')).toBeGreaterThan(0);
    expect(await rowsOf('rate_limit_windows')).toBe(0);
  });
});
