import { readFileSync } from 'node:fs';

// The list is data, kept beside this module as plain text (one password a line; its source and
// licence are in CONTEXT.md). tsc copies no data files into dist/, so the file is read from the
// source tree in both layouts, as public/ is: this module sits three levels below the package
// root both as src/modules/passwords/*.ts and as dist/modules/passwords/*.js.
const listFile = new URL('../../../src/modules/passwords/common-passwords.txt', import.meta.url);

// Pure, immutable data read once per process: a plain memo, not a cache (nothing expires).
let loaded: ReadonlySet<string> | undefined;

/**
 * The most common passwords, NFKC and lower-cased (about 10,000 entries, a few hundred
 * kilobytes once in memory). Read from disk at first use, so a process that never checks a new
 * password never loads it.
 */
export function commonPasswords(): ReadonlySet<string> {
  loaded ??= new Set(
    readFileSync(listFile, 'utf8')
      .split(/\r?\n/)
      .filter((line) => line !== ''),
  );
  return loaded;
}
