import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApp, type TestApp } from '../support/build-app.js';
import { dialects } from '../support/databases.js';
import { signedInStaff, type StaffBrowser } from '../support/staff-browser.js';

describe.each(dialects)('the plans admin page on $name', (dialect) => {
  let t: TestApp;
  let marketer: StaffBrowser;

  beforeAll(async () => {
    t = await buildTestApp(dialect);
    marketer = await signedInStaff(t, 'marketer');
  });
  afterAll(() => t.close());

  const onSale = async () =>
    ((await t.app.inject({ url: '/api/v1/plans' })).json().plans as { slug: string }[]).map((p) => p.slug);
  const planOf = async (slug: string) => (await t.services.plans.listAll()).find((p) => p.slug === slug)!;

  const weekly = {
    name: 'Festive Monthly',
    termCount: '1',
    termUnit: 'month',
    amount: '349.50',
    currency: 'INR',
    trialDays: '7',
    benefits: ['premium-stories', 'epaper'],
  };

  it('lists the plans in order with price, term, per month, benefits and status, and previews /subscribe', async () => {
    const page = await marketer.get('/admin/plans');
    expect(page.statusCode).toBe(200);
    const body = page.body;
    expect(body.indexOf('Smart Quarterly')).toBeLessThan(body.indexOf('Smart Essential'));
    expect(body.indexOf('Smart Essential')).toBeLessThan(body.indexOf('Super Saver'));
    expect(body).toContain('₹3,900');
    expect(body).toContain('₹162/month');
    expect(body).toContain('2 years');
    expect(body).toContain('on sale');
    expect(body).toContain('Exclusive premium stories online');
    expect(body).toContain('class="subscribe-sample" inert');
    expect(body).toContain('₹162/Month');
  });

  it('previews a new plan on /subscribe without creating it, then creates it', async () => {
    const preview = await marketer.post('/admin/plans', { ...weekly, intent: 'preview' });
    expect(preview.statusCode).toBe(200);
    expect(preview.body).toContain('not created yet');
    expect(preview.body).toContain('data-plan="festive-monthly"');
    expect(await onSale()).not.toContain('festive-monthly');

    const created = await marketer.post('/admin/plans', { ...weekly, intent: 'create' });
    expect(created.statusCode).toBe(303);
    expect(created.headers.location).toBe('/admin/plans?done=created');
    expect(await onSale()).toContain('festive-monthly');
    const plan = await planOf('festive-monthly');
    expect(plan.prices[0]).toMatchObject({ amountMinor: 34_950, currency: 'INR' });
    expect(plan.trialDays).toBe(7);
    expect(plan.benefits).toEqual(['premium-stories', 'epaper']);
  });

  it('refuses a bad plan with the reason, keeping the form', async () => {
    const refused = await marketer.post('/admin/plans', { ...weekly, amount: '12.345', intent: 'create' });
    expect(refused.statusCode).toBe(422);
    expect(refused.body).toContain('at most 2 decimals');
    expect(refused.body).toContain('value="Festive Monthly"');
    const taken = await marketer.post('/admin/plans', { ...weekly, intent: 'create' });
    expect(taken.statusCode).toBe(422);
    expect(taken.body).toContain('exists already');
  });

  it('moves a plan up and down', async () => {
    const plan = await planOf('festive-monthly');
    expect((await marketer.post('/admin/plans/order', { planId: plan.id, direction: 'up' })).statusCode).toBe(
      303,
    );
    expect((await onSale()).slice(-2)).toEqual(['festive-monthly', 'super-saver']);
    await marketer.post('/admin/plans/order', { planId: plan.id, direction: 'up' });
    await marketer.post('/admin/plans/order', { planId: plan.id, direction: 'up' });
    await marketer.post('/admin/plans/order', { planId: plan.id, direction: 'up' });
    expect((await onSale())[0]).toBe('festive-monthly');
    await marketer.post('/admin/plans/order', { planId: plan.id, direction: 'down' });
    expect((await onSale()).slice(0, 2)).toEqual(['smart-quarterly', 'festive-monthly']);
  });

  it('edits a plan, and a price change is a new version that says so', async () => {
    const plan = await planOf('festive-monthly');
    const page = await marketer.get(`/admin/plans/${plan.id}`);
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('A new price is a new version');
    const saved = await marketer.post(`/admin/plans/${plan.id}`, {
      name: 'Festive Month',
      trialDays: '0',
      benefits: ['premium-stories', 'epaper', 'ad-free'],
    });
    expect(saved.statusCode).toBe(303);
    expect((await planOf('festive-monthly')).name).toBe('Festive Month');
    expect((await planOf('festive-monthly')).benefits).toContain('ad-free');

    const priced = await marketer.post(`/admin/plans/${plan.id}/prices`, { amount: '399', currency: 'INR' });
    expect(priced.statusCode).toBe(303);
    const after = await t.services.plans.getWithHistory(plan.id);
    expect(after!.prices[0]!.amountMinor).toBe(39_900);
    expect(after!.priceHistory).toHaveLength(2);
    const shown = await marketer.get(priced.headers.location as string);
    expect(shown.body).toContain('New price saved as a new version');
    expect(shown.body).toContain('₹349.50');

    const same = await marketer.post(`/admin/plans/${plan.id}/prices`, { amount: '399', currency: 'INR' });
    expect(same.statusCode).toBe(422);
    expect(same.body).toContain('already');
  });

  it('schedules a price move with the notice period and lists it', async () => {
    const plan = await planOf('festive-monthly');
    const tooSoon = await marketer.post(`/admin/plans/${plan.id}/price-moves`, {
      priceId: plan.prices[0]!.id,
      noticeDays: '10',
    });
    expect(tooSoon.statusCode).toBe(422);
    expect(tooSoon.body).toContain('at least 30 days');

    const scheduled = await marketer.post(`/admin/plans/${plan.id}/price-moves`, {
      priceId: plan.prices[0]!.id,
      noticeDays: '45',
    });
    expect(scheduled.statusCode).toBe(303);
    const moves = await t.services.billing.priceMoves(plan.id);
    expect(moves).toHaveLength(1);
    expect(moves[0]).toMatchObject({ noticeDays: 45, price: { id: plan.prices[0]!.id } });
    const page = await marketer.get(scheduled.headers.location as string);
    expect(page.body).toContain('Move scheduled');
    expect(page.body).toContain(`data-move="${moves[0]!.id}"`);
    expect(page.body).toContain('45 days');
  });

  it('retires a plan and puts it back on sale', async () => {
    const plan = await planOf('festive-monthly');
    const retired = await marketer.post(`/admin/plans/${plan.id}/active`, { active: 'false' });
    expect(retired.statusCode).toBe(303);
    expect(await onSale()).not.toContain('festive-monthly');
    expect((await marketer.get('/admin/plans')).body).toContain('retired');
    await marketer.post(`/admin/plans/${plan.id}/active`, { active: 'true' });
    expect(await onSale()).toContain('festive-monthly');
  });

  it('refuses an editor', async () => {
    const editor = await signedInStaff(t, 'editor');
    expect((await editor.get('/admin/plans')).statusCode).toBe(403);
    expect(
      (await editor.post('/admin/plans', { ...weekly, name: 'Nope', intent: 'create' })).statusCode,
    ).toBe(403);
    expect(await onSale()).not.toContain('nope');
  });
});
