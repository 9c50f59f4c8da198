/**
 * The sandbox's test cards, as pure functions: what a card number, expiry and CVC typed on the
 * hosted page (or sent by a test) come to. The four contract cards follow the conventions every
 * card processor's test mode shares, so a tester's habits carry over.
 */

export type CardBrand = 'visa' | 'mastercard' | 'amex' | 'rupay' | 'unknown';

/** How a saved card behaves in later off-session charges. */
export type SavedCardBehaviour = 'ok' | 'renewals_fail';

/** What a card does at checkout. */
export type CheckoutBehaviour = 'succeeds' | 'declined' | 'requires_authentication' | 'renewals_fail';

export interface TestCard {
  readonly number: string;
  readonly behaviour: CheckoutBehaviour;
  /** What the hosted page says the card is for. */
  readonly description: string;
}

/** The contract's test cards, in the order the hosted page lists them. */
export const testCards: readonly TestCard[] = [
  { number: '4242424242424242', behaviour: 'succeeds', description: 'Succeeds' },
  { number: '4000000000000002', behaviour: 'declined', description: 'Declined' },
  {
    number: '4000002760003184',
    behaviour: 'requires_authentication',
    description: 'Asks for an extra authentication step',
  },
  {
    number: '4000000000000341',
    behaviour: 'renewals_fail',
    description: 'Succeeds at checkout; every later renewal fails',
  },
];

const byNumber = new Map(testCards.map((card) => [card.number, card]));

export type CardDeclineCode =
  'incorrect_number' | 'invalid_expiry' | 'expired_card' | 'invalid_cvc' | 'card_declined';

export const declineReasons = {
  incorrect_number: 'Your card number is incorrect.',
  invalid_expiry: 'Your card’s expiry date is incomplete: enter it as MM/YY.',
  expired_card: 'Your card has expired.',
  invalid_cvc: 'Your card’s security code is invalid: it has 3 or 4 digits.',
  card_declined: 'Your card was declined.',
  not_a_test_card:
    'Your card was declined. This is a sandbox: no real card can be charged here. Use a test card, such as 4242 4242 4242 4242.',
} as const;

/** A card as typed: the number may have spaces; expiry and CVC may be left out by tests. */
export interface CardInput {
  readonly number: string;
  readonly expiry?: string | undefined;
  readonly cvc?: string | undefined;
  readonly name?: string | undefined;
}

/** What the sandbox keeps of a card: never the number, as a real processor's merchant sees it. */
export interface CardDetails {
  readonly brand: CardBrand;
  readonly last4: string;
}

export type CardVerdict =
  | { readonly kind: 'approved'; readonly card: CardDetails; readonly saved: SavedCardBehaviour }
  | {
      readonly kind: 'requires_authentication';
      readonly card: CardDetails;
      readonly saved: SavedCardBehaviour;
    }
  | { readonly kind: 'declined'; readonly code: CardDeclineCode; readonly reason: string };

/** The digits of a card number as typed, or undefined when anything but digits, spaces and dashes is in it. */
export function normaliseCardNumber(typed: string): string | undefined {
  const digits = typed.replace(/[\s-]+/g, '');
  return /^\d+$/.test(digits) ? digits : undefined;
}

/** The Luhn (mod 10) check every card number passes. */
export function passesLuhn(digits: string): boolean {
  if (!/^\d+$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let digit = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** The card network a number belongs to, by its leading digits (the issuer identification number). */
export function cardBrand(digits: string): CardBrand {
  if (digits.startsWith('4')) return 'visa';
  if (/^3[47]/.test(digits)) return 'amex';
  const two = Number(digits.slice(0, 2));
  const four = Number(digits.slice(0, 4));
  if ((two >= 51 && two <= 55) || (four >= 2221 && four <= 2720)) return 'mastercard';
  if ([60, 65, 81, 82].includes(two)) return 'rupay';
  return 'unknown';
}

const brandNames: Record<CardBrand, string> = {
  visa: 'Visa',
  mastercard: 'Mastercard',
  amex: 'American Express',
  rupay: 'RuPay',
  unknown: 'Card',
};

/** `Visa •••• 4242`: how a saved card is shown to the reader. */
export function cardLabel(card: CardDetails): string {
  return `${brandNames[card.brand]} •••• ${card.last4}`;
}

/**
 * Whether `expiry` (MM/YY, or MM/YYYY) is a well-formed date not in the past at `now`. A card is
 * good through the last day of its expiry month (taken in UTC, as the processor's clock is).
 */
export function checkExpiry(expiry: string, now: Date): 'ok' | 'invalid' | 'expired' {
  const match = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(expiry);
  if (!match) return 'invalid';
  const month = Number(match[1]);
  const year = match[2]!.length === 2 ? 2000 + Number(match[2]) : Number(match[2]);
  if (month < 1 || month > 12) return 'invalid';
  const current = now.getUTCFullYear() * 12 + now.getUTCMonth();
  return year * 12 + (month - 1) < current ? 'expired' : 'ok';
}

const declined = (code: CardDeclineCode, reason: string = declineReasons[code]): CardVerdict => ({
  kind: 'declined',
  code,
  reason,
});

/**
 * What paying with `input` at `now` does: checks the number (Luhn), the expiry and the CVC when
 * given, then applies the test card's behaviour. Any other valid number is declined, saying this
 * is a sandbox: a real card typed here by mistake must never look as if it had been charged.
 */
export function examineCard(input: CardInput, now: Date): CardVerdict {
  const digits = normaliseCardNumber(input.number);
  if (digits === undefined || digits.length < 12 || digits.length > 19 || !passesLuhn(digits)) {
    return declined('incorrect_number');
  }
  if (input.expiry !== undefined) {
    const expiry = checkExpiry(input.expiry, now);
    if (expiry === 'invalid') return declined('invalid_expiry');
    if (expiry === 'expired') return declined('expired_card');
  }
  if (input.cvc !== undefined && !/^\d{3,4}$/.test(input.cvc.trim())) return declined('invalid_cvc');

  const card: CardDetails = { brand: cardBrand(digits), last4: digits.slice(-4) };
  const test = byNumber.get(digits);
  switch (test?.behaviour) {
    case 'succeeds':
      return { kind: 'approved', card, saved: 'ok' };
    case 'renewals_fail':
      return { kind: 'approved', card, saved: 'renewals_fail' };
    case 'requires_authentication':
      // Once authenticated and saved, the card charges off-session without a challenge.
      return { kind: 'requires_authentication', card, saved: 'ok' };
    case 'declined':
      return declined('card_declined');
    case undefined:
      return declined('card_declined', declineReasons.not_a_test_card);
  }
}
