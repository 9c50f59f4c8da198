import { decodeTime, isValid } from 'ulidx';
import { describe, expect, it } from 'vitest';
import { newId } from '../../src/kernel/ids.js';

describe('ids', () => {
  it('are a prefix and a lower-case ULID carrying the time it was made', () => {
    const before = Date.now();
    const id = newId('sub');
    expect(id).toMatch(/^sub_[0-9a-hjkmnp-tv-z]{26}$/);
    const ulid = id.slice(4).toUpperCase();
    expect(isValid(ulid)).toBe(true);
    expect(decodeTime(ulid)).toBeGreaterThanOrEqual(before);
    expect(decodeTime(ulid)).toBeLessThanOrEqual(Date.now());
  });

  it('do not repeat, and use every character of the alphabet in the random part', () => {
    const ids = Array.from({ length: 20_000 }, () => newId('pay'));
    expect(new Set(ids).size).toBe(ids.length);
    const seen = new Set(ids.flatMap((id) => [...id.slice(14)]));
    expect(seen.size).toBe(32);
  });

  it('made one after another, sort in the order they were made, within a millisecond too', () => {
    const ids = Array.from({ length: 5_000 }, () => newId('sev'));
    expect([...ids].sort()).toEqual(ids);
  });
});
