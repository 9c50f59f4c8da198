import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { aPdf, multipart } from '../support/epaper.js';
import { signedInStaff, type StaffBrowser } from '../support/staff-browser.js';

// The e-paper's admin page: an editor uploads the day's edition in the browser and follows its
// processing, through the same upload path as the admin API.
describe.each(dialects)('the e-paper admin page on $name', (dialect) => {
  let t: TestApp;
  let editor: StaffBrowser;

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: '2026-11-15T06:00:00.000Z' });
    editor = await signedInStaff(t, 'editor');
  });
  afterAll(() => t.close());

  const upload = async (fields: Record<string, string>, content?: Buffer, type = 'application/pdf') =>
    editor.postMultipart(
      '/admin/epaper',
      multipart(fields, content && { filename: 'edition.pdf', type, content }),
    );
  const process = () => t.services.worker.runDue({ kinds: ['epaper:process'] });

  it('uploads an edition from the form; the list follows it until readers can open it', async () => {
    const empty = await editor.get('/admin/epaper');
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toContain('No editions yet.');
    // The form proposes today in the publication's calendar (Asia/Kolkata: already the 15th).
    expect(empty.body).toContain('value="2026-11-15"');
    expect(empty.body).toContain('href="/admin/epaper"');

    const sent = await upload({ date: '2026-11-15', name: 'Mumbai' }, await aPdf(2));
    expect(sent.statusCode, sent.body).toBe(303);
    expect(sent.headers.location).toBe('/admin/epaper?done=uploaded');
    const waiting = await editor.get('/admin/epaper?done=uploaded');
    expect(waiting.body).toContain('Edition uploaded');
    expect(waiting.body).toContain('data-status="queued"');
    expect(waiting.body).toContain('still being processed');

    await process();
    const ready = await editor.get('/admin/epaper');
    expect(ready.body).toContain('data-status="ready"');
    expect(ready.body).toContain('2 pages');
    const [edition] = await t.services.epaper.listAll();
    expect(edition).toMatchObject({ date: '2026-11-15', name: 'Mumbai', status: 'ready', pageCount: 2 });
    expect(ready.body).toContain(`href="/epaper/${edition!.id}"`);

    const audit = await t.app.inject({
      url: '/api/admin/v1/audit-log?action=epaper.upload',
      headers: t.admin,
    });
    expect(audit.json().entries).toMatchObject([
      { target: edition!.id, after: { date: '2026-11-15', name: 'Mumbai' } },
    ]);
  });

  it('refuses a bad upload with the reason, keeping the date and name typed', async () => {
    const notPdf = await upload({ date: '2026-11-16', name: 'Pune' }, Buffer.from('GIF89a not a pdf'));
    expect(notPdf.statusCode).toBe(422);
    expect(notPdf.body).toContain('file: expected a PDF');
    expect(notPdf.body).toContain('value="2026-11-16"');
    expect(notPdf.body).toContain('value="Pune"');

    const noFile = await upload({ date: '2026-11-16', name: 'Pune' });
    expect(noFile.statusCode).toBe(422);
    expect(noFile.body).toContain('file: expected the edition’s PDF');

    const badDate = await upload({ date: '2026-02-30', name: 'Pune' }, await aPdf(1));
    expect(badDate.statusCode).toBe(422);
    expect(badDate.body).toContain('date:');

    const twice = await upload({ date: '2026-11-15', name: 'Mumbai' }, await aPdf(1));
    expect(twice.statusCode).toBe(409);
    expect(twice.body).toContain('exists already');

    const notMultipart = await editor.post('/admin/epaper', { date: '2026-11-16', name: 'Pune' });
    expect(notMultipart.statusCode).toBe(400);
    expect((await t.services.epaper.listAll()).map((e) => e.name)).toEqual(['Mumbai']);
  });

  it('is for editors: a marketer and a visitor are refused', async () => {
    const marketer = await signedInStaff(t, 'marketer');
    expect((await marketer.get('/admin/epaper')).statusCode).toBe(403);
    expect(
      (await marketer.postMultipart('/admin/epaper', multipart({ date: '2026-11-17', name: 'X' })))
        .statusCode,
    ).toBe(403);
    const visitor = await t.app.inject({ url: '/admin/epaper' });
    expect(visitor.statusCode).toBe(303);
    expect(visitor.headers.location).toContain('/admin/login');
  });
});
