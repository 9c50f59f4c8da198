import { describe, expect, it } from 'vitest';
import { maxLinesPerUpload, readCodeFile } from '../../src/modules/partners/index.js';

describe('reading a file of partner codes', () => {
  it('takes the first column, or the column headed code', () => {
    expect(readCodeFile('AAAA-1\nBBBB-2\n').codes).toEqual([
      { line: 1, code: 'AAAA-1' },
      { line: 2, code: 'BBBB-2' },
    ]);
    expect(readCodeFile('batch,Code\n7,AAAA-1\n7,BBBB-2').codes.map((c) => c.code)).toEqual([
      'AAAA-1',
      'BBBB-2',
    ]);
  });

  it('skips empty lines and a byte order mark, and keeps codes exactly as written', () => {
    const file = readCodeFile('\uFEFFabcd-1\r\n\r\nABCD-1\r\n   \r\n');
    expect(file.codes).toEqual([
      { line: 1, code: 'abcd-1' },
      { line: 3, code: 'ABCD-1' },
    ]);
    expect(file.rejected).toEqual([]);
  });

  it('counts a code repeated in the file once, and the repeats as such', () => {
    const file = readCodeFile('AAAA-1\nAAAA-1\n" AAAA-1 "\nBBBB-2');
    expect(file.codes.map((c) => c.code)).toEqual(['AAAA-1', 'BBBB-2']);
    expect(file.repeated).toBe(2);
  });

  it('reports each malformed line by its number and still takes the lines after it', () => {
    const file = readCodeFile(['AAAA-1', '"BBBB-2', 'CCCC-3', 'DD"DD-4', '"EEEE"5', 'FFFF-6'].join('\n'));
    expect(file.rejected).toEqual([
      { line: 2, reason: 'not CSV: a quote is opened and never closed' },
      { line: 4, reason: expect.stringMatching(/^not CSV: a quote inside a field that is not quoted/) },
      { line: 5, reason: 'not CSV: a quoted field goes on after its closing quote' },
    ]);
    expect(file.codes.map((c) => c.code)).toEqual(['AAAA-1', 'CCCC-3', 'FFFF-6']);
  });

  it('rejects what cannot be a code', () => {
    const file = readCodeFile(['ab', 'has space', 'non-ascii-é', 'X'.repeat(201), ',extra'].join('\n'));
    expect(file.codes).toEqual([]);
    expect(file.rejected).toEqual([
      { line: 1, reason: 'a code has at least 4 characters' },
      { line: 2, reason: 'a code is printable ASCII without spaces' },
      { line: 3, reason: 'a code is printable ASCII without spaces' },
      { line: 4, reason: 'a code has at most 200 characters' },
      { line: 5, reason: 'the code is empty' },
    ]);
  });

  it('refuses a file of more lines than one upload takes, whole', () => {
    const lines = Array.from({ length: maxLinesPerUpload + 1 }, (_, i) => `CODE-${i}`).join('\n');
    expect(() => readCodeFile(lines)).toThrow(/at most 20000/);
    expect(readCodeFile(lines.slice(0, lines.lastIndexOf('\n'))).codes).toHaveLength(maxLinesPerUpload);
  });
});
