import { createHash } from 'node:crypto';

/**
 * A key for a cache entry, derived from every value that went into the entry: `value` written
 * out in full, each part tagged so that no two different values write the same text. Meant
 * for keying rendered output by the very object that was rendered, so that nothing the output
 * shows can be left out of its key.
 *
 * Plain data only (objects, arrays, strings, numbers, booleans, null; a Date as its instant;
 * an `undefined` property is the same as an absent one). Anything whose contents would not be
 * written out — a Map, a Set, a function, a class instance — throws: keying it would
 * silently ignore what it holds.
 *
 * A deeply frozen object or array (see `deepFreeze`: what the app's caches hold) cannot
 * change, so it is written as a SHA-256 digest of its contents, computed the first time it is
 * keyed and remembered for as long as the object lives. A page key then costs the few small
 * parts that differ per request, not the article, its body, the plans and the sections again
 * on every view. The digest is of the contents, not of the object's identity: an equal object
 * loaded again gives the same key. (A frozen value and an unfrozen copy of it key differently;
 * both stay apart from every other value.)
 *
 * The key is the written text itself, not a digest of it: what is left once the frozen parts
 * are digests is short, and a Map hashes a short string for less than a SHA-256 costs.
 */
export function cacheKeyOf(value: unknown): string {
  const sink = { text: '' };
  write(sink, value, []);
  return sink.text;
}

/** The written digests of deeply frozen objects, by the object. */
const digests = new WeakMap<object, string>();

// The text is built by appending to one string (which V8 joins lazily) rather than collecting
// parts for a join: this runs on every page view.
interface Sink {
  text: string;
}

// Each value is written with a type tag, and strings with their length, so that no two
// different values write the same text (and no string needs escaping). `at` is where the walk
// is, joined only for an error. Returns whether `value` can never change (a primitive, or a
// frozen object or array whose own values are data properties that can never change), which
// is what allows a digest of it to be remembered.
function write(sink: Sink, value: unknown, at: (string | number)[]): boolean {
  switch (typeof value) {
    case 'string':
      sink.text += `s${value.length}:${value}`;
      return true;
    case 'boolean':
      sink.text += value ? 't;' : 'f;';
      return true;
    case 'number':
      if (!Number.isFinite(value)) refuse(at, 'not a finite number');
      sink.text += `d${value};`;
      return true;
    case 'object':
      if (value === null) {
        sink.text += 'n;';
        return true;
      }
      return writeObject(sink, value, at);
    default:
      refuse(at, `a ${typeof value}, not plain data`);
  }
}

function writeObject(sink: Sink, value: object, at: (string | number)[]): boolean {
  const known = digests.get(value);
  if (known !== undefined) {
    sink.text += known;
    return true;
  }
  // What comes before is set aside, so that the text of this value alone can be digested.
  const before = sink.text;
  sink.text = '';
  let immutable = Object.isFrozen(value);
  if (Array.isArray(value)) {
    sink.text += `a${value.length}:`;
    for (let i = 0; i < value.length; i++) {
      if (immutable && !isDataProperty(value, i)) immutable = false;
      at.push(i);
      immutable = write(sink, value[i], at) && immutable;
      at.pop();
    }
  } else {
    const prototype: unknown = Object.getPrototypeOf(value);
    if (prototype !== Object.prototype && prototype !== null) {
      if (value instanceof Date) {
        const instant = value.toISOString();
        sink.text = `${before}s${instant.length}:${instant}`;
        return false; // a frozen Date can still be set to another instant
      }
      refuse(at, `a ${value.constructor.name}, not plain data`);
    }
    const entries = value as Record<string, unknown>;
    const names = definedNamesSorted(entries);
    sink.text += `o${names.length}:`;
    for (const name of names) {
      if (immutable && !isDataProperty(entries, name)) immutable = false;
      sink.text += `s${name.length}:${name}`;
      at.push(name);
      immutable = write(sink, entries[name], at) && immutable;
      at.pop();
    }
  }
  if (immutable) {
    // `h` and a digest of fixed length: no other value writes this text.
    const written = `h${createHash('sha256').update(sink.text).digest('base64url')};`;
    digests.set(value, written);
    sink.text = before + written;
  } else sink.text = before + sink.text;
  return immutable;
}

/**
 * The names of the entries that are not `undefined`, sorted, so that two objects with the
 * same entries give one key whatever order they were built in. An insertion sort: objects
 * here have a handful of entries, and `Array.prototype.sort` costs more on so few.
 */
function definedNamesSorted(entries: Record<string, unknown>): string[] {
  const names: string[] = [];
  for (const name of Object.keys(entries)) {
    if (entries[name] === undefined) continue;
    let i = names.length;
    while (i > 0 && names[i - 1]! > name) {
      names[i] = names[i - 1]!;
      i--;
    }
    names[i] = name;
  }
  return names;
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
