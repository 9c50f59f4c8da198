import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const documents = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The text outside fenced code blocks and inline code, where a `[x](y)` is a link. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');
}

function anchorsOf(file: string): Set<string> {
  const headings = readFileSync(file, 'utf8')
    .replace(/^```[\s\S]*?^```/gm, '')
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => slug(line.replace(/^#+ /, '')));
  return new Set(headings);
}

function relativeLinks(file: string): string[] {
  const links = [...prose(readFileSync(join(root, file), 'utf8')).matchAll(/\]\(([^)\s]+)\)/g)].map(
    (match) => match[1]!,
  );
  return links.filter((target) => !/^[a-z][a-z+.-]*:/i.test(target));
}

describe('the documentation', () => {
  it.each(documents)('%s links only to files and headings that exist', (file) => {
    const broken = relativeLinks(file).filter((target) => {
      const [path, anchor] = target.split('#') as [string, string | undefined];
      const resolved = path === '' ? join(root, file) : join(root, dirname(file), path);
      if (!existsSync(resolved)) return true;
      return anchor !== undefined && !anchorsOf(resolved).has(anchor);
    });
    expect(broken, `broken links in ${relative(root, join(root, file))}`).toEqual([]);
  });

  it('sees a link that points nowhere', () => {
    expect(slug('The `masthead` command')).toBe('the-masthead-command');
    expect(anchorsOf(join(root, 'docs/operations.md')).has('no-such-heading')).toBe(false);
  });
});
