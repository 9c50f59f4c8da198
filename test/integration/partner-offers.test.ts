import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoPartnerOffer, demoStaffEmail, seedDemoPartnerOffer } from '../../src/seed/demo-benefits.js';
import { aBrowser } from '../support/browser.js';
import { aSignedInReader, aSubscriber, signInAgain } from '../support/billing.js';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-server.js';

const start = '2026-11-15T06:00:00.000Z';

/** An offer created through the admin API, with `codes` uploaded (if any). */
async function anOffer(t: TestApp, codes: readonly string[] = [], extra: Record<string, unknown> = {}) {
  const created = await t.app.inject({
    method: 'POST',
    url: '/api/admin/v1/partner-offers',
    headers: t.admin,
    payload: {
      name: 'A year of Puzzle Post',
      partner: 'The Crossword Club',
      instructions: 'Enter the code at crosswordclub.example/redeem.',
      ...extra,
    },
  });
  expect(created.statusCode, created.body).toBe(201);
  const id = created.json().offer.id as string;
  if (codes.length > 0) {
    const uploaded = await upload(t, id, codes.join('\n'));
    expect(uploaded.json().added).toBe(codes.length);
  }
  return id;
}

const upload = (t: TestApp, id: string, csv: string, contentType = 'text/csv') =>
  t.app.inject({
    method: 'POST',
    url: `/api/admin/v1/partner-offers/${id}/codes`,
    headers: { ...t.admin, 'content-type': contentType },
    payload: csv,
  });

let unique = 0;
const someCodes = (n: number, prefix = 'CODE') => Array.from({ length: n }, () => `${prefix}-${++unique}-X`);

