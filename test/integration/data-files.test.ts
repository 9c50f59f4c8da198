import { execFile } from 'node:child_process';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

// The compiled build, as `masthead start` runs it (npm test builds dist/ first). Data files
// are not compiled, so this checks that dist/ finds them from any working directory.
const run = promisify(execFile);
const dist = new URL('../../dist/', import.meta.url);

describe('data files in the compiled build', () => {
  it('loads the common-password list from dist/, wherever it is started from', async () => {
    const script = `
      const { checkPassword } = await import(${JSON.stringify(new URL('modules/passwords/index.js', dist).href)});
      console.log(JSON.stringify([checkPassword('password1'), checkPassword('zzzzzzzz'), checkPassword('a quiet walk home')]));
    `;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: tmpdir() });
    expect(JSON.parse(stdout)).toEqual([
      expect.objectContaining({ ok: false, problem: 'common' }),
      expect.objectContaining({ ok: false, problem: 'common' }),
      { ok: true },
    ]);
  });
});
