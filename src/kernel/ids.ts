import { randomBytes } from 'node:crypto';
import { encodeTime } from 'ulidx';

/** Every stored entity's id starts with one of these, so an id says what it names. */
export type IdPrefix =
  | 'art'
  | 'sec'
  | 'pln'
  | 'prc'
  | 'key'
  | 'rdr'
  | 'acc'
  | 'ses'
  | 'rft'
  | 'msg'
  | 'lnk'
  | 'job'
  // the e-paper: editions and shared pages
  | 'epe'
  | 'eps'
  // newsletters
  | 'nlt'
  | 'nls'
  | 'nli'
  // billing
  | 'cpn'
  | 'red'
  | 'rsv'
  | 'chk'
  | 'sub'
  | 'sev'
  | 'pay'
  | 'inv'
  // refunds and their credit notes
  | 'rfd'
  | 'crn'
  // price moves and the notices they send
  | 'pmv'
  | 'pnt'
  | 'cmp'
  // partner offers
  | 'pof'
  | 'pcd'
  // analytics events
  | 'aev'
  // staff and the audit log
  | 'stf'
  | 'sts'
  | 'sti'
  | 'src'
  | 'aud'
  // the sandbox processor's own ids
  | 'cs'
  | 'pm'
  | 'ch'
  | 'evt'
  | 're';

// Crockford's base32, as ULIDs use it.
const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
let pool = Buffer.alloc(0);
let used = 0;

/**
 * Sixteen base32 characters (80 bits) from a pool of cryptographic randomness filled 4 KiB at a
 * time. (The ulid library draws one byte from the operating system per character, which showed
 * up as a sixth of the renewal sweep's time.) One byte per character, its low five bits: exact,
 * since 256 is a multiple of 32.
 */
function randomPart(): string {
  if (used + 16 > pool.length) {
    pool = randomBytes(4096);
    used = 0;
  }
  let text = '';
  for (let i = 0; i < 16; i++) text += alphabet[pool[used + i]! & 31];
  used += 16;
  return text;
}

/** The time and random part of the last id made, for ids made within one millisecond. */
let lastTime = 0;
let lastRandom = '';

/** `random` plus one, in base32 (it never overflows in practice: 80 random bits). */
function increment(random: string): string {
  const digits = [...random];
  for (let i = digits.length - 1; i >= 0; i--) {
    const next = alphabet.indexOf(digits[i]!) + 1;
    if (next < alphabet.length) {
      digits[i] = alphabet[next]!;
      return digits.join('');
    }
    digits[i] = alphabet[0]!;
  }
  return randomPart();
}

/**
 * A prefixed, time-sortable, random id such as `art_01jd3…`: a lower-case ULID. Monotonic, as
 * ULID's monotonic factory is: ids made in one millisecond (or while the system clock steps
 * back) keep the order they were made in, so two events recorded by one call sort as they
 * happened.
 */
export function newId(prefix: IdPrefix): string {
  const now = Date.now();
  if (now > lastTime) {
    lastTime = now;
    lastRandom = randomPart();
  } else {
    lastRandom = increment(lastRandom);
  }
  return `${prefix}_${encodeTime(lastTime, 10).toLowerCase()}${lastRandom}`;
}

/** A secret token with `bytes * 8` bits of entropy, URL-safe. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
