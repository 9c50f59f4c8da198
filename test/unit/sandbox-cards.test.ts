import { describe, expect, it } from 'vitest';
import {
  cardBrand,
  cardLabel,
  checkExpiry,
  declineReasons,
  examineCard,
  passesLuhn,
  testCards,
} from '../../src/modules/payments/index.js';

const now = new Date('2026-11-15T06:00:00Z');

describe('sandbox test cards', () => {
  it('approves 4242 4242 4242 4242 and saves it as a card that renews', () => {
    expect(examineCard({ number: '4242 4242 4242 4242', expiry: '12/34', cvc: '123' }, now)).toEqual({
      kind: 'approved',
      card: { brand: 'visa', last4: '4242' },
      saved: 'ok',
    });
  });

  it('declines 4000 0000 0000 0002', () => {
    expect(examineCard({ number: '4000000000000002' }, now)).toEqual({
      kind: 'declined',
      code: 'card_declined',
      reason: 'Your card was declined.',
    });
  });

  it('asks for authentication for 4000 0027 6000 3184, a card that renews once saved', () => {
    expect(examineCard({ number: '4000 0027 6000 3184' }, now)).toEqual({
      kind: 'requires_authentication',
      card: { brand: 'visa', last4: '3184' },
      saved: 'ok',
    });
  });

  it('approves 4000 0000 0000 0341 at checkout but saves it as failing every renewal', () => {
    expect(examineCard({ number: '4000000000000341' }, now)).toEqual({
      kind: 'approved',
      card: { brand: 'visa', last4: '0341' },
      saved: 'renewals_fail',
    });
  });

  it('lists exactly the four contract cards, each passing the Luhn check', () => {
    expect(testCards.map((card) => card.number)).toEqual([
      '4242424242424242',
      '4000000000000002',
      '4000002760003184',
      '4000000000000341',
    ]);
    for (const card of testCards) expect(passesLuhn(card.number)).toBe(true);
  });

  it('declines any other valid number, saying this is a sandbox and to use a test card', () => {
    const verdict = examineCard({ number: '5555 5555 5555 4444' }, now);
    expect(verdict).toEqual({
      kind: 'declined',
      code: 'card_declined',
      reason: declineReasons.not_a_test_card,
    });
    expect(declineReasons.not_a_test_card).toMatch(/sandbox/);
    expect(declineReasons.not_a_test_card).toMatch(/test card/);
  });

  it('says a number failing the Luhn check, too short or not digits is incorrect', () => {
    for (const number of ['4242 4242 4242 4241', '4242', '4242-4242-4242-424x', '', '   ']) {
      expect(examineCard({ number }, now)).toEqual({
        kind: 'declined',
        code: 'incorrect_number',
        reason: 'Your card number is incorrect.',
      });
    }
  });
});

describe('Luhn check', () => {
  it('accepts valid numbers and refuses a changed digit', () => {
    expect(passesLuhn('79927398713')).toBe(true);
    expect(passesLuhn('79927398710')).toBe(false);
    expect(passesLuhn('378282246310005')).toBe(true);
    expect(passesLuhn('378282246310006')).toBe(false);
    expect(passesLuhn('4242a')).toBe(false);
  });
});

describe('card brands', () => {
  it.each([
    ['4242424242424242', 'visa'],
    ['5105105105105100', 'mastercard'],
    ['5555555555554444', 'mastercard'],
    ['2221000000000009', 'mastercard'],
    ['2720990000000000', 'mastercard'],
    ['2721000000000000', 'unknown'],
    ['2220990000000000', 'unknown'],
    ['5600000000000000', 'unknown'],
    ['378282246310005', 'amex'],
    ['340000000000009', 'amex'],
    ['6071000000000000', 'rupay'],
    ['6521000000000000', 'rupay'],
    ['8100000000000000', 'rupay'],
    ['8200000000000000', 'rupay'],
    ['3530111333300000', 'unknown'],
  ] as const)('%s is %s', (number, brand) => {
    expect(cardBrand(number)).toBe(brand);
  });

  it('labels a saved card for the reader', () => {
    expect(cardLabel({ brand: 'visa', last4: '4242' })).toBe('Visa •••• 4242');
    expect(cardLabel({ brand: 'amex', last4: '0005' })).toBe('American Express •••• 0005');
    expect(cardLabel({ brand: 'rupay', last4: '1234' })).toBe('RuPay •••• 1234');
  });
});

describe('expiry', () => {
  it('accepts this month and later, refuses earlier months (by the injected clock)', () => {
    expect(checkExpiry('11/26', now)).toBe('ok');
    expect(checkExpiry('12/26', now)).toBe('ok');
    expect(checkExpiry('01/2030', now)).toBe('ok');
    expect(checkExpiry('10/26', now)).toBe('expired');
    expect(checkExpiry('12/25', now)).toBe('expired');
    expect(checkExpiry('11/26', new Date('2026-12-01T00:00:00Z'))).toBe('expired');
  });

  it('refuses what is not MM/YY', () => {
    for (const expiry of ['13/30', '00/30', '1230', '12-30', '12/3', '', 'ab/cd']) {
      expect(checkExpiry(expiry, now)).toBe('invalid');
    }
    expect(checkExpiry(' 1 / 30 ', now)).toBe('ok');
  });

  it('declines a card with a past or malformed expiry', () => {
    expect(examineCard({ number: '4242424242424242', expiry: '10/26' }, now)).toMatchObject({
      kind: 'declined',
      code: 'expired_card',
    });
    expect(examineCard({ number: '4242424242424242', expiry: '1/' }, now)).toMatchObject({
      kind: 'declined',
      code: 'invalid_expiry',
    });
  });
});

describe('CVC', () => {
  it('takes 3 or 4 digits and nothing else', () => {
    for (const cvc of ['123', '1234']) {
      expect(examineCard({ number: '4242424242424242', cvc }, now).kind).toBe('approved');
    }
    for (const cvc of ['12', '12345', 'abc', '']) {
      expect(examineCard({ number: '4242424242424242', cvc }, now)).toMatchObject({
        kind: 'declined',
        code: 'invalid_cvc',
      });
    }
  });
});
