import { isStateCode } from './states.js';

/**
 * A GSTIN (GST identification number) is 15 characters: the 2-digit state code, the holder's
 * PAN (5 letters, 4 digits, 1 letter), an entity character (1–9, then A–Z, for the holder's
 * registrations in one state), `Z`, and a check character.
 *
 * The check character is the published GSTN algorithm, a Luhn "mod N" over base 36: map each
 * of the first 14 characters to 0–35 (`0`–`9`, then `A`–`Z`), multiply alternately by 1 and 2
 * starting with 1 at the left, add the base-36 digits of each product (quotient + remainder by
 * 36), and take `(36 − sum mod 36) mod 36` back to a character.
 */
const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const shape = /^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/;

/** The check character for the first 14 characters of a GSTIN (upper case). */
export function gstinCheckCharacter(first14: string): string {
  if (!/^[0-9A-Z]{14}$/.test(first14)) {
    throw new RangeError('A GSTIN check character is computed over 14 characters, 0-9 and A-Z.');
  }
  let sum = 0;
  for (let i = 0; i < 14; i++) {
    const product = alphabet.indexOf(first14[i]!) * (i % 2 === 0 ? 1 : 2);
    sum += Math.floor(product / 36) + (product % 36);
  }
  return alphabet[(36 - (sum % 36)) % 36]!;
}

/** What is wrong with a GSTIN (upper case expected), or undefined when it is well formed. */
export function gstinProblem(gstin: string): string | undefined {
  if (gstin.length !== 15) return `a GSTIN has 15 characters, this has ${gstin.length}`;
  if (!shape.test(gstin)) {
    return 'expected a GSTIN: 2-digit state code, PAN (5 letters, 4 digits, 1 letter), entity character, Z, check character';
  }
  if (!isStateCode(gstin.slice(0, 2))) return `${gstin.slice(0, 2)} is not a GST state code`;
  const expected = gstinCheckCharacter(gstin.slice(0, 14));
  if (gstin[14] !== expected) return 'the check character does not match: the GSTIN has a typing error';
  return undefined;
}

export function isGstin(value: string): boolean {
  return gstinProblem(value) === undefined;
}
