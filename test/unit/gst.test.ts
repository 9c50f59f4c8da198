import { describe, expect, it } from 'vitest';
import { money, type Money } from '../../src/kernel/money.js';
import {
  billingSettingsSchema,
  grossUp,
  gstinProblem,
  gstStates,
  isGstin,
  isStateCode,
  placeOfSupply,
  selectableStates,
  splitGst,
  stateLabel,
  stateName,
} from '../../src/modules/invoices/index.js';
import { amountText, percentText } from '../../src/modules/invoices/format.js';
import { gstinCheckCharacter } from '../../src/modules/invoices/gstin.js';
import { roundHalfUp } from '../../src/modules/invoices/tax.js';

const inr = (paise: number): Money => money(paise, 'INR');
const paise = (value: Money) => value.amountMinor;
const intra = (rateBp: number) => ({ rateBp, supplierState: '27', placeOfSupply: '27' });
const inter = (rateBp: number) => ({ rateBp, supplierState: '27', placeOfSupply: '29' });
const rates = [0, 500, 1200, 1800, 2800];

/** A reproducible stream of pseudo-random integers in [0, bound). */
function* randomIntegers(seed: number, count: number, bound: number) {
  let state = BigInt(seed);
  for (let i = 0; i < count; i++) {
    state = (state * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n;
    yield Number(state % BigInt(bound));
  }
}

describe('roundHalfUp', () => {
  it('rounds a fraction to the nearer integer, a half upwards', () => {
    expect(roundHalfUp(0n, 3n)).toBe(0n);
    expect(roundHalfUp(1n, 3n)).toBe(0n);
    expect(roundHalfUp(2n, 3n)).toBe(1n);
    expect(roundHalfUp(1n, 2n)).toBe(1n);
    expect(roundHalfUp(5n, 2n)).toBe(3n);
    expect(roundHalfUp(7n, 2n)).toBe(4n);
    expect(roundHalfUp(6n, 2n)).toBe(3n);
    expect(roundHalfUp(149n, 100n)).toBe(1n);
    expect(roundHalfUp(150n, 100n)).toBe(2n);
  });

  it('refuses a negative numerator or a denominator that is not positive', () => {
    expect(() => roundHalfUp(-1n, 2n)).toThrow(RangeError);
    expect(() => roundHalfUp(1n, 0n)).toThrow(RangeError);
  });
});

describe('grossUp', () => {
  it('charges an inclusive price as it is, at every rate', () => {
    for (const rateBp of rates) {
      expect(grossUp(inr(270_000), { rateBp, inclusive: true })).toEqual(inr(270_000));
    }
  });

  it('adds the tax on an exclusive price: ₹1,000 at 0, 5, 12, 18 and 28%', () => {
    expect(rates.map((rateBp) => paise(grossUp(inr(100_000), { rateBp, inclusive: false })))).toEqual([
      100_000, 105_000, 112_000, 118_000, 128_000,
    ]);
  });

  it('rounds the added tax half up, to the paisa', () => {
    const exclusive = (amount: number, rateBp: number) =>
      paise(grossUp(inr(amount), { rateBp, inclusive: false }));
    expect(exclusive(76_271, 1800)).toBe(90_000); // 13728.78 → 13729
    expect(exclusive(1, 1800)).toBe(1); // 0.18 → 0
    expect(exclusive(3, 1800)).toBe(4); // 0.54 → 1
    expect(exclusive(50, 100)).toBe(51); // exactly half a paisa → up
    expect(exclusive(49, 100)).toBe(49); // 0.49 → 0
    expect(exclusive(0, 1800)).toBe(0);
  });

  it('keeps the currency and refuses a negative price or an impossible rate', () => {
    expect(grossUp(money(1000, 'USD'), { rateBp: 1800, inclusive: false })).toEqual(money(1180, 'USD'));
    expect(() => grossUp(inr(-1), { rateBp: 1800, inclusive: false })).toThrow(RangeError);
    expect(() => grossUp(inr(-1), { rateBp: 1800, inclusive: true })).toThrow(RangeError);
    for (const rateBp of [-1, 10_001, 18.5, Number.NaN]) {
      expect(() => grossUp(inr(100), { rateBp, inclusive: false })).toThrow(RangeError);
    }
  });

  it('refuses a result beyond the safe integers rather than losing paise', () => {
    expect(() => grossUp(inr(Number.MAX_SAFE_INTEGER), { rateBp: 1800, inclusive: false })).toThrow(
      RangeError,
    );
  });
});

describe('splitGst', () => {
  it('splits ₹2,700 at 18% within a state into taxable ₹2,288.14 and CGST = SGST = ₹205.93', () => {
    expect(splitGst(inr(270_000), intra(1800))).toEqual({
      kind: 'intra_state',
      taxable: inr(228_814),
      cgst: inr(20_593),
      sgst: inr(20_593),
      igst: inr(0),
      tax: inr(41_186),
      total: inr(270_000),
    });
  });

  it('gives the odd paisa of ₹900 to CGST (taxable ₹762.71, tax ₹137.29)', () => {
    const split = splitGst(inr(90_000), intra(1800));
    expect([split.taxable, split.tax, split.cgst, split.sgst, split.igst].map(paise)).toEqual([
      76_271, 13_729, 6865, 6864, 0,
    ]);
  });

  it('charges all of it as IGST between states', () => {
    const split = splitGst(inr(270_000), inter(1800));
    expect(split.kind).toBe('inter_state');
    expect([split.taxable, split.cgst, split.sgst, split.igst, split.tax].map(paise)).toEqual([
      228_814, 0, 0, 41_186, 41_186,
    ]);
  });

  it('splits ₹1,000 at 0, 5, 12, 18 and 28%, within a state and between states', () => {
    const expected = [
      // taxable, tax, cgst, sgst
      [100_000, 0, 0, 0],
      [95_238, 4762, 2381, 2381], // 95238.095…
      [89_286, 10_714, 5357, 5357], // 89285.714…
      [84_746, 15_254, 7627, 7627], // 84745.762…
      [78_125, 21_875, 10_938, 10_937], // exact; odd paisa to CGST
    ];
    rates.forEach((rateBp, i) => {
      const [taxable, tax, cgst, sgst] = expected[i]!;
      const within = splitGst(inr(100_000), intra(rateBp));
      expect([within.taxable, within.tax, within.cgst, within.sgst, within.igst].map(paise)).toEqual([
        taxable,
        tax,
        cgst,
        sgst,
        0,
      ]);
      const between = splitGst(inr(100_000), inter(rateBp));
      expect([between.taxable, between.tax, between.cgst, between.sgst, between.igst].map(paise)).toEqual([
        taxable,
        tax,
        0,
        0,
        tax,
      ]);
    });
  });

  it('gives zeros for a zero total', () => {
    for (const terms of [intra(1800), inter(1800), intra(0)]) {
      const split = splitGst(inr(0), terms);
      expect([split.taxable, split.cgst, split.sgst, split.igst, split.tax, split.total].map(paise)).toEqual([
        0, 0, 0, 0, 0, 0,
      ]);
    }
  });

  it('rounds the taxable value half up too', () => {
    // At 100%, 3 paise hold 1.5 paise of taxable value: 2 taxable, 1 tax.
    expect([splitGst(inr(3), intra(10_000))].map((s) => [paise(s.taxable), paise(s.tax)])).toEqual([[2, 1]]);
    expect(paise(splitGst(inr(1), intra(1800)).taxable)).toBe(1); // 0.847 → 1, no tax
  });

  it('always adds up: taxable + tax = total, the parts = tax, CGST and SGST within a paisa', () => {
    const wrong: string[] = [];
    for (const rateBp of [...rates, 250, 300, 4000]) {
      for (const total of [
        ...Array.from({ length: 3000 }, (_, i) => i),
        ...randomIntegers(rateBp + 1, 300, 1e12),
      ]) {
        for (const terms of [intra(rateBp), inter(rateBp)]) {
          const s = splitGst(inr(total), terms);
          const [taxable, tax, cgst, sgst, igst] = [s.taxable, s.tax, s.cgst, s.sgst, s.igst].map(paise);
          const adds =
            taxable! + tax! === total &&
            cgst! + sgst! + igst! === tax &&
            cgst! - sgst! >= 0 &&
            cgst! - sgst! <= 1 &&
            tax! >= 0 &&
            (terms.placeOfSupply === '27' ? igst === 0 : cgst === 0 && sgst === 0);
          if (!adds) wrong.push(`${total} at ${rateBp}bp to ${terms.placeOfSupply}`);
        }
      }
    }
    expect(wrong).toEqual([]);
  });

  it('finds back an exclusive price as the taxable value of what it was grossed up to', () => {
    // grossUp's rounding error is at most half a paisa; dividing by (1 + rate) shrinks it below
    // half a paisa, so rounding the taxable value lands on the price again.
    const wrong: string[] = [];
    for (const rateBp of [...rates, 250, 300, 1, 9999, 10_000]) {
      const prices = [
        ...Array.from({ length: 5000 }, (_, i) => i),
        ...randomIntegers(rateBp + 7, 500, 2 ** 52),
      ];
      for (const price of prices) {
        const charged = grossUp(inr(price), { rateBp, inclusive: false });
        if (paise(splitGst(charged, intra(rateBp)).taxable) !== price) wrong.push(`${price} at ${rateBp}bp`);
        if (paise(splitGst(charged, inter(rateBp)).taxable) !== price)
          wrong.push(`${price} at ${rateBp}bp, IGST`);
      }
    }
    expect(wrong).toEqual([]);
    // And the check can fail: with a float and a truncation instead, some prices do not come back.
    const truncated = (price: number) => price + Math.floor((price * 1800) / 10_000);
    expect(
      Array.from({ length: 1000 }, (_, p) => p).some(
        (p) => paise(splitGst(inr(truncated(p)), intra(1800)).taxable) !== p,
      ),
    ).toBe(true);
  });

  it('is exact for the largest amounts, where a float would be a paisa off', () => {
    for (const [total, taxable] of [
      [1_000_000_000_000_004, 847_457_627_118_647], // 847457627118647.457…
      [9_007_199_254_740_988, 7_633_219_707_407_617], // 7633219707407616.949…
    ] as const) {
      const split = splitGst(inr(total), intra(1800));
      expect(paise(split.taxable)).toBe(taxable);
      expect(BigInt(taxable)).toBe((2n * BigInt(total) * 10_000n + 11_800n) / (2n * 11_800n));
      expect(paise(split.taxable) + paise(split.tax)).toBe(total);
      // The float computation is a paisa off here: the reason for BigInt.
      expect(Math.round((total * 10_000) / 11_800)).toBe(taxable + 1);
    }
    const largest = splitGst(inr(Number.MAX_SAFE_INTEGER), inter(2800));
    expect(paise(largest.taxable) + paise(largest.igst)).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('refuses a negative total, an impossible rate and an unknown state', () => {
    expect(() => splitGst(inr(-100), intra(1800))).toThrow(RangeError);
    expect(() => splitGst(inr(100), intra(10_001))).toThrow(RangeError);
    expect(() => splitGst(inr(100), intra(-5))).toThrow(RangeError);
    expect(() => splitGst(inr(100), { rateBp: 1800, supplierState: '27', placeOfSupply: '99' })).toThrow(
      RangeError,
    );
    expect(() => splitGst(inr(100), { rateBp: 1800, supplierState: 'MH', placeOfSupply: '27' })).toThrow(
      RangeError,
    );
  });
});

describe('placeOfSupply', () => {
  it("is the reader's state when they gave one, else the publisher's (IGST Act s.12(2)(b))", () => {
    expect(placeOfSupply('29', '27')).toBe('29');
    expect(placeOfSupply('27', '27')).toBe('27');
    expect(placeOfSupply(null, '27')).toBe('27');
  });
});

describe('GST states', () => {
  it('names the states and union territories by their GST codes', () => {
    expect(stateName('01')).toBe('Jammu and Kashmir');
    expect(stateName('07')).toBe('Delhi');
    expect(stateName('27')).toBe('Maharashtra');
    expect(stateName('29')).toBe('Karnataka');
    expect(stateName('36')).toBe('Telangana');
    expect(stateName('37')).toBe('Andhra Pradesh');
    expect(stateName('38')).toBe('Ladakh');
    expect(stateName('97')).toBe('Other Territory');
    expect(stateLabel('27')).toBe('27-Maharashtra');
  });

  it('knows no other code', () => {
    for (const code of ['00', '39', '96', '99', '7', '027', 'MH', '']) {
      expect(isStateCode(code)).toBe(false);
      expect(stateName(code)).toBeUndefined();
    }
    expect(() => stateLabel('99')).toThrow(RangeError);
    expect(gstStates.map((s) => s.code)).toEqual([
      ...Array.from({ length: 38 }, (_, i) => String(i + 1).padStart(2, '0')),
      '97',
    ]);
  });

  it('offers readers only the current codes, by name', () => {
    const codes = selectableStates.map((s) => s.code);
    expect(codes).not.toContain('25');
    expect(codes).not.toContain('28');
    expect(codes).toHaveLength(37);
    const names = selectableStates.map((s) => s.name);
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en-IN')));
  });
});

describe('GSTIN', () => {
  it('accepts well-formed GSTINs whose check character matches', () => {
    for (const gstin of ['27AAPFU0939F1ZV', '29AAGCB7383J1Z4', '27AABCD1234E1Z8']) {
      expect(gstinProblem(gstin)).toBeUndefined();
      expect(isGstin(gstin)).toBe(true);
    }
  });

  it('computes the check character with the base-36 Luhn algorithm', () => {
    expect(gstinCheckCharacter('27AAPFU0939F1Z')).toBe('V');
    expect(gstinCheckCharacter('29AAGCB7383J1Z')).toBe('4');
    expect(() => gstinCheckCharacter('27aapfu0939f1z')).toThrow(RangeError);
  });

  it('catches every mistyped single character and every adjacent swap', () => {
    const valid = '27AAPFU0939F1ZV';
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
    for (let i = 0; i < 15; i++) {
      for (const char of alphabet) {
        if (char === valid[i]) continue;
        const typo = valid.slice(0, i) + char + valid.slice(i + 1);
        expect(isGstin(typo), typo).toBe(false);
      }
    }
    for (let i = 0; i < 14; i++) {
      if (valid[i] === valid[i + 1]) continue;
      const swapped = valid.slice(0, i) + valid[i + 1] + valid[i] + valid.slice(i + 2);
      // Swaps within the state code may still pass when both digits make another state: not here.
      expect(isGstin(swapped), swapped).toBe(false);
    }
  });

  it('names what is wrong', () => {
    expect(gstinProblem('27AAPFU0939F1Z')).toMatch(/15 characters, this has 14/);
    expect(gstinProblem('27AAPFU0939F1ZW')).toMatch(/check character/);
    expect(gstinProblem('27AAPFU0939F1XV')).toMatch(/expected a GSTIN/); // no Z
    expect(gstinProblem('27AAPFU0939F0ZV')).toMatch(/expected a GSTIN/); // entity 0
    expect(gstinProblem('27AAPF10939F1ZV')).toMatch(/expected a GSTIN/); // PAN shape
    expect(gstinProblem('27aapfu0939f1zv')).toMatch(/expected a GSTIN/); // settings upper-case first
    const unknownState = `99AAPFU0939F1Z${gstinCheckCharacter('99AAPFU0939F1Z')}`;
    expect(gstinProblem(unknownState)).toMatch(/99 is not a GST state code/);
  });
});

describe('billing settings', () => {
  const parse = (value: object) => billingSettingsSchema.safeParse(value);
  const problems = (value: object) =>
    parse(value).error?.issues.map((i) => `${i.path.join('.')}: ${i.message}`);

  it('defaults to the demo publisher in Maharashtra, 18% included, SAC 998431, prefix INV', () => {
    const defaults = billingSettingsSchema.parse({});
    expect(defaults).toMatchObject({
      legalName: 'The Daily Ledger Media Pvt Ltd',
      stateCode: '27',
      sac: '998431',
      taxRateBp: 1800,
      taxInclusive: true,
      invoicePrefix: 'INV',
    });
    expect(defaults.address).toMatch(/Mumbai/);
    expect(isGstin(defaults.gstin!)).toBe(true);
    expect(defaults.gstin!.slice(0, 2)).toBe('27');
    // What is stored parses to itself.
    expect(billingSettingsSchema.parse(JSON.parse(JSON.stringify(defaults)))).toEqual(defaults);
  });

  it('tidies a GSTIN and an address', () => {
    const parsed = billingSettingsSchema.parse({
      gstin: ' 29aagcb7383j1z4 ',
      stateCode: '29',
      address: '  12 MG Road \r\n\r\n Bengaluru 560001  ',
    });
    expect(parsed.gstin).toBe('29AAGCB7383J1Z4');
    expect(parsed.address).toBe('12 MG Road\nBengaluru 560001');
  });

  it('refuses a GSTIN of another state than the one given, or a mistyped one', () => {
    expect(problems({ gstin: '29AAGCB7383J1Z4' })).toEqual([
      'stateCode: the GSTIN 29AAGCB7383J1Z4 is registered in state 29, not 27',
    ]);
    expect(problems({ gstin: '27AAPFU0939F1ZW' })?.[0]).toMatch(/^gstin: the check character/);
  });

  it('charges no GST without a GSTIN', () => {
    expect(problems({ gstin: null })?.[0]).toMatch(/^gstin: a publisher without a GSTIN cannot charge GST/);
    expect(billingSettingsSchema.parse({ gstin: '', taxRateBp: 0 }).gstin).toBeNull();
  });

  it('refuses bad values field by field', () => {
    expect(problems({ invoicePrefix: 'INV-' })?.[0]).toMatch(
      /^invoicePrefix: expected 1 to 4 letters or digits/,
    );
    expect(problems({ invoicePrefix: 'ABCDE' })).toHaveLength(1);
    expect(problems({ invoicePrefix: '' })).toHaveLength(1);
    expect(problems({ sac: '9984' })?.[0]).toMatch(/^sac:/);
    expect(problems({ taxRateBp: 18.5 })?.[0]).toMatch(/^taxRateBp:/);
    expect(problems({ taxRateBp: 10_001 })?.[0]).toMatch(/^taxRateBp:/);
    expect(problems({ stateCode: '99' })?.[0]).toMatch(/^stateCode: expected a GST state code/);
    expect(problems({ address: ' \n ' })?.[0]).toMatch(/^address:/);
    expect(problems({ legalName: '' })?.[0]).toMatch(/^legalName:/);
    expect(problems({ currency: 'INR' })?.[0]).toMatch(/unrecognized key/i);
  });
});

describe('invoice formatting', () => {
  it('writes amounts with the currency code and every paisa, for the PDF', () => {
    expect(amountText(inr(228_814))).toBe('INR 2,288.14');
    expect(amountText(inr(270_000))).toBe('INR 2,700.00');
    expect(amountText(inr(5))).toBe('INR 0.05');
    expect(amountText(inr(1_234_567_890))).toBe('INR 1,23,45,678.90');
    expect(amountText(inr(Number.MAX_SAFE_INTEGER))).toBe('INR 9,00,71,99,25,47,409.91');
    expect(amountText(money(123_456, 'USD'))).toBe('USD 1,234.56');
    expect(amountText(money(1500, 'JPY'))).toBe('JPY 1,500');
  });

  it('writes rates and half rates as exact percentages', () => {
    expect(percentText(1800)).toBe('18%');
    expect(percentText(1800, 2)).toBe('9%');
    expect(percentText(500, 2)).toBe('2.5%');
    expect(percentText(2800, 2)).toBe('14%');
    expect(percentText(125, 2)).toBe('0.625%');
    expect(percentText(0, 2)).toBe('0%');
  });
});
