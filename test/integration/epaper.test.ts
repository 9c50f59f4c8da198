import { existsSync, mkdirSync, readdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aBrowser } from '../support/browser.js';
import { aSignedInReader, aSubscriber } from '../support/billing.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { aPdf, pdfPages, uploadEdition } from '../support/epaper.js';

const jpeg = (body: Buffer) => body.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]));
const day = (n: number) => `2026-10-${String(n).padStart(2, '0')}`;

describe.each(dialects)('the e-paper on $name', (dialect) => {
  let t: TestApp;
  let root: string;
  // A small upload limit, so "too big" needs no large file: 50 KB.
  beforeAll(async () => {
    t = await buildTestApp(dialect, { env: { EPAPER_MAX_MB: '0.05' } });
    root = join(t.config.dataDir, 'epaper');
  });
  afterAll(() => t.close());

  const process = () => t.services.worker.runDue({ kinds: ['epaper:process'] });
  const adminGet = (id: string) =>
    t.app.inject({ method: 'GET', url: `/api/admin/v1/epaper/editions/${id}`, headers: t.admin });
  /** What is on disk and in the database: a refused upload must change neither. */
  const stored = async () => ({
    editions: (await t.services.epaper.listAll()).length,
    files: readdirSync(root, { recursive: true }).length,
  });

  /** A processed edition of `pages` pages. */
  async function anEdition(date: string, name = 'Mumbai', pages = 3) {
    const uploaded = await uploadEdition(t, { date, name, content: await aPdf(pages) });
    expect(uploaded.statusCode, uploaded.body).toBe(202);
    await process();
    return uploaded.json().edition.id as string;
  }

  describe('upload and processing', () => {
    it('accepts a PDF with 202, then draws every page and its thumbnail in the background', async () => {
      const uploaded = await uploadEdition(t, { date: day(1), name: 'Mumbai', content: await aPdf(3) });
      expect(uploaded.statusCode, uploaded.body).toBe(202);
      const { edition } = uploaded.json();
      expect(edition).toMatchObject({ status: 'queued', date: day(1), name: 'Mumbai', pageCount: null });
      expect(edition.id).toMatch(/^epe_/);

      expect((await adminGet(edition.id)).json().edition).toMatchObject({
        status: 'queued',
        progress: { done: 0, total: null },
        job: { status: 'queued' },
      });
      expect(await process()).toMatchObject({ done: 1 });

      const after = (await adminGet(edition.id)).json().edition;
      expect(after).toMatchObject({
        status: 'ready',
        pageCount: 3,
        progress: { done: 3, total: 3 },
        error: null,
        job: { status: 'done' },
      });
      for (const n of [1, 2, 3]) {
        expect(statSync(join(root, edition.id, 'pages', `${n}.jpg`)).size).toBeGreaterThan(
          statSync(join(root, edition.id, 'thumbs', `${n}.jpg`)).size,
        );
      }
      expect(existsSync(join(root, edition.id, 'pages', '4.jpg'))).toBe(false);
    });

    it('refuses a file that is not a PDF with 422, and stores nothing', async () => {
      const before = await stored();
      const response = await uploadEdition(t, {
        date: day(2),
        name: 'Mumbai',
        content: Buffer.from('Mumbai edition, page one\n'.repeat(50)),
        filename: 'edition.pdf',
      });
      expect(response.statusCode).toBe(422);
      expect(response.json().error).toMatchObject({ code: 'validation_failed' });
      expect(response.json().error.message).toMatch(/^file: expected a PDF/);
      expect(await stored()).toEqual(before);
    });

    it('refuses a damaged PDF (pdfinfo cannot read it) with 422, and stores nothing', async () => {
      const before = await stored();
      const whole = await aPdf(2);
      // A PDF's start with its cross-reference table and trailer cut away.
      const damaged = Buffer.concat([whole.subarray(0, 600), Buffer.from('\n%%garbage\n')]);
      const response = await uploadEdition(t, { date: day(2), name: 'Mumbai', content: damaged });
      expect(response.statusCode).toBe(422);
      expect(response.json().error.message).toMatch(/^file: the PDF is damaged/);
      expect(await stored()).toEqual(before);
    });

    it('refuses a file over the size limit with 413, and stores nothing', async () => {
      const before = await stored();
      const big = Buffer.concat([await aPdf(1), Buffer.alloc(60 * 1024, 0x20)]);
      const response = await uploadEdition(t, { date: day(2), name: 'Mumbai', content: big });
      expect(response.statusCode).toBe(413);
      expect(response.json().error).toMatchObject({ code: 'payload_too_large' });
      expect(response.json().error.message).toContain('EPAPER_MAX_MB');
      expect(await stored()).toEqual(before);
      // One that says at once how big it is, far over the limit, is refused before it is read.
      const huge = await uploadEdition(t, {
        date: day(2),
        name: 'Mumbai',
        content: Buffer.concat([await aPdf(1), Buffer.alloc(200 * 1024, 0x20)]),
      });
      expect(huge.statusCode).toBe(413);
      expect(huge.json().error.code).toBe('payload_too_large');
      expect(await stored()).toEqual(before);
    });

    it('refuses a second edition of the same name and day with 409 (whatever its case), storing nothing', async () => {
      await anEdition(day(3), 'New Delhi', 1);
      const before = await stored();
      const response = await uploadEdition(t, { date: day(3), name: ' new delhi', content: await aPdf(1) });
      expect(response.statusCode).toBe(409);
      expect(response.json().error).toMatchObject({ code: 'conflict' });
      expect(await stored()).toEqual(before);
      // Another edition of that day, or the same one of another day, is welcome.
      expect(
        (await uploadEdition(t, { date: day(3), name: 'Mumbai', content: await aPdf(1) })).statusCode,
      ).toBe(202);
      expect(
        (await uploadEdition(t, { date: day(4), name: 'New Delhi', content: await aPdf(1) })).statusCode,
      ).toBe(202);
      await process();
    });

    it('refuses missing or impossible fields with 422, and a call without an admin key with 401', async () => {
      const before = await stored();
      const pdf = await aPdf(1);
      for (const [date, name, problem] of [
        ['2026-02-30', 'Mumbai', /^date: /],
        ['20 Oct 2026', 'Mumbai', /^date: /],
        [day(5), '', /^name: /],
        [day(5), 'Mum\nbai', /^name: /],
      ] as const) {
        const response = await uploadEdition(t, { date, name, content: pdf });
        expect(response.statusCode, `${date} ${name}`).toBe(422);
        expect(response.json().error.message).toMatch(problem);
      }
      const json = await t.app.inject({
        method: 'POST',
        url: '/api/admin/v1/epaper/editions',
        payload: { date: day(5), name: 'Mumbai' },
        headers: t.admin,
      });
      expect(json.statusCode).toBe(400);
      const anonymous = await t.app.inject({ method: 'POST', url: '/api/admin/v1/epaper/editions' });
      expect(anonymous.statusCode).toBe(401);
      expect(await stored()).toEqual(before);
    });

    it('resumes after a crash without drawing again the pages it had drawn', async () => {
      const uploaded = await uploadEdition(t, { date: day(6), name: 'Mumbai', content: await aPdf(3) });
      const id = uploaded.json().edition.id as string;
      const [handler] = t.services.epaper.handlers;
      const reported: number[] = [];
      // The first try dies after page 1, as a process killed there would.
      await expect(
        handler!.run(handler!.parse({ editionId: id }), {
          jobId: 'job_test',
          attempt: 1,
          progress: async ({ done }) => {
            reported.push(done);
            if (done === 1) throw new Error('killed');
          },
        }),
      ).rejects.toThrow('killed');
      const first = statSync(join(root, id, 'pages', '1.jpg'));
      expect(existsSync(join(root, id, 'pages', '2.jpg'))).toBe(false);
      expect((await adminGet(id)).json().edition).toMatchObject({
        status: 'processing',
        progress: { done: 1, total: 3 },
        error: 'killed',
      });

      await handler!.run(handler!.parse({ editionId: id }), {
        jobId: 'job_test',
        attempt: 2,
        progress: async ({ done }) => void reported.push(done),
      });
      expect(reported).toEqual([1, 1, 2, 3]);
      // Page 1 is the file the first try drew, not a new one.
      const again = statSync(join(root, id, 'pages', '1.jpg'));
      expect(again.ino).toBe(first.ino);
      expect(again.mtimeMs).toBe(first.mtimeMs);
      expect((await adminGet(id)).json().edition).toMatchObject({
        status: 'ready',
        pageCount: 3,
        error: null,
      });
    });

    it('records a failure, and marks the edition failed on its last try', async () => {
      const uploaded = await uploadEdition(t, { date: day(7), name: 'Mumbai', content: await aPdf(2) });
      const id = uploaded.json().edition.id as string;
      // The stored file is damaged after it was accepted (a disk fault).
      writeFileSync(join(root, id, 'edition.pdf'), '%PDF-1.4\nnot a pdf any more\n');
      const [handler] = t.services.epaper.handlers;
      await expect(
        handler!.run({ editionId: id }, { jobId: 'job_test', attempt: 3, progress: async () => undefined }),
      ).rejects.toThrow(/pdfinfo/);
      const edition = (await adminGet(id)).json().edition;
      expect(edition.status).toBe('failed');
      expect(edition.error).toMatch(/pdfinfo/);
      // A failed edition is not shown to readers.
      expect((await t.app.inject(`/api/v1/epaper/editions/${id}`)).statusCode).toBe(404);
    });
  });

  describe('reading', () => {
    let id: string;
    let subscriber: Awaited<ReturnType<typeof aSubscriber>>;
    beforeAll(async () => {
      id = await anEdition(day(10), 'Mumbai', 3);
      subscriber = await aSubscriber(t);
    });

    it('lists a day’s editions in the fixed shape', async () => {
      const response = await t.app.inject(`/api/v1/epaper/editions?date=${day(10)}`);
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        editions: [
          {
            id,
            date: day(10),
            name: 'Mumbai',
            pageCount: 3,
            thumbnailUrl: `${t.config.publicUrl}/api/v1/epaper/editions/${id}/pages/1/thumbnail`,
          },
        ],
      });
      expect((await t.app.inject(`/api/v1/epaper/editions?date=${day(11)}`)).json()).toEqual({
        editions: [],
      });
      expect((await t.app.inject('/api/v1/epaper/editions?date=yesterday')).statusCode).toBe(422);
    });

    it('shows thumbnails to anyone, and page images only to a reader with the e-paper', async () => {
      const thumbnail = await t.app.inject(`/api/v1/epaper/editions/${id}/pages/1/thumbnail`);
      expect(thumbnail.statusCode).toBe(200);
      expect(thumbnail.headers['content-type']).toBe('image/jpeg');
      expect(jpeg(thumbnail.rawPayload)).toBe(true);

      const page = `/api/v1/epaper/editions/${id}/pages/2`;
      const anonymous = await t.app.inject(page);
      expect(anonymous.statusCode).toBe(403);
      expect(anonymous.json().error.code).toBe('subscription_required');
      const reader = await aSignedInReader(t);
      const unsubscribed = await reader.browser.get(page);
      expect(unsubscribed.statusCode).toBe(403);
      expect(unsubscribed.json().error.code).toBe('subscription_required');

      const granted = await subscriber.browser.get(page);
      expect(granted.statusCode).toBe(200);
      expect(granted.headers['content-type']).toBe('image/jpeg');
      expect(jpeg(granted.rawPayload)).toBe(true);
      expect(granted.rawPayload.length).toBeGreaterThan(thumbnail.rawPayload.length);

      // An app with a bearer token, as on the web.
      const login = await t.app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: subscriber.email, password: 'correct horse battery staple', client: 'app' },
      });
      const { accessToken } = login.json();
      const app = await t.app.inject({ url: page, headers: { authorization: `Bearer ${accessToken}` } });
      expect(app.statusCode).toBe(200);
      expect(jpeg(app.rawPayload)).toBe(true);

      expect((await subscriber.browser.get(`/api/v1/epaper/editions/${id}/pages/4`)).statusCode).toBe(404);
      expect((await subscriber.browser.get(`/api/v1/epaper/editions/${id}/pages/0`)).statusCode).toBe(422);
    });

    it('shows the reader page to a subscriber and thumbnails with the paywall to everyone else', async () => {
      const locked = await aBrowser(t.app).get(`/epaper/${id}`);
      expect(locked.statusCode).toBe(200);
      expect(locked.body).toContain('The e-paper is for subscribers');
      expect(locked.body).toContain(`/api/v1/epaper/editions/${id}/pages/3/thumbnail`);
      expect(locked.body).not.toMatch(new RegExp(`/api/v1/epaper/editions/${id}/pages/\\d+"`));
      expect(locked.body).not.toContain('/download');

      const open = await subscriber.browser.get(`/epaper/${id}/page/2`);
      expect(open.statusCode).toBe(200);
      expect(open.body).not.toContain('The e-paper is for subscribers');
      expect(open.body).toContain(`src="/api/v1/epaper/editions/${id}/pages/2"`);
      expect(open.body).toContain(`href="/epaper/${id}/page/1"`);
      expect(open.body).toContain(`href="/epaper/${id}/page/3"`);
      expect(open.body).toContain('<script src="/assets/epaper.js" defer');

      const list = await aBrowser(t.app).get('/epaper');
      expect(list.statusCode).toBe(200);
      expect(list.body).toContain(`href="/epaper/${id}"`);
      expect(list.body).toContain(`/api/v1/epaper/editions/${id}/pages/1/thumbnail`);
      expect((await aBrowser(t.app).get('/assets/epaper.js')).statusCode).toBe(200);
    });

    it('downloads the edition stamped with the reader’s email and the date on every page', async () => {
      const response = await subscriber.browser.get(`/api/v1/epaper/editions/${id}/download`);
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-type']).toBe('application/pdf');
      expect(response.headers['content-disposition']).toBe(
        `attachment; filename="epaper-${day(10)}-mumbai.pdf"`,
      );
      const pages = pdfPages(response.rawPayload);
      expect(pages).toHaveLength(3);
      pages.forEach((text, i) => {
        expect(text).toContain(`page ${i + 1}`);
        expect(text).toContain(`Downloaded by ${subscriber.email} on 15 November 2026`);
      });
      // The same copy again (from disk), and none for anyone else.
      const again = await subscriber.browser.get(`/api/v1/epaper/editions/${id}/download`);
      expect(again.rawPayload.equals(response.rawPayload)).toBe(true);
      const anonymous = await t.app.inject(`/api/v1/epaper/editions/${id}/download`);
      expect(anonymous.statusCode).toBe(403);
      expect(anonymous.json().error.code).toBe('subscription_required');
    });

    it('shares a page through a link anyone can open for 7 days, and no longer', async () => {
      const shared = await subscriber.browser.send('POST', `/api/v1/epaper/editions/${id}/pages/2/share`);
      expect(shared.statusCode, shared.body).toBe(201);
      const { url, expiresAt } = shared.json();
      expect(Object.keys(shared.json()).sort()).toEqual(['expiresAt', 'url']);
      expect(expiresAt).toBe('2026-11-22T06:00:00.000Z');
      expect(url).toMatch(new RegExp(`^${t.config.publicUrl}/epaper/shared/[A-Za-z0-9_-]{32}$`));
      const path = new URL(url).pathname;

      // Someone with no account and no cookies.
      const stranger = aBrowser(t.app);
      const page = await stranger.get(path);
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(`src="${path}/image"`);
      const image = await stranger.get(`${path}/image`);
      expect(image.statusCode).toBe(200);
      expect(jpeg(image.rawPayload)).toBe(true);
      // The link opens that page, not the others.
      expect((await stranger.get(`/api/v1/epaper/editions/${id}/pages/1`)).statusCode).toBe(403);

      const forged = await stranger.get(`/epaper/shared/${'A'.repeat(32)}`);
      expect(forged.statusCode).toBe(404);
      expect(forged.body).toContain('not valid');

      try {
        t.clock.set('2026-11-22T05:59:59.000Z');
        expect((await stranger.get(path)).statusCode).toBe(200);
        t.clock.set('2026-11-22T06:00:00.000Z');
        const expired = await stranger.get(path);
        expect(expired.statusCode).toBe(410);
        expect(expired.headers['content-type']).toMatch(/^text\/html/);
        expect(expired.body).toContain('has expired');
        expect((await stranger.get(`${path}/image`)).statusCode).toBe(410);
      } finally {
        t.clock.set('2026-11-15T06:00:00.000Z');
      }

      const refused = await aBrowser(t.app).send('POST', `/api/v1/epaper/editions/${id}/pages/2/share`);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('subscription_required');
    });

    it('tidies daily: expired shared links and uploads a dead process left behind go, the rest stays', async () => {
      const shared = await subscriber.browser.send('POST', `/api/v1/epaper/editions/${id}/pages/1/share`);
      const path = new URL(shared.json().url as string).pathname;
      const uploads = join(root, 'uploads');
      mkdirSync(uploads, { recursive: true });
      const stale = join(uploads, 'stale.pdf');
      const fresh = join(uploads, 'fresh.pdf');
      writeFileSync(stale, '%PDF-1.4 half received');
      writeFileSync(fresh, '%PDF-1.4 being received');
      const twoDaysAgo = new Date(t.clock.now().getTime() - 2 * 24 * 60 * 60 * 1000);
      utimesSync(stale, twoDaysAgo, twoDaysAgo);
      utimesSync(fresh, t.clock.now(), t.clock.now());

      expect(await t.services.epaper.tidy()).toMatchObject({ uploads: 1 });
      expect(existsSync(stale)).toBe(false);
      expect(existsSync(fresh)).toBe(true);
      expect((await aBrowser(t.app).get(path)).statusCode).toBe(200);
      try {
        t.clock.set('2026-11-23T06:00:00.000Z');
        const { shares } = await t.services.epaper.tidy();
        expect(shares).toBeGreaterThanOrEqual(1);
        // Forgotten now: the link is simply not known any more.
        expect((await aBrowser(t.app).get(path)).statusCode).toBe(404);
      } finally {
        t.clock.set('2026-11-15T06:00:00.000Z');
      }
    });
  });
});