describe.each(dialects)('partner offers on $name', (dialect) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await buildTestApp(dialect, { at: start });
  });
  afterAll(() => t.close());

  describe('uploading codes', () => {
    it('adds valid rows, ignores duplicates and reports malformed rows by line', async () => {
      const id = await anOffer(t);
      const csv = [
        'code,expires', // 1: a header naming the code column
        'ALPHA-0001,2027-12-31', // 2
        '"BETA-0002",2027-12-31', // 3: quoted
        'ALPHA-0001,2027-12-31', // 4: repeated in the file
        '', // 5: empty, skipped
        '"GAMMA-0003,2027-12-31', // 6: a quote never closed
        'has space,2027', // 7
        ',2027-12-31', // 8: no code
        'ab1', // 9: too short
        '"DELTA"x', // 10: text after a closing quote
        'EPSILON-0005', // 11: still taken after the bad lines
      ].join('\r\n');
      const first = await upload(t, id, csv);
      expect(first.statusCode, first.body).toBe(200);
      expect(first.json()).toMatchObject({
        added: 3,
        duplicates: 1,
        rejected: [
          { line: 6, reason: expect.stringMatching(/quote/) },
          { line: 7, reason: expect.stringMatching(/without spaces/) },
          { line: 8, reason: 'the code is empty' },
          { line: 9, reason: expect.stringMatching(/at least 4/) },
          { line: 10, reason: expect.stringMatching(/quote/) },
        ],
        offer: { codes: { total: 3, claimed: 0, remaining: 3 } },
      });
      // The same file again adds nothing: every code is a duplicate now.
      const again = await upload(t, id, csv);
      expect(again.json()).toMatchObject({ added: 0, duplicates: 4, offer: { codes: { total: 3 } } });
      // No header: the first column is the code.
      const plain = await upload(t, id, 'ZETA-0006\nALPHA-0001\n');
      expect(plain.json()).toMatchObject({ added: 1, duplicates: 1, rejected: [] });
    });

    it('refuses a body that is not CSV, too large, or without an admin key', async () => {
      const id = await anOffer(t);
      expect((await upload(t, id, '{"codes":[]}', 'application/json')).statusCode).toBe(422);
      expect((await upload(t, id, 'CODE-1234', 'text/plain')).statusCode).toBe(415);
      const huge = await upload(t, id, 'X'.repeat(1024 * 1024 + 1));
      expect(huge.statusCode).toBe(413);
      const tooMany = await upload(t, id, someCodes(20_001).join('\n'));
      expect(tooMany.statusCode).toBe(422);
      expect(tooMany.json().error.message).toMatch(/at most 20000/);
      const anonymous = await t.app.inject({
        method: 'POST',
        url: `/api/admin/v1/partner-offers/${id}/codes`,
        headers: { 'content-type': 'text/csv' },
        payload: 'CODE-1234',
      });
      expect(anonymous.statusCode).toBe(401);
      const unknown = await upload(t, 'pof_00000000000000000000000000', 'CODE-1234');
      expect(unknown.statusCode).toBe(404);
      // Nothing of the refused uploads was stored.
      const offer = await t.app.inject({ url: `/api/admin/v1/partner-offers/${id}`, headers: t.admin });
      expect(offer.json().offer.codes.total).toBe(0);
    });

    it('validates the offer', async () => {
      const bad = await t.app.inject({
        method: 'POST',
        url: '/api/admin/v1/partner-offers',
        headers: t.admin,
        payload: { name: 'Line\nbreak', partner: '', instructions: 'x', lowCodeThreshold: -1 },
      });
      expect(bad.statusCode).toBe(422);
      expect(bad.json().error).toMatchObject({ code: 'validation_failed' });
      expect(bad.json().error.message).toMatch(/name/);
      expect(bad.json().error.message).toMatch(/partner/);
      expect(bad.json().error.message).toMatch(/lowCodeThreshold/);
    });
  });

  describe('claiming', () => {
    it('gives an entitled subscriber one code, the same on every later call, shown to no one else', async () => {
      const id = await anOffer(t, someCodes(3));
      const reader = await aSubscriber(t);
      const claimed = await reader.browser.send('POST', `/api/v1/partner-offers/${id}/claim`);
      expect(claimed.statusCode, claimed.body).toBe(200);
      const { code } = claimed.json() as { code: string };
      expect(code).toMatch(/^CODE-/);
      for (let i = 0; i < 3; i++) {
        const again = await reader.browser.send('POST', `/api/v1/partner-offers/${id}/claim`);
        expect(again.json().code).toBe(code);
      }
      const listed = await reader.browser.get('/api/v1/partner-offers');
      expect(listed.json().offers.find((o: { id: string }) => o.id === id)).toMatchObject({
        status: 'claimed',
        code,
        partner: 'The Crossword Club',
      });
      const page = await reader.browser.get('/account');
      expect(page.statusCode).toBe(200);
      expect(page.body).toContain(code);
      expect(page.body).toContain('Enter the code at crosswordclub.example/redeem.');

      // Another subscriber gets another code and never sees the first one.
      const other = await aSubscriber(t);
      const theirs = await other.browser.send('POST', `/api/v1/partner-offers/${id}/claim`);
      expect(theirs.json().code).not.toBe(code);
      expect((await other.browser.get('/api/v1/partner-offers')).body).not.toContain(code);
      expect((await other.browser.get('/account')).body).not.toContain(code);
      // Staff see counts, never codes.
      const admin = await t.app.inject({ url: `/api/admin/v1/partner-offers/${id}`, headers: t.admin });
      expect(admin.json().offer.codes).toEqual({ total: 3, claimed: 2, remaining: 1 });
      expect(admin.body).not.toContain(code);
      const all = await t.app.inject({ url: '/api/admin/v1/partner-offers', headers: t.admin });
      expect(all.body).not.toContain(code);
    });

    it('refuses a reader whose subscription does not include partner access: 403, on the API and the page', async () => {
      const id = await anOffer(t, someCodes(2));
      const reader = await aSignedInReader(t);
      const refused = await reader.browser.send('POST', `/api/v1/partner-offers/${id}/claim`);
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('subscription_required');
      const listed = await reader.browser.get('/api/v1/partner-offers');
      expect(listed.json().offers.find((o: { id: string }) => o.id === id)).toMatchObject({
        status: 'subscription_required',
        code: null,
      });
      const page = await reader.browser.get('/account');
      expect(page.body).toContain('id="partner-offers"');
      expect(page.body).not.toContain(`action="/account/partner-offers/${id}/claim"`);
      expect(page.body).toContain('See the plans');
      // The form posted anyway gives no code.
      const posted = await reader.browser.post(`/account/partner-offers/${id}/claim`);
      expect(posted.statusCode).toBe(303);
      expect(posted.headers.location).toBe(`/account?partners=subscription_required#offer-${id}`);
      const after = await reader.browser.get('/account?partners=subscription_required');
      expect(after.body).toContain('come with a subscription that includes partner access');
      expect(after.body).not.toMatch(/Your code:/);
      // Signed out: no offers at all.
      const anonymous = aBrowser(t.app);
      expect((await anonymous.get('/api/v1/partner-offers')).statusCode).toBe(401);
      expect((await anonymous.send('POST', `/api/v1/partner-offers/${id}/claim`)).statusCode).toBe(401);
    });

    it('claims through the page: the button posts, the code appears; a cross-site post is refused', async () => {
      const id = await anOffer(t, someCodes(2));
      const reader = await aSubscriber(t);
      const before = await reader.browser.get('/account');
      expect(before.body).toContain(`action="/account/partner-offers/${id}/claim"`);
      const foreign = await t.app.inject({
        method: 'POST',
        url: `/account/partner-offers/${id}/claim`,
        headers: {
          cookie: [...reader.browser.jar].map(([k, v]) => `${k}=${v}`).join('; '),
          origin: 'https://evil.example',
        },
      });
      expect(foreign.statusCode).toBe(403);
      expect((await reader.browser.get('/account')).body).not.toMatch(/Your code:/);
      const posted = await reader.browser.post(`/account/partner-offers/${id}/claim`);
      expect(posted.statusCode).toBe(303);
      expect(posted.headers.location).toBe(`/account?partners=claimed#offer-${id}`);
      const page = await reader.browser.get('/account?partners=claimed');
      const { code } = (await reader.browser.send('POST', `/api/v1/partner-offers/${id}/claim`)).json() as {
        code: string;
      };
      expect(page.body).toContain(`<code>${code}</code>`);
      expect(page.body).toContain('Here is your code');
      expect(page.body).not.toContain(`action="/account/partner-offers/${id}/claim"`);
    });

    it('two claims racing for the last codes cannot both get one: one winner per code, 409 for the rest', async () => {
      const codes = someCodes(3, 'RACE');
      const id = await anOffer(t, codes);
      const readers = await Promise.all(Array.from({ length: 10 }, () => aSubscriber(t)));
      const answers = await Promise.all(
        readers.map((reader) => reader.browser.send('POST', `/api/v1/partner-offers/${id}/claim`)),
      );
      const won = answers.filter((a) => a.statusCode === 200).map((a) => a.json().code as string);
      const lost = answers.filter((a) => a.statusCode !== 200);
      expect(won.sort()).toEqual([...codes].sort());
      expect(lost).toHaveLength(7);
      for (const answer of lost) {
        expect(answer.statusCode).toBe(409);
        expect(answer.json().error.code).toBe('codes_exhausted');
      }
      const admin = await t.app.inject({ url: `/api/admin/v1/partner-offers/${id}`, headers: t.admin });
      expect(admin.json().offer).toMatchObject({ codes: { total: 3, claimed: 3, remaining: 0 }, low: true });
    });

    it('one reader claiming many times at once gets one code', async () => {
      const id = await anOffer(t, someCodes(20, 'TWICE'));
      const reader = await aSubscriber(t);
      const answers = await Promise.all(
        Array.from({ length: 8 }, () => reader.browser.send('POST', `/api/v1/partner-offers/${id}/claim`)),
      );
      expect(answers.map((a) => a.statusCode)).toEqual(Array(8).fill(200));
      expect(new Set(answers.map((a) => a.json().code)).size).toBe(1);
      const admin = await t.app.inject({ url: `/api/admin/v1/partner-offers/${id}`, headers: t.admin });
      expect(admin.json().offer.codes).toMatchObject({ claimed: 1, remaining: 19 });
    });

    it('a switched-off offer takes no claims, but its codes stay with those who claimed them', async () => {
      const id = await anOffer(t, someCodes(3));
      const reader = await aSubscriber(t);
      const { code } = (await reader.browser.send('POST', `/api/v1/partner-offers/${id}/claim`)).json() as {
        code: string;
      };
      const off = await t.app.inject({
        method: 'PATCH',
        url: `/api/admin/v1/partner-offers/${id}`,
        headers: t.admin,
        payload: { active: false },
      });
      expect(off.json().offer.active).toBe(false);
      const late = await aSubscriber(t);
      expect((await late.browser.send('POST', `/api/v1/partner-offers/${id}/claim`)).statusCode).toBe(404);
      expect((await late.browser.get('/api/v1/partner-offers')).body).not.toContain(id);
      const listed = (await reader.browser.get('/api/v1/partner-offers')).json().offers;
      expect(listed.find((o: { id: string }) => o.id === id)).toMatchObject({ code, status: 'claimed' });
    });
  });

  it('the demo seeds an offer with its codes and a staff address, once', async () => {
    expect(await seedDemoPartnerOffer(t.services)).toBe(1);
    expect(await seedDemoPartnerOffer(t.services)).toBe(0);
    const demo = (await t.services.partners.list()).filter((o) => o.name === demoPartnerOffer.name);
    expect(demo).toHaveLength(1);
    expect(demo[0]!.codes).toEqual({ total: 25, claimed: 0, remaining: 25 });
    expect((await t.services.publication.settings()).staffEmail).toBe(demoStaffEmail);
    const reader = await aSubscriber(t);
    const page = await reader.browser.get('/account');
    expect(page.body).toContain(demoPartnerOffer.name);
    expect(page.body).toContain(`action="/account/partner-offers/${demo[0]!.id}/claim"`);
  });

  it('a cancelled subscriber keeps the code they claimed but cannot claim new offers', async () => {
    t.clock.set(start);
    const first = await anOffer(t, someCodes(2));
    const reader = await aSubscriber(t);
    const { code } = (await reader.browser.send('POST', `/api/v1/partner-offers/${first}/claim`)).json() as {
      code: string;
    };
    expect((await reader.browser.send('POST', '/api/v1/subscription/cancel')).statusCode).toBe(200);
    // The paid year runs out and the subscription ends.
    t.clock.set('2027-11-16T06:00:00.000Z');
    await t.services.billing.runSweep();
    expect((await t.services.billing.subscription(reader.accountId))?.status).toBe('expired');
    await signInAgain(reader.browser, reader.email);
    const later = await anOffer(t, someCodes(2));

    const listed = (await reader.browser.get('/api/v1/partner-offers')).json().offers;
    expect(listed.find((o: { id: string }) => o.id === first)).toMatchObject({ status: 'claimed', code });
    expect(listed.find((o: { id: string }) => o.id === later)).toMatchObject({
      status: 'subscription_required',
      code: null,
    });
    expect((await reader.browser.send('POST', `/api/v1/partner-offers/${first}/claim`)).json().code).toBe(
      code,
    );
    const refused = await reader.browser.send('POST', `/api/v1/partner-offers/${later}/claim`);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('subscription_required');
    expect((await reader.browser.get('/account')).body).toContain(`<code>${code}</code>`);
    t.clock.set(start);
  });
});

