import { describe, expect, it } from 'vitest';
import { financialYear, invoiceNumber, maxInvoiceNumberLength } from '../../src/modules/invoices/index.js';

const fy = (iso: string) => financialYear(new Date(iso));

describe('financialYear', () => {
  it('turns at midnight IST on 1 April, which is 18:30 UTC on 31 March', () => {
    expect(fy('2027-03-31T18:29:59.999Z')).toBe('2026-27');
    expect(fy('2027-03-31T18:30:00.000Z')).toBe('2027-28');
    expect(fy('2027-04-01T00:00:00+05:30')).toBe('2027-28');
    expect(fy('2027-03-31T23:59:59+05:30')).toBe('2026-27');
  });

  it('runs from April to March', () => {
    expect(fy('2026-04-15T06:00:00Z')).toBe('2026-27');
    expect(fy('2026-11-15T06:00:00Z')).toBe('2026-27');
    expect(fy('2026-12-31T18:29:59Z')).toBe('2026-27');
    expect(fy('2026-12-31T18:30:00Z')).toBe('2026-27'); // 1 January IST: same year
    expect(fy('2027-01-15T06:00:00Z')).toBe('2026-27');
    expect(fy('2026-03-15T06:00:00Z')).toBe('2025-26');
  });

  it('writes the end year with two digits, across a century', () => {
    expect(fy('2099-06-01T00:00:00Z')).toBe('2099-00');
    expect(fy('2009-06-01T00:00:00Z')).toBe('2009-10');
  });

  it('refuses an invalid date', () => {
    expect(() => financialYear(new Date('not a date'))).toThrow(RangeError);
  });
});

describe('invoiceNumber', () => {
  it('is the prefix, the year as four digits, a hyphen and a six-digit sequence', () => {
    expect(invoiceNumber('INV', '2026-27', 1)).toBe('INV2627-000001');
    expect(invoiceNumber('INV', '2026-27', 123_456)).toBe('INV2627-123456');
    expect(invoiceNumber('DL', '2099-00', 42)).toBe('DL9900-000042');
  });

  it('grows past six digits, up to 16 characters and no further', () => {
    expect(invoiceNumber('INV', '2026-27', 1_234_567)).toBe('INV2627-1234567');
    expect(invoiceNumber('INV', '2026-27', 99_999_999)).toBe('INV2627-99999999');
    expect(() => invoiceNumber('INV', '2026-27', 100_000_000)).toThrow(/17 characters; at most 16/);
    expect(invoiceNumber('ABCD', '2026-27', 9_999_999)).toHaveLength(maxInvoiceNumberLength);
    expect(() => invoiceNumber('ABCD', '2026-27', 10_000_000)).toThrow(RangeError);
    expect(() => invoiceNumber('ABCDEFGHIJ', '2026-27', 1)).toThrow(RangeError);
  });

  it('holds only letters, digits, "-" and "/" (GST rule 46)', () => {
    for (const prefix of ['INV', 'A', 'X9', 'TDL/', 'IN-']) {
      for (const sequence of [1, 7, 999_999, 1_000_000]) {
        expect(invoiceNumber(prefix, '2026-27', sequence)).toMatch(/^[A-Za-z0-9/-]{1,16}$/);
      }
    }
    for (const prefix of ['IN V', 'INV_', 'ÎNV', 'IN.']) {
      expect(() => invoiceNumber(prefix, '2026-27', 1)).toThrow(RangeError);
    }
  });

  it('refuses a malformed year or a sequence that is not a whole number from 1', () => {
    for (const year of ['2026-28', '26-27', '2026/27', '2026-2027', '']) {
      expect(() => invoiceNumber('INV', year, 1)).toThrow(RangeError);
    }
    for (const sequence of [0, -1, 1.5, Number.NaN]) {
      expect(() => invoiceNumber('INV', '2026-27', sequence)).toThrow(RangeError);
    }
  });

  it('gives distinct numbers to distinct sequences and years', () => {
    const numbers = new Set<string>();
    for (const year of ['2026-27', '2027-28']) {
      for (let sequence = 1; sequence <= 2000; sequence++) numbers.add(invoiceNumber('INV', year, sequence));
    }
    expect(numbers.size).toBe(4000);
  });
});
