import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSubscriber } from '../support/billing.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { multipart } from '../support/epaper.js';
import { signedInStaff, type StaffBrowser } from '../support/staff-browser.js';

const offer = {
  name: 'A year of Puzzle Post',
  partner: 'The Crossword Club',
  instructions: 'Enter the code at crosswordclub.example/redeem.',
  lowCodeThreshold: '2',
};

describe.each(dialects)('the partner offers admin pages on $name', (dialect) => {
  let t: TestApp;
  let marketer: StaffBrowser;
  let id: string;

  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: '2026-11-15T06:00:00.000Z' });
    marketer = await signedInStaff(t, 'marketer');
  });
  afterAll(() => t.close());

  it('creates an offer and lists it with its counts', async () => {
    const created = await marketer.post('/admin/partners', offer);
    expect(created.statusCode, created.body.slice(0, 500)).toBe(303);
    const location = created.headers.location as string;
    expect(location).toMatch(/^\/admin\/partners\/pof_[0-9a-z]{26}\?done=created$/);
    id = location.slice('/admin/partners/'.length).split('?')[0]!;
    const page = await marketer.get(location);
    expect(page.body).toContain('Offer created');
    expect(page.body).toContain('Codes: 0 left of 0, 0 claimed');
    const list = await marketer.get('/admin/partners');
    expect(list.body).toContain(`data-offer="${id}"`);
    expect(list.body).toContain('The Crossword Club');
    expect(list.body).toContain('href="/admin/partners"');
  });

  it('refuses a bad offer with the reason and keeps what was typed', async () => {
    const refused = await marketer.post('/admin/partners', { ...offer, name: '  ', lowCodeThreshold: 'ten' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('Name: give the offer a name');
    expect(refused.body).toContain('Warning threshold: a whole number');
    expect(refused.body).toContain('value="ten"');
    expect(refused.body).toContain('Enter the code at crosswordclub.example/redeem.');
    expect(await t.services.partners.list()).toHaveLength(1);
  });

  it('uploads codes typed in the box and from a file, counting duplicates, never auditing a code', async () => {
    const typed = await marketer.post(`/admin/partners/${id}/codes`, {
      codes: 'PUZZLE-0001\nPUZZLE-0002\nPUZZLE-0001\nab1\n',
    });
    expect(typed.statusCode, typed.body.slice(0, 500)).toBe(200);
    expect(typed.body).toContain('2 codes added');
    expect(typed.body).toContain('1 duplicate skipped');
    expect(typed.body).toContain('1 rejected');
    expect(typed.body).toMatch(/<td>4<\/td><td>[^<]*at least 4/);

    const file = await marketer.postMultipart(
      `/admin/partners/${id}/codes`,
      multipart(
        { codes: '' },
        {
          filename: 'codes.csv',
          type: 'text/csv',
          content: Buffer.from('code,expires\nPUZZLE-0002,2027\nPUZZLE-0003,2027\n'),
        },
      ),
    );
    expect(file.statusCode, file.body.slice(0, 500)).toBe(200);
    expect(file.body).toContain('1 code added');
    expect(file.body).toContain('1 duplicate skipped');
    expect(file.body).toContain('Codes: 3 left of 3, 0 claimed');
    expect((await t.services.partners.get(id))!.codes).toEqual({ total: 3, claimed: 0, remaining: 3 });

    const both = await marketer.postMultipart(
      `/admin/partners/${id}/codes`,
      multipart(
        { codes: 'PUZZLE-0009' },
        { filename: 'codes.csv', type: 'text/csv', content: Buffer.from('PUZZLE-0010\n') },
      ),
    );
    expect(both.statusCode).toBe(422);
    expect(both.body).toContain('not both');
    expect(both.body).toContain('PUZZLE-0009');
    const empty = await marketer.post(`/admin/partners/${id}/codes`, { codes: ' \n' });
    expect(empty.statusCode).toBe(422);
    expect(empty.body).toContain('type the codes');

    // Through the API too: the audit log keeps what an upload did, not the codes.
    const api = await t.app.inject({
      method: 'POST',
      url: `/api/admin/v1/partner-offers/${id}/codes`,
      headers: { ...t.admin, 'content-type': 'text/csv' },
      payload: 'PUZZLE-0004\n',
    });
    expect(api.statusCode).toBe(200);
    const audit = await t.app.inject({
      url: '/api/admin/v1/audit-log?action=partner-offer.upload',
      headers: t.admin,
    });
    const entries = audit.json().entries as { target: string; after: unknown }[];
    expect(entries).toHaveLength(3);
    expect(entries.every((entry) => entry.target === id)).toBe(true);
    expect(JSON.stringify(audit.json())).not.toContain('PUZZLE-');
    const all = await t.app.inject({ url: '/api/admin/v1/audit-log', headers: t.admin });
    expect(JSON.stringify(all.json())).not.toContain('PUZZLE-');
    expect(all.json().entries.map((e: { action: string }) => e.action)).toContain('partner-offer.create');
  });

  it('shows a claim by a reader in the counts', async () => {
    const reader = await aSubscriber(t);
    const claimed = await reader.browser.send('POST', `/api/v1/partner-offers/${id}/claim`);
    expect(claimed.statusCode, claimed.body).toBe(200);
    const list = await marketer.get('/admin/partners');
    expect(list.body).toContain('data-claimed="1"');
    expect(list.body).toContain('data-remaining="3"');
    const page = await marketer.get(`/admin/partners/${id}`);
    expect(page.body).toContain('Codes: 3 left of 4, 1 claimed');
    // The claimed code is the reader's alone: not on the admin page.
    expect(page.body).not.toContain(claimed.json().code);
  });

  it('edits the offer and switches it off and on', async () => {
    const refused = await marketer.post(`/admin/partners/${id}`, { ...offer, partner: '' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('Partner: name the partner');
    const saved = await marketer.post(`/admin/partners/${id}`, {
      ...offer,
      name: 'Two years of Puzzle Post',
    });
    expect(saved.statusCode).toBe(303);
    expect((await marketer.get(saved.headers.location as string)).body).toContain('Changes saved.');
    expect((await t.services.partners.get(id))!.name).toBe('Two years of Puzzle Post');
    const off = await marketer.post(`/admin/partners/${id}/active`, { active: 'false' });
    expect(off.headers.location).toBe(`/admin/partners/${id}?done=off`);
    expect((await t.services.partners.get(id))!.active).toBe(false);
    await marketer.post(`/admin/partners/${id}/active`, { active: 'true' });
    expect((await t.services.partners.get(id))!.active).toBe(true);
  });

  it('refuses staff of another role', async () => {
    const editor = await signedInStaff(t, 'editor');
    expect((await editor.get('/admin/partners')).statusCode).toBe(403);
    expect((await editor.post('/admin/partners', offer)).statusCode).toBe(403);
    expect((await editor.post(`/admin/partners/${id}/codes`, { codes: 'EDITOR-0001' })).statusCode).toBe(403);
    expect((await t.services.partners.get(id))!.codes.total).toBe(4);
  });
});