describe.each(dialects)('the low-code warning on $name', (dialect) => {
  let t: TestApp;
  let smtp: TestSmtpServer;
  const staff = 'newsroom@daily-ledger.example';
  beforeAll(async () => {
    smtp = await startSmtpServer();
    t = await buildTestApp(dialect, { env: { SMTP_URL: smtp.url }, at: start });
    const set = await t.app.inject({
      method: 'PATCH',
      url: '/api/admin/v1/settings',
      headers: t.admin,
      payload: { publication: { staffEmail: staff } },
    });
    expect(set.statusCode, set.body).toBe(200);
  });
  afterAll(async () => {
    await t.close();
    await smtp.close();
  });

  const offerOf = async (id: string) =>
    (await t.app.inject({ url: `/api/admin/v1/partner-offers/${id}`, headers: t.admin })).json().offer;

  it('mails the staff once when a claim takes the codes to the threshold, and again after a top-up', async () => {
    const id = await anOffer(t, someCodes(4, 'LOW'), { lowCodeThreshold: 2 });
    expect(await offerOf(id)).toMatchObject({ low: false, lowWarnedAt: null, lowCodeThreshold: 2 });
    const readers = await Promise.all(Array.from({ length: 4 }, () => aSubscriber(t)));
    const claim = (i: number) => readers[i]!.browser.send('POST', `/api/v1/partner-offers/${id}/claim`);

    await claim(0); // 3 left
    expect(smtp.mailTo(staff)).toHaveLength(0);
    await claim(1); // 2 left: the threshold
    expect(smtp.mailTo(staff)).toHaveLength(1);
    const [mail] = smtp.mailTo(staff);
    expect(mail!.subject).toBe('2 codes left for the partner offer A year of Puzzle Post');
    expect(mail!.text).toContain(`/api/admin/v1/partner-offers/${id}/codes`);
    expect(await offerOf(id)).toMatchObject({
      low: true,
      lowWarnedAt: start,
      codes: { remaining: 2 },
    });
    await claim(2); // 1 left: still low, no second mail
    await claim(2);
    expect(smtp.mailTo(staff)).toHaveLength(1);

    // Topped up above the threshold: the warning is armed again.
    await upload(t, id, someCodes(5, 'LOW').join('\n'));
    expect(await offerOf(id)).toMatchObject({ low: false, lowWarnedAt: null, codes: { remaining: 6 } });
    const more = await Promise.all(Array.from({ length: 4 }, () => aSubscriber(t)));
    for (const reader of more) await reader.browser.send('POST', `/api/v1/partner-offers/${id}/claim`);
    expect(smtp.mailTo(staff)).toHaveLength(2); // 6 left, then down to 2: the second warning
    await claim(3);
    expect(smtp.mailTo(staff)).toHaveLength(2);
    expect(await offerOf(id)).toMatchObject({ low: true, codes: { remaining: 1 } });
    // The reader's code is in no mail.
    const own = (await readers[0]!.browser.send('POST', `/api/v1/partner-offers/${id}/claim`)).json().code;
    expect(
      smtp
        .mailTo(staff)
        .map((m) => m.text)
        .join('\n'),
    ).not.toContain(own);
  });

  it('tries again with the next claim when the SMTP server refuses the warning', async () => {
    const id = await anOffer(t, someCodes(3, 'RETRY'), { lowCodeThreshold: 1 });
    const readers = await Promise.all(Array.from({ length: 3 }, () => aSubscriber(t)));
    await readers[0]!.browser.send('POST', `/api/v1/partner-offers/${id}/claim`);
    const before = smtp.mailTo(staff).length;
    smtp.refuseRecipient(staff);
    const claimed = await readers[1]!.browser.send('POST', `/api/v1/partner-offers/${id}/claim`);
    expect(claimed.statusCode).toBe(200); // the reader gets their code all the same
    expect(await offerOf(id)).toMatchObject({ low: true, lowWarnedAt: null });
    smtp.refuseRecipient(staff, false);
    await readers[2]!.browser.send('POST', `/api/v1/partner-offers/${id}/claim`);
    expect(smtp.mailTo(staff)).toHaveLength(before + 1);
    expect(smtp.mailTo(staff).at(-1)!.subject).toBe(
      'No codes left for the partner offer A year of Puzzle Post',
    );
  });
});
