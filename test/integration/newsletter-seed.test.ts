import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/seed/demo.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';

describe.each(dialects)('the demo newsletters on $name', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect);
  });
  afterAll(() => t.close());

  it('seeds three newsletters, each with one issue that the worker sends', async () => {
    const seeded = await seedDemo(t.services);
    expect(seeded.newsletters).toBe(3);
    await t.services.worker.runDue({ kinds: ['newsletter:send'] });
    const newsletters = await t.services.newsletters.newsletters();
    expect(newsletters.map((n) => n.slug).sort()).toEqual([
      'markets-morning',
      'politics-weekly',
      'tech-brief',
    ]);
    for (const newsletter of newsletters) {
      const issues = await t.services.newsletters.issues(newsletter.id);
      expect(issues).toHaveLength(1);
      expect(issues[0]).toMatchObject({ status: 'sent', remaining: 0 });
    }
    expect((await seedDemo(t.services)).newsletters).toBe(0);
  });
});
