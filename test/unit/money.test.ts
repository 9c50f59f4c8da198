import { describe, expect, it } from 'vitest';
import { formatMoney, money, perPartFloorToMajor } from '../../src/kernel/money.js';
import { perMonth, termLabel } from '../../src/modules/plans/index.js';

describe('money', () => {
  it('formats whole rupees with Indian grouping and no paise', () => {
    expect(formatMoney(money(270_000, 'INR'))).toBe('₹2,700');
    expect(formatMoney(money(90_000, 'INR'))).toBe('₹900');
    expect(formatMoney(money(1_00_00_000_00, 'INR'))).toBe('₹1,00,00,000');
  });

  it('shows paise only when there are some', () => {
    expect(formatMoney(money(270_050, 'INR'))).toBe('₹2,700.50');
  });

  it('refuses fractional minor units and unknown currencies', () => {
    expect(() => money(10.5, 'INR')).toThrow(/whole number/);
    expect(() => money(100, 'XYZ')).toThrow(/Unsupported currency/);
  });

  it('computes the reference per-month figures, rounding down to the rupee', () => {
    expect(perMonth(money(90_000, 'INR'), { unit: 'month', count: 3 })).toEqual(money(30_000, 'INR'));
    expect(perMonth(money(270_000, 'INR'), { unit: 'year', count: 1 })).toEqual(money(22_500, 'INR'));
    // ₹3,900 over 24 months is ₹162.50: shown as ₹162.
    expect(perMonth(money(390_000, 'INR'), { unit: 'year', count: 2 })).toEqual(money(16_200, 'INR'));
  });

  it('rounds down even a hair below the next rupee', () => {
    expect(perPartFloorToMajor(money(29_999, 'INR'), 1)).toEqual(money(29_900, 'INR'));
  });

  it('handles zero-decimal currencies', () => {
    expect(perPartFloorToMajor(money(1000, 'JPY'), 3)).toEqual(money(333, 'JPY'));
  });

  it('refuses to split into no parts', () => {
    expect(() => perPartFloorToMajor(money(100, 'INR'), 0)).toThrow();
  });

  it('labels terms', () => {
    expect(termLabel({ unit: 'month', count: 3 })).toBe('3 months');
    expect(termLabel({ unit: 'year', count: 1 })).toBe('1 year');
    expect(termLabel({ unit: 'year', count: 2 })).toBe('2 years');
  });
});
