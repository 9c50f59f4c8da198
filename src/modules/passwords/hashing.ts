import { randomBytes } from 'node:crypto';
import { hash, parseOptions, verify, type Algorithm, type Options, type Version } from '@node-rs/argon2';

// The library declares its enums as `const enum`, which verbatimModuleSyntax cannot read (and
// its runtime `Algorithm` object is empty), so the values are written out, checked against
// the declared types.
const argon2id: Algorithm = 2;
const version0x13: Version = 1;

/**
 * argon2id with OWASP's recommended minimum (Password Storage Cheat Sheet): 19 MiB of memory,
 * 2 passes, 1 lane; 16-byte random salt and 32-byte tag (the library's defaults, kept).
 * A hash takes about 10 ms of one libuv thread (measured on the development machine) and 19 MiB
 * while it runs; the cost is the point (each guess at a stolen hash costs as much), and limits on
 * sign-in attempts (rate-limit module) keep it from being a lever against the server.
 * Raising any of these later is safe: `needsRehash` spots the old hashes, and the reader's
 * next sign-in stores a new one.
 */
const policy = {
  algorithm: argon2id,
  version: version0x13,
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
  outputLen: 32,
} as const satisfies Options;

/**
 * NIST SP 800-63B asks that Unicode passwords be normalised before hashing, so that "é" typed
 * as one code point on one device and as two on another is the same password.
 */
function normalise(password: string): string {
  return password.normalize('NFKC');
}

/** An argon2id hash of `password` in PHC string form (`$argon2id$v=19$m=19456,t=2,p=1$…`). */
export function hashPassword(password: string): Promise<string> {
  return hash(normalise(password), policy);
}

let dummyHash: Promise<string> | undefined;

/**
 * Whether `password` matches `stored`. With no stored hash (no such account, or an account
 * without a password) it checks against a throwaway hash and answers false, so that an
 * unknown email takes as long as a wrong password and the timing does not say which it was.
 * A stored value that is not an argon2 hash throws: that is a bug, not a wrong password.
 */
export async function verifyPassword(stored: string | null, password: string): Promise<boolean> {
  if (stored === null) {
    dummyHash ??= hash(randomBytes(16).toString('hex'), policy);
    await verify(await dummyHash, normalise(password));
    return false;
  }
  return verify(stored, normalise(password));
}

/**
 * True when `stored` was made with other parameters than the current policy (an older, weaker
 * setting, or another argon2 variant): verify the password, then store `hashPassword` of it.
 * Throws, like `verifyPassword`, on a value that is not an argon2 hash.
 */
export function needsRehash(stored: string): boolean {
  const used = parseOptions(stored);
  return (
    used.algorithm !== policy.algorithm ||
    used.version !== policy.version ||
    used.memoryCost !== policy.memoryCost ||
    used.timeCost !== policy.timeCost ||
    used.parallelism !== policy.parallelism ||
    used.outputLen !== policy.outputLen
  );
}

/** The parameters new hashes are made with, for documentation and tests. */
export const passwordHashPolicy = {
  algorithm: 'argon2id',
  version: 0x13,
  memoryKiB: policy.memoryCost,
  passes: policy.timeCost,
  parallelism: policy.parallelism,
} as const;
