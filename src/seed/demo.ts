import { money } from '../kernel/money.js';
import type { Services } from '../app.js';
import type { PlanInput } from '../modules/plans/index.js';
import { benefitKeys } from '../modules/plans/index.js';
import { demoArticlesA } from './demo-articles-a.js';
import { demoArticlesB } from './demo-articles-b.js';

const sections = [
  { slug: 'politics', name: 'Politics' },
  { slug: 'markets', name: 'Markets' },
  { slug: 'world', name: 'World' },
  { slug: 'opinion', name: 'Opinion' },
  { slug: 'technology', name: 'Technology' },
] as const;

/** The reference paywall's three plans; every plan includes every benefit. */
export const demoPlans: readonly PlanInput[] = [
  {
    slug: 'smart-quarterly',
    name: 'Smart Quarterly',
    term: { unit: 'month', count: 3 },
    prices: [money(90_000, 'INR')],
    benefits: benefitKeys,
  },
  {
    slug: 'smart-essential',
    name: 'Smart Essential',
    term: { unit: 'year', count: 1 },
    prices: [money(270_000, 'INR')],
    benefits: benefitKeys,
  },
  {
    slug: 'super-saver',
    name: 'Super Saver',
    term: { unit: 'year', count: 2 },
    prices: [money(390_000, 'INR')],
    benefits: benefitKeys,
  },
];

export const demoArticles = [...demoArticlesA, ...demoArticlesB];

const escapeText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Seeds "The Daily Ledger": sections, the three plans and the demo articles. Safe to run
 * twice: it adds only what is missing.
 */
export async function seedDemo(
  services: Pick<Services, 'content' | 'plans'>,
): Promise<{ articles: number; plans: number }> {
  const { content, plans } = services;
  const existingSections = new Set((await content.sections()).map((s) => s.slug));
  for (const section of sections) {
    if (!existingSections.has(section.slug)) await content.createSection(section.slug, section.name);
  }
  const existingPlans = new Set((await plans.listAll()).map((p) => p.slug));
  let plansAdded = 0;
  for (const plan of demoPlans) {
    if (existingPlans.has(plan.slug)) continue;
    await plans.create(plan);
    plansAdded++;
  }
  let articlesAdded = 0;
  for (const article of demoArticles) {
    if (await content.find(article.slug)) continue;
    await content.create({
      slug: article.slug,
      headline: article.headline,
      standfirst: article.standfirst,
      byline: article.byline,
      section: article.section,
      access: article.access,
      syndicated: article.syndicated ?? null,
      publishedAt: article.publishedAt,
      body: article.paragraphs.map((p) => `<p>${escapeText(p)}</p>`).join('\n'),
    });
    articlesAdded++;
  }
  return { articles: articlesAdded, plans: plansAdded };
}
