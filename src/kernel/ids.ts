import { randomBytes } from 'node:crypto';
import { ulid } from 'ulidx';

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
  // billing
  | 'cpn'
  | 'red'
  | 'chk'
  | 'sub'
  | 'sev'
  | 'pay'
  | 'inv'
  // the sandbox processor's own ids
  | 'cs'
  | 'pm'
  | 'ch'
  | 'evt'
  | 're';

/** A prefixed, time-sortable, random id such as `art_01jd3…`. */
export function newId(prefix: IdPrefix): string {
  return `${prefix}_${ulid().toLowerCase()}`;
}

/** A secret token with `bytes * 8` bits of entropy, URL-safe. */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}
