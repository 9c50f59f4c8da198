import { describe, expect, it } from 'vitest';
import { money } from '../../src/kernel/money.js';
import { creditNoteParts, splitGst, type CreditParts } from '../../src/modules/invoices/index.js';

const add = (a: CreditParts, b: CreditParts): CreditParts => ({
  taxableMinor: a.taxableMinor + b.taxableMinor,
  cgstMinor: a.cgstMinor + b.cgstMinor,
  sgstMinor: a.sgstMinor + b.sgstMinor,
  igstMinor: a.igstMinor + b.igstMinor,
  totalMinor: a.totalMinor + b.totalMinor,
});
const none: CreditParts = { taxableMinor: 0, cgstMinor: 0, sgstMinor: 0, igstMinor: 0, totalMinor: 0 };

describe('credit note figures', () => {
  it('add up per note and, over a full refund in any parts, to the invoice exactly', () => {
    for (const [total, place] of [
      [90_000, '27'],
      [1, '27'],
      [101, '29'],
      [270_001, '27'],
      [333, '29'],
    ] as const) {
      const split = splitGst(money(total, 'INR'), {
        rateBp: 1800,
        supplierState: '27',
        placeOfSupply: place,
      });
      const invoice = { totalMinor: total, taxableMinor: split.taxable.amountMinor, split: split.kind };
      for (const step of [1, 7, 333, Math.ceil(total / 3), total]) {
        let credited = none;
        while (credited.totalMinor < total) {
          const amount = Math.min(step, total - credited.totalMinor);
          const note = creditNoteParts(invoice, credited, amount);
          expect(note.taxableMinor + note.cgstMinor + note.sgstMinor + note.igstMinor).toBe(amount);
          expect(
            Math.min(note.taxableMinor, note.cgstMinor, note.sgstMinor, note.igstMinor),
          ).toBeGreaterThanOrEqual(0);
          credited = add(credited, note);
        }
        expect(credited).toEqual({
          taxableMinor: split.taxable.amountMinor,
          cgstMinor: split.cgst.amountMinor,
          sgstMinor: split.sgst.amountMinor,
          igstMinor: split.igst.amountMinor,
          totalMinor: total,
        });
      }
    }
  });

  it('refuses a credit beyond the invoice or of no amount', () => {
    const invoice = { totalMinor: 100, taxableMinor: 85, split: 'intra_state' as const };
    expect(() => creditNoteParts(invoice, none, 101)).toThrow(RangeError);
    expect(() => creditNoteParts(invoice, none, 0)).toThrow(RangeError);
    expect(() => creditNoteParts(invoice, none, 1.5)).toThrow(RangeError);
  });
});
