import { describe, expect, it } from 'vitest';
import { doneNotices } from '../../src/web/admin/done.js';

describe('an admin page’s notice after a redirect', () => {
  const notices = doneNotices({ created: 'Coupon created.', retired: 'Coupon retired.' });

  it('is the fixed message of a known word, and nothing without one', () => {
    const { done } = notices.query.parse({ done: 'retired' });
    expect(notices.notice(done)).toEqual({ done: 'Coupon retired.' });
    expect(notices.notice(notices.query.parse({}).done)).toEqual({});
  });

  it('ignores a word the page does not know, so a link cannot make the page say anything', () => {
    expect(notices.query.parse({ done: '<script>alert(1)</script>' })).toEqual({ done: undefined });
    expect(notices.query.parse({ done: 'created ' })).toEqual({ done: undefined });
  });
});
