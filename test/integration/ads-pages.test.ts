import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { signedInStaff, type StaffBrowser } from '../support/staff-browser.js';

// The ads admin page: a marketer sets the ad slot in the browser, refused exactly as the
// settings API refuses it, and readers without ad-free reading see it at once.
describe.each(dialects)('the ads admin page on $name', (dialect) => {
  let t: TestApp;
  let marketer: StaffBrowser;

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: '2026-11-15T06:00:00.000Z' });
    marketer = await signedInStaff(t, 'marketer');
  });
  afterAll(() => t.close());

  const tag =
    '<div id="ad-top"></div>\r\n<script src="https://ads.example.net/tag.js"></script><script>window.slot = 1;</script>';

  it('saves the slot and its script origins; the front page shows it to readers', async () => {
    const empty = await marketer.get('/admin/ads');
    expect(empty.statusCode).toBe(200);
    expect(empty.body).toContain('name="slotHtml"');
    expect((await t.app.inject({ url: '/' })).body).not.toContain('class="ad-slot"');

    const saved = await marketer.post('/admin/ads', {
      slotHtml: tag,
      scriptSources: 'https://ads.example.net\r\n\r\n',
    });
    expect(saved.statusCode, saved.body).toBe(303);
    expect(saved.headers.location).toBe('/admin/ads?saved=1');
    const shown = await marketer.get('/admin/ads?saved=1');
    expect(shown.body).toContain('Saved');
    expect(shown.body).toContain('1 inline script');
    expect(shown.body).toContain('scripts from https://ads.example.net/tag.js');
    expect(shown.body).toContain('https://ads.example.net</textarea>');

    const front = await t.app.inject({ url: '/' });
    expect(front.body).toContain('class="ad-slot"');
    expect(front.body).toContain('<div id="ad-top"></div>');
    expect(front.headers['content-security-policy']).toContain('https://ads.example.net');

    const audit = await t.app.inject({
      url: '/api/admin/v1/audit-log?action=settings.update',
      headers: t.admin,
    });
    expect(audit.json().entries[0]).toMatchObject({
      target: 'ads',
      after: { scriptSources: ['https://ads.example.net'] },
    });
  });

  it('refuses a script from an origin not listed, and a bad origin, keeping what was typed', async () => {
    const refused = await marketer.post('/admin/ads', { slotHtml: tag, scriptSources: '' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('the script from https://ads.example.net is not allowed');
    expect(refused.body).toContain('ad-top');
    const badOrigin = await marketer.post('/admin/ads', {
      slotHtml: '',
      scriptSources: 'http://ads.example.net/x',
    });
    expect(badOrigin.statusCode).toBe(422);
    expect(badOrigin.body).toContain('expected an https origin');
    expect(badOrigin.body).toContain('http://ads.example.net/x</textarea>');
    expect((await marketer.post('/admin/ads', { slotHtml: 'x' })).statusCode).toBe(422);
    // Nothing of the refused forms was saved.
    expect((await marketer.get('/admin/ads')).body).toContain('https://ads.example.net</textarea>');
  });

  it('is for marketers: an editor is refused', async () => {
    const editor = await signedInStaff(t, 'editor');
    expect((await editor.get('/admin/ads')).statusCode).toBe(403);
    expect((await editor.post('/admin/ads', { slotHtml: '', scriptSources: '' })).statusCode).toBe(403);
  });
});
