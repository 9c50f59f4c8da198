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
 */
export function cacheKeyOf(value: unknown): string {
  const parts: string[] = [];
  write(parts, value, []);
  // One update: each call into the hash costs more than writing a part.
  return createHash('sha256').update(parts.join('')).digest('base64url');
}

// Each value is written with a type tag, and strings with their length, so that no two
// different values write the same text (and no string needs escaping). `at` is where the walk
// is, joined only for an error.
function write(parts: string[], value: unknown, at: (string | number)[]): void {
  if (value === null) parts.push('n;');
  else if (typeof value === 'string') parts.push(`s${value.length}:`, value);
  else if (typeof value === 'boolean') parts.push(value ? 't;' : 'f;');
  else if (typeof value === 'number') {
    if (!Number.isFinite(value)) refuse(at, 'not a finite number');
    parts.push(`d${value};`);
  } else if (value instanceof Date) write(parts, value.toISOString(), at);
  else if (Array.isArray(value)) {
    parts.push(`a${value.length}:`);
    for (let i = 0; i < value.length; i++) {
      at.push(i);
      write(parts, value[i], at);
      at.pop();
    }
  } else if (typeof value === 'object') {
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
      parts.push(`s${name.length}:`, name);
      at.push(name);
      write(parts, entries[name], at);
      at.pop();
    }
  } else refuse(at, `a ${typeof value}, not plain data`);
}

function refuse(at: readonly (string | number)[], what: string): never {
  const path = at.map((step) => (typeof step === 'number' ? `[${step}]` : `.${step}`)).join('');
  throw new TypeError(`cacheKeyOf: $${path} is ${what}`);
}
