import type { ArticleSummary } from './domain.js';

/** An article as every JSON API shows it: never a body. */
export function articleSummaryJson(article: ArticleSummary, publicUrl: string) {
  return {
    id: article.id,
    slug: article.slug,
    url: `${publicUrl}/article/${article.slug}`,
    headline: article.headline,
    standfirst: article.standfirst,
    byline: article.byline,
    section: article.section.slug,
    access: article.access,
    /** The benefit the article itself needs besides its access level (its section's aside), or null. */
    requires: article.requiredBenefit,
    syndicated: article.syndicated,
    publishedAt: article.publishedAt,
  };
}
