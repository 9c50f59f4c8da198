import { commonPasswords } from './common-passwords.js';

/**
 * NIST SP 800-63B (§3.1.1.2, rev. 4): at least 8 characters when a password is the only
 * factor; at least 64 must be allowed, and 128 leaves room for passphrases while bounding the
 * work one sign-in can ask of the server. Characters are Unicode code points after NFKC, so
 * "пароль-на-весь-день" and an emoji count as a reader would count them.
 */
export const passwordLength = { min: 8, max: 128 } as const;

/** Why a password was refused. There are deliberately no composition rules (NIST). */
export type PasswordProblem = 'too_short' | 'too_long' | 'common' | 'personal';

export type PasswordCheck =
  { readonly ok: true } | { readonly ok: false; readonly problem: PasswordProblem; readonly message: string };

/** What a password must not be built from. */
export interface PasswordContext {
  /** The reader's email address: its local part (before the @) may not carry the password. */
  readonly email?: string;
  /** The publication's name (or another name the password must not be built from). */
  readonly name?: string;
}

const messages: Record<PasswordProblem, string> = {
  too_short: `Use at least ${passwordLength.min} characters.`,
  too_long: `Use at most ${passwordLength.max} characters.`,
  common: 'This is one of the most commonly used passwords. Choose another.',
  personal: 'Don’t build the password from your email address or the name of this site.',
};

/**
 * Checks a new password against NIST SP 800-63B: length 8–128 code points after NFKC, not one
 * of the most common passwords (compared lower-cased, so "PassWord1" is as common as
 * "password1"), and not mostly made of the reader's email name or the publication's name.
 */
export function checkPassword(password: string, context: PasswordContext = {}): PasswordCheck {
  const normalised = password.normalize('NFKC');
  const length = codePoints(normalised);
  if (length < passwordLength.min) return refuse('too_short');
  if (length > passwordLength.max) return refuse('too_long');
  if (commonPasswords().has(normalised.toLowerCase())) return refuse('common');
  if (isBuiltFrom(normalised, contextWords(context))) return refuse('personal');
  return { ok: true };
}

function refuse(problem: PasswordProblem): PasswordCheck {
  return { ok: false, problem, message: messages[problem] };
}

function codePoints(text: string): number {
  return [...text].length;
}

/** Lower-cased letters and digits only: "John.Smith!" and "johnsmith" are the same word. */
function fold(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * The words a password must not be built from: the email's local part (less any "+tag") and
 * the name, whole and word by word. Whole values of under 3 and single words of under 4
 * characters are left out; they are too short to say anything ("the", "jo").
 */
function contextWords(context: PasswordContext): string[] {
  const words = new Set<string>();
  const add = (value: string) => {
    const whole = fold(value);
    if (codePoints(whole) >= 3) words.add(whole);
    for (const part of value.split(/[^\p{L}\p{N}]+/u)) {
      const word = fold(part);
      if (codePoints(word) >= 4) words.add(word);
    }
  };
  if (context.email) {
    const at = context.email.lastIndexOf('@');
    const local = at === -1 ? context.email : context.email.slice(0, at);
    add(local.split('+')[0] ?? '');
  }
  if (context.name) add(context.name);
  // Longest first, so "thedailyledger" goes before "daily" could split it.
  return [...words].sort((a, b) => b.length - a.length);
}

/**
 * True when the password contains a context word and what is left without those words (and
 * without punctuation) would be too short to be a password on its own: "JohnSmith1990!" for
 * john.smith@…, "dailyledger2026" for The Daily Ledger. A long passphrase that merely
 * mentions one ("I read the daily ledger on the train") keeps enough of its own.
 */
function isBuiltFrom(password: string, words: readonly string[]): boolean {
  let rest = fold(password);
  let found = false;
  for (const word of words) {
    if (rest.includes(word)) {
      found = true;
      rest = rest.replaceAll(word, '');
    }
  }
  return found && codePoints(rest) < passwordLength.min;
}
