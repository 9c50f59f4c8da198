import { execFile } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = new URL('../..', import.meta.url).pathname;
const dist = join(root, 'dist');

function emitted(): Map<string, number> {
  const times = new Map<string, number>();
  for (const entry of readdirSync(dist, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.js')) {
      const path = join(entry.parentPath, entry.name);
      times.set(path, statSync(path).mtimeMs);
    }
  }
  return times;
}

// `npm start` builds before it starts: a build that is already current must not compile again.
describe('npm run build', { timeout: 240_000 }, () => {
  it('leaves a current dist/ untouched', async () => {
    await run('npm', ['run', 'build', '--silent'], { cwd: root });
    const before = emitted();
    expect(before.size).toBeGreaterThan(50);
    await run('npm', ['run', 'build', '--silent'], { cwd: root });
    expect(emitted()).toEqual(before);
  });
});
