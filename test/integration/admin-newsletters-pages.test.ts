import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aSignedInReader } from '../support/billing.js';
import { anArticle, buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';
import { signedInStaff, type StaffBrowser } from '../support/staff-browser.js';

const newsletter = {
  slug: 'markets',
  name: 'The markets brief',
  description: 'Every morning: the markets.',
  access: 'free',
};

const idIn = (location: string, prefix: string) => location.slice(prefix.length).split('?')[0]!;

describe.each(dialects)('the newsletters admin pages on $name', (dialect) => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  let editor: StaffBrowser;
  let newsletterId: string;
  let issueId: string;
  let first: { id: string; slug: string; headline: string };
  let second: { id: string; slug: string; headline: string };

  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await buildTestApp(dialect, { at: '2026-11-15T06:00:00.000Z', env: { SMTP_URL: smtp.url } });
    editor = await signedInStaff(t, 'editor');
    first = await t.services.content.create(anArticle({ headline: 'Rates hold for a third month' }));
    second = await t.services.content.create(anArticle({ headline: 'The rupee steadies' }));
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  it('defines a newsletter and lists it with its subscribers', async () => {
    const defined = await editor.post('/admin/newsletters', newsletter);
    expect(defined.statusCode, defined.body.slice(0, 500)).toBe(303);
    const location = defined.headers.location as string;
    expect(location).toMatch(/^\/admin\/newsletters\/nlt_[0-9a-z]{26}\?done=defined$/);
    newsletterId = idIn(location, '/admin/newsletters/');
    expect((await editor.get(location)).body).toContain('Newsletter created');

    const reader = await aSignedInReader(t);
    const subscribed = await reader.browser.send('POST', `/api/v1/newsletters/${newsletterId}/subscribe`);
    expect(subscribed.statusCode).toBe(204);
    const list = await editor.get('/admin/newsletters');
    expect(list.statusCode).toBe(200);
    expect(list.body).toContain('data-newsletter="markets"');
    expect(list.body).toContain('data-subscribers="1"');
  });

  it('refuses a bad or taken newsletter with the reason, keeping what was typed', async () => {
    const bad = await editor.post('/admin/newsletters', { ...newsletter, slug: 'Not A Slug', name: '' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('Slug: expected 1 to 64 lower-case letters');
    expect(bad.body).toContain('Name: expected a name');
    expect(bad.body).toContain('value="Not A Slug"');
    const taken = await editor.post('/admin/newsletters', newsletter);
    expect(taken.statusCode).toBe(422);
    expect(taken.body).toContain('exists already');
    expect(await t.services.newsletters.newsletters()).toHaveLength(1);
  });

  it('composes an issue from ticked recent articles and a typed slug', async () => {
    const page = await editor.get(`/admin/newsletters/${newsletterId}`);
    expect(page.body).toContain(`value="${first.id}"`);
    expect(page.body).toContain('Rates hold for a third month');

    const refused = await editor.post(`/admin/newsletters/${newsletterId}/issues`, {
      subject: 'This morning',
      intro: '',
      articleIds: [first.id],
      articleRefs: 'no-such-article',
    });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('no published article has the id or slug no-such-article');
    expect(refused.body).toContain('value="This morning"');
    const noIntro = await editor.post(`/admin/newsletters/${newsletterId}/issues`, {
      subject: 'This morning',
      intro: ' ',
      articleIds: [first.id],
    });
    expect(noIntro.statusCode).toBe(422);
    expect(noIntro.body).toContain('Introduction: expected an introduction');

    const composed = await editor.post(`/admin/newsletters/${newsletterId}/issues`, {
      subject: 'This morning',
      intro: 'Three things.\n\nAnd a fourth.',
      articleIds: [first.id],
      articleRefs: `${second.slug}\n`,
    });
    expect(composed.statusCode, composed.body.slice(0, 500)).toBe(303);
    issueId = idIn(composed.headers.location as string, '/admin/newsletter-issues/');
    expect((await t.services.newsletters.issue(issueId))!.articleIds).toEqual([first.id, second.id]);
    const issues = await editor.get(`/admin/newsletters/${newsletterId}`);
    expect(issues.body).toContain(`data-issue="${issueId}"`);
    expect(issues.body).toContain('status-draft');
  });

  it('shows the preview in an empty sandbox and writes no audit entry for viewing it', async () => {
    const page = await editor.get(`/admin/newsletter-issues/${issueId}?done=composed`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('Draft saved.');
    // The attributes before srcdoc, and srcdoc's value (its `>` need no escaping, its `<` and `"` do).
    const [, iframe = '', srcdoc = ''] = /<iframe([^>]*?)srcdoc="([^"]*)"/.exec(page.body) ?? [];
    // A bare `sandbox` is an empty one: no scripts, forms or navigation, an origin of its own.
    expect(iframe).toMatch(/\ssandbox(="")?\s/);
    expect(page.body).toMatch(/<iframe[^>]*srcdoc="[^"]*"[^>]*><\/iframe>/);
    expect(iframe).not.toContain('allow-');
    // The mail's HTML is the attribute's value, escaped: it is no markup of the admin page.
    expect(srcdoc).toContain('Rates hold for a third month');
    expect(srcdoc).toContain('&lt;');
    expect(srcdoc).not.toContain('<');
    const audit = await t.app.inject({ url: `/api/admin/v1/audit-log`, headers: t.admin });
    const actions = (audit.json().entries as { action: string }[]).map((entry) => entry.action);
    expect(actions).toContain('newsletter.define');
    expect(actions).toContain('newsletter-issue.compose');
    expect(actions.filter((action) => action.includes('preview') || action.startsWith('GET'))).toEqual([]);
  });

  it('sends a test copy to an address, refusing a bad one', async () => {
    const bad = await editor.post(`/admin/newsletter-issues/${issueId}/test`, { to: 'not an address' });
    expect(bad.statusCode).toBe(422);
    expect(bad.body).toContain('To: expected an email address');
    expect(bad.body).toContain('value="not an address"');
    const sent = await editor.post(`/admin/newsletter-issues/${issueId}/test`, { to: 'desk@news.example' });
    expect(sent.statusCode).toBe(303);
    expect(sent.headers.location).toBe(`/admin/newsletter-issues/${issueId}?done=tested`);
    const [copy] = smtp.mailTo('desk@news.example');
    expect(copy?.subject).toBe('[Test] This morning');
    expect((await t.services.newsletters.issue(issueId))!.status).toBe('draft');
  });

  it('refuses a schedule time that is not a time or has passed, then schedules in the publication’s zone', async () => {
    const notATime = await editor.post(`/admin/newsletter-issues/${issueId}/send`, {
      when: 'later',
      sendAt: 'tomorrow',
    });
    expect(notATime.statusCode).toBe(422);
    expect(notATime.body).toContain('Send at: give a date and time');
    const passed = await editor.post(`/admin/newsletter-issues/${issueId}/send`, {
      when: 'later',
      sendAt: '2026-11-15T09:00',
    });
    expect(passed.statusCode).toBe(422);
    expect(passed.body).toContain('has passed');

    const other = await t.services.newsletters.compose(newsletterId, {
      subject: 'Tomorrow',
      intro: 'Later.',
      articleIds: [first.id],
    });
    const scheduled = await editor.post(`/admin/newsletter-issues/${other.id}/send`, {
      when: 'later',
      sendAt: '2026-11-16T07:00',
    });
    expect(scheduled.statusCode, scheduled.body.slice(0, 500)).toBe(303);
    // 07:00 in Asia/Kolkata (UTC+5:30).
    expect(await t.services.newsletters.issue(other.id)).toMatchObject({
      status: 'scheduled',
      sendAt: '2026-11-16T01:30:00.000Z',
    });
    const page = await editor.get(scheduled.headers.location as string);
    expect(page.body).toContain('Scheduled: it goes out');
    expect(page.body).toContain('data-status="scheduled"');
  });

  it('sends now and shows the progress', async () => {
    const sent = await editor.post(`/admin/newsletter-issues/${issueId}/send`, { when: 'now', sendAt: '' });
    expect(sent.statusCode, sent.body.slice(0, 500)).toBe(303);
    expect(sent.headers.location).toBe(`/admin/newsletter-issues/${issueId}?done=sending`);
    await t.services.worker.runDue({ kinds: ['newsletter:send'] });
    const page = await editor.get(`/admin/newsletter-issues/${issueId}`);
    expect(page.body).toContain('data-status="sent"');
    expect(page.body).toContain('data-sent="1"');
    expect(page.body).toContain('data-failed="0"');
    expect(page.body).toContain('data-remaining="0"');
    const again = await editor.post(`/admin/newsletter-issues/${issueId}/send`, { when: 'now' });
    expect(again.statusCode).toBe(422);
    expect(again.body).toContain('sent already');
  });

  it('refuses staff of another role', async () => {
    const marketer = await signedInStaff(t, 'marketer');
    expect((await marketer.get('/admin/newsletters')).statusCode).toBe(403);
    expect((await marketer.post('/admin/newsletters', { ...newsletter, slug: 'other' })).statusCode).toBe(
      403,
    );
    expect(
      (await marketer.post(`/admin/newsletter-issues/${issueId}/test`, { to: 'x@news.example' })).statusCode,
    ).toBe(403);
    expect(smtp.mailTo('x@news.example')).toHaveLength(0);
  });
});
