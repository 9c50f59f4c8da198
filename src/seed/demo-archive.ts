import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { articleAccessLevels } from '../modules/content/index.js';
import type { DemoArticle } from './demo-article.js';

// Data, not code: the older stories live in demo-archive.json beside this module. tsc copies no
// data files into dist/, so the file is read from the source tree in both layouts: this module
// sits two levels below the package root as src/seed/*.ts and as dist/seed/*.js.
const archiveFile = new URL('../../src/seed/demo-archive.json', import.meta.url);

const DemoArchive = z.object({
  articles: z.array(
    z
      .object({
        slug: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
        headline: z.string().min(1),
        standfirst: z.string(),
        section: z.enum(['politics', 'markets', 'world', 'opinion', 'technology']),
        access: z.enum(articleAccessLevels),
        byline: z.string(),
        publishedAt: z.iso.datetime(),
        paragraphs: z.array(z.string().min(1)).min(2),
        syndicated: z
          .object({ agency: z.string().min(1) })
          .strict()
          .optional(),
      })
      .strict(),
  ),
});

/** The demo's older stories (1997 onwards), for the archive. */
export function demoArchiveArticles(): readonly DemoArticle[] {
  return DemoArchive.parse(JSON.parse(readFileSync(archiveFile, 'utf8'))).articles;
}
