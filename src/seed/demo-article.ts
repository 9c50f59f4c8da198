import type { ArticleAccess } from '../modules/content/index.js';

/** One article of the demo newsroom, in plain paragraphs. */
export interface DemoArticle {
  slug: string;
  headline: string;
  standfirst: string;
  section: 'politics' | 'markets' | 'world' | 'opinion' | 'technology';
  access: ArticleAccess;
  byline: string;
  publishedAt: string;
  paragraphs: readonly string[];
  syndicated?: { agency: string };
}
