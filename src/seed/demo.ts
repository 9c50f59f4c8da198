import { stat } from 'node:fs/promises';
import { money } from '../kernel/money.js';
import type { Services } from '../app.js';
import type { PlanInput } from '../modules/plans/index.js';
import { benefitKeys } from '../modules/plans/index.js';
import { archiveSettingsSchema } from '../modules/paywall/index.js';
import { demoArticlesA } from './demo-articles-a.js';
import { demoArticlesB } from './demo-articles-b.js';
import { demoEditionPdf, demoEditions } from './demo-epaper.js';
import { formatDate } from '../kernel/dates.js';
import { seedDemoAdSlot, seedDemoPartnerOffer } from './demo-benefits.js';
import { seedDemoNewsletters } from './demo-newsletters.js';
import { demoArchiveArticles } from './demo-archive.js';

/** Markets is the demo's premium vertical: its stories need "Market analysis and investment insights". */
const sections: readonly { slug: string; name: string; requiredBenefit?: string }[] = [
  { slug: 'politics', name: 'Politics' },
  { slug: 'markets', name: 'Markets', requiredBenefit: 'market-analysis' },
  { slug: 'world', name: 'World' },
  { slug: 'opinion', name: 'Opinion' },
  { slug: 'technology', name: 'Technology' },
];

/**
 * The demo's archive window. A real newsroom publishes every day, so 30 days (the default)
 * leaves its front page on the meter; the demo's stories are fixed, so the demo keeps the last
 * ten years on the meter and its older stories (1997–2016) in the archive, for `archives`.
 */
export const demoArchiveFreeDays = 3650;

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

export const demoArticles = [...demoArticlesA, ...demoArticlesB, ...demoArchiveArticles()];

const escapeText = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * Seeds "The Daily Ledger": sections, the three plans, the demo articles, two e-paper editions
 * a partner offer with its codes, an ad slot, and three newsletters with an issue each. Safe to run
 * twice: it adds only what is missing.
 */
export async function seedDemo(
  services: Pick<
    Services,
    'content' | 'plans' | 'epaper' | 'publication' | 'partners' | 'settings' | 'newsletters'
  >,
): Promise<{
  articles: number;
  plans: number;
  editions: number;
  partnerOffers: number;
  newsletters: number;
}> {
  const { content, plans, settings } = services;
  const existingSections = new Set((await content.sections()).map((s) => s.slug));
  for (const section of sections) {
    if (existingSections.has(section.slug)) continue;
    await content.createSection(section.slug, section.name);
    if (section.requiredBenefit) await content.setSectionRequirement(section.slug, section.requiredBenefit);
  }
  if (!('freeDays' in (await settings.stored('archives')))) {
    await settings.write('archives', archiveSettingsSchema, { freeDays: demoArchiveFreeDays });
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
  const editions = await seedDemoEpaper(services);
  const partnerOffers = await seedDemoPartnerOffer(services);
  await seedDemoAdSlot(services);
  const newsletters = await seedDemoNewsletters(services);
  return { articles: articlesAdded, plans: plansAdded, editions, partnerOffers, newsletters };
}

/** The morning after the newest demo story: the day of the demo's e-paper. */
export const demoEpaperDate = '2026-11-19';

/**
 * Two e-paper editions of one morning, Mumbai and New Delhi, their PDFs laid out here from the
 * demo stories and uploaded as staff would: they are queued, and the worker draws their pages
 * once the server is up (start-up does not wait for poppler).
 */
async function seedDemoEpaper(services: Pick<Services, 'epaper' | 'publication'>): Promise<number> {
  const { epaper } = services;
  const { name: publicationName, timeZone } = await services.publication.settings();
  const existing = new Set((await epaper.listAll()).map((edition) => `${edition.date}|${edition.name}`));
  let added = 0;
  for (const edition of demoEditions) {
    if (existing.has(`${demoEpaperDate}|${edition.name}`)) continue;
    const upload = await epaper.uploadPath();
    try {
      await demoEditionPdf(upload, {
        publicationName,
        edition,
        date: demoEpaperDate,
        dateText: formatDate(`${demoEpaperDate}T12:00:00.000Z`, timeZone),
        articles: demoArticles,
      });
      const { size } = await stat(upload);
      await epaper.accept({ date: demoEpaperDate, name: edition.name, upload, bytes: size });
    } finally {
      await epaper.discard(upload);
    }
    added++;
  }
  return added;
}
