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

/** A prefixed, time-sortable, random id such as `art_01jd3…`: a lower-case ULID. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${encodeTime(Date.now(), 10).toLowerCase()}${randomPart()}`;
}

/** A secret token with `bytes * 8` bits of entropy, URL-safe. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
