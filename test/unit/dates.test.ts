import { describe, expect, it } from 'vitest';
import { formatDate } from '../../src/kernel/dates.js';

describe('dates for readers', () => {
  it('formats in the publication time zone', () => {
    expect(formatDate('2026-11-30T18:30:00.000Z', 'Asia/Kolkata')).toBe('1 December 2026');
    expect(formatDate('2026-11-30T18:30:00.000Z', 'UTC')).toBe('30 November 2026');
    expect(formatDate(new Date('2026-11-30T18:30:00.000Z'), 'Asia/Kolkata')).toBe('1 December 2026');
  });
});
