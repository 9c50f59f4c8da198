import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { signedInStaff, type StaffBrowser } from '../support/staff-browser.js';

describe.each(dialects)('the coupons admin page on $name', (dialect) => {
  let t: TestApp;
  let marketer: StaffBrowser;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    marketer = await signedInStaff(t, 'marketer');
  });
  afterAll(() => t.close());

  const coupon = {
    code: 'diwali25',
    kind: 'percent',
    percentOff: '25',
    duration: 'once',
    expiresOn: '2027-01-31',
    maxRedemptions: '100',
  };

  it('creates a coupon and lists it', async () => {
    const quarterly = (await t.services.plans.listAll()).find((p) => p.slug === 'smart-quarterly')!;
    const created = await marketer.post('/admin/coupons', { ...coupon, planIds: [quarterly.id] });
    expect(created.statusCode).toBe(303);
    const page = await marketer.get(created.headers.location as string);
    expect(page.body).toContain('Coupon created');
    expect(page.body).toContain('data-coupon="DIWALI25"');
    expect(page.body).toContain('25% off the first term');
    expect(page.body).toContain('2027-01-31');
    const [stored] = await t.services.coupons.list();
    expect(stored).toMatchObject({ code: 'DIWALI25', planIds: [quarterly.id], maxRedemptions: 100 });

    const amount = await marketer.post('/admin/coupons', {
      code: 'FLAT100',
      kind: 'amount',
      amountOff: '100',
      currency: 'INR',
      duration: 'forever',
    });
    expect(amount.statusCode).toBe(303);
    expect((await marketer.get('/admin/coupons')).body).toContain('₹100 off every term');
  });

  it('refuses an impossible coupon with the reason, keeping the form', async () => {
    const taken = await marketer.post('/admin/coupons', coupon);
    expect(taken.statusCode).toBe(422);
    expect(taken.body).toContain('value="diwali25"');
    const noPercent = await marketer.post('/admin/coupons', { ...coupon, code: 'NOPE1', percentOff: '' });
    expect(noPercent.statusCode).toBe(422);
    expect(noPercent.body).toContain('percentOff');
  });

  it('retires a coupon and switches it on again', async () => {
    const [, diwali] = await t.services.coupons.list();
    expect(diwali!.code).toBe('DIWALI25');
    const retired = await marketer.post(`/admin/coupons/${diwali!.id}/active`, { active: 'false' });
    expect(retired.statusCode).toBe(303);
    expect((await t.services.coupons.get(diwali!.id))!.active).toBe(false);
    await marketer.post(`/admin/coupons/${diwali!.id}/active`, { active: 'true' });
    expect((await t.services.coupons.get(diwali!.id))!.active).toBe(true);
  });

  it('refuses an editor', async () => {
    const editor = await signedInStaff(t, 'editor');
    expect((await editor.get('/admin/coupons')).statusCode).toBe(403);
    expect((await editor.post('/admin/coupons', { ...coupon, code: 'EDITOR1' })).statusCode).toBe(403);
  });
});
