import { createHash } from 'node:crypto';

/**
 * A key for a cache entry, derived from every value that went into the entry: a digest of
 * `value` written out in full. Meant for keying rendered output by the very object that was
 * rendered, so that nothing the output shows can be left out of its key.
 *
 * Plain data only (objects, arrays, strings, numbers, booleans, null; a Date as its instant;
 * an `undefined` property is the same as an absent one). Anything whose contents would not be
 * written out — a Map, a Set, a function, a class instance — throws: keying it would
 * silently ignore what it holds.
 *
 * A deeply frozen object or array (see `deepFreeze`: what the app's caches hold) cannot
 * change, so it is written as a digest of its contents, computed the first time it is keyed
 * and remembered for as long as the object lives. A page key then costs the small parts that
 * differ per request, not the article, plans and sections again on every view. The digest is
 * of the contents, not of the object's identity: an equal object loaded again gives the same
 * key. (So a frozen value and an unfrozen copy of it key differently; both stay apart from
 * every other value.)
 */
export function cacheKeyOf(value: unknown): string {
  const parts: string[] = [];
  write(parts, value, []);
  return digest(parts);
}

// One update: each call into the hash costs more than writing a part.
const digest = (parts: string[]) => createHash('sha256').update(parts.join('')).digest('base64url');

/** The written digests of deeply frozen objects, by the object. */
const digests = new WeakMap<object, string>();

// Each value is written with a type tag, and strings with their length, so that no two
// different values write the same text (and no string needs escaping). `at` is where the walk
// is, joined only for an error. Returns whether `value` can never change (a primitive, or a
// frozen object or array whose own values are data properties that can never change), which
// is what allows a digest of it to be remembered.
function write(parts: string[], value: unknown, at: (string | number)[]): boolean {
  if (value === null) parts.push('n;');
  else if (typeof value === 'string') parts.push(`s${value.length}:`, value);
  else if (typeof value === 'boolean') parts.push(value ? 't;' : 'f;');
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) refuse(at, 'not a finite number');
    parts.push(`d${value};`);
  } else if (value instanceof Date) {
    write(parts, value.toISOString(), at);
    return false; // a frozen Date can still be set to another instant
  } else if (typeof value === 'object') return writeObject(parts, value, at);
  else refuse(at, `a ${typeof value}, not plain data`);
  return true;
}

function writeObject(parts: string[], value: object, at: (string | number)[]): boolean {
  const known = digests.get(value);
  if (known !== undefined) {
    parts.push(known);
    return true;
  }
  const start = parts.length;
  let immutable = Object.isFrozen(value);
  if (Array.isArray(value)) {
    parts.push(`a${value.length}:`);
    for (let i = 0; i < value.length; i++) {
      if (immutable && !isDataProperty(value, i)) immutable = false;
      at.push(i);
      immutable = write(parts, value[i], at) && immutable;
      at.pop();
    }
  } else {
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      refuse(at, `a ${value.constructor.name}, not plain data`);
    }
    const entries = value as Record<string, unknown>;
    // Sorted, so two objects with the same entries give one key whatever order they were built in.
    const names = Object.keys(entries)
      .filter((name) => entries[name] !== undefined)
      .sort();
    parts.push(`o${names.length}:`);
    for (const name of names) {
      if (immutable && !isDataProperty(entries, name)) immutable = false;
      parts.push(`s${name.length}:`, name);
      at.push(name);
      immutable = write(parts, entries[name], at) && immutable;
      at.pop();
    }
  }
  if (immutable) {
    // `h` and a fixed-length digest: no other value writes this text.
    const written = `h${digest(parts.splice(start))};`;
    digests.set(value, written);
    parts.push(written);
  }
  return immutable;
}

// A getter may answer differently each time, frozen or not.
function isDataProperty(object: object, name: string | number): boolean {
  const descriptor = Object.getOwnPropertyDescriptor(object, name);
  return descriptor !== undefined && 'value' in descriptor;
}

function refuse(at: readonly (string | number)[], what: string): never {
  const path = at.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`)).join('');
  throw new TypeError(`cacheKeyOf: $${path} is ${what}`);
}

/**
 * Freezes `value` and every plain object and array in it, and returns it: for data that many
 * readers share (what the app's caches hold), which nobody may change and which `cacheKeyOf`
 * can therefore key by a digest computed once. Anything else in it (a Set, a Buffer, a class
 * instance) is left as it is, and the objects holding it are keyed in full each time. An
 * object found already frozen is not walked again (that also ends a cycle); `cacheKeyOf`
 * checks for itself that what it remembers is frozen throughout.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  const prototype: unknown = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) return value;
  Object.freeze(value);
  for (const item of Object.values(value)) deepFreeze(item);
  return value;
}
