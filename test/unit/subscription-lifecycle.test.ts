import { describe, expect, it } from 'vitest';
import {
  eventsFrom,
  isLive,
  transition,
  type LifecycleEvent,
  type SubscriptionStatus,
} from '../../src/modules/subscriptions/domain/lifecycle.js';

const statuses: (SubscriptionStatus | null)[] = [
  null,
  'trialing',
  'active',
  'past_due',
  'canceling',
  'expired',
];
const events: LifecycleEvent[] = [
  'start',
  'start_trial',
  'renew',
  'payment_failed',
  'cancel',
  'resume',
  'change_plan',
  'update_payment_method',
  'extend',
  'expire',
];

// The whole table, written out once more by hand: a change to the lifecycle must change this test.
const expected: Record<string, SubscriptionStatus | undefined> = {
  'none start': 'active',
  'none start_trial': 'trialing',
  'trialing renew': 'active',
  'active renew': 'active',
  'past_due renew': 'active',
  'canceling renew': 'canceling',
  'trialing payment_failed': 'past_due',
  'active payment_failed': 'past_due',
  'past_due payment_failed': 'past_due',
  'trialing cancel': 'canceling',
  'active cancel': 'canceling',
  'past_due cancel': 'expired',
  'canceling resume': 'active',
  'trialing change_plan': 'trialing',
  'active change_plan': 'active',
  'trialing update_payment_method': 'trialing',
  'active update_payment_method': 'active',
  'past_due update_payment_method': 'past_due',
  'canceling update_payment_method': 'canceling',
  'trialing extend': 'trialing',
  'active extend': 'active',
  'canceling extend': 'canceling',
  'past_due expire': 'expired',
  'canceling expire': 'expired',
};

describe('the subscription lifecycle', () => {
  for (const from of statuses) {
    for (const event of events) {
      const key = `${from ?? 'none'} ${event}`;
      const to = expected[key];
      it(`${key} → ${to ?? 'refused'}`, () => {
        const step = transition(from, event, { trialEnded: true });
        if (to === undefined) {
          expect(step.ok).toBe(false);
          if (!step.ok) expect(step.reason).toMatch(/\w/);
        } else {
          expect(step).toEqual({ ok: true, from, to });
        }
      });
    }
  }

  it('a resumed trial that has not ended is a trial again', () => {
    expect(transition('canceling', 'resume', { trialEnded: false })).toMatchObject({
      ok: true,
      to: 'trialing',
    });
  });

  it('nothing happens to an ended subscription but a new one', () => {
    expect(eventsFrom('expired')).toEqual([]);
    expect(eventsFrom(null)).toEqual(['start', 'start_trial']);
  });

  it('explains refusals in words a reader understands', () => {
    expect(transition('canceling', 'cancel')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/already cancelled/),
    });
    expect(transition('active', 'resume')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/Only a cancelled/),
    });
    expect(transition('canceling', 'change_plan')).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/Resume/),
    });
    expect(transition('expired', 'renew')).toMatchObject({
      ok: false,
      reason: 'The subscription has ended.',
    });
  });

  it('counts every status but expired as live', () => {
    expect(statuses.filter((s): s is SubscriptionStatus => s !== null).filter(isLive)).toEqual([
      'trialing',
      'active',
      'past_due',
      'canceling',
    ]);
  });
});
