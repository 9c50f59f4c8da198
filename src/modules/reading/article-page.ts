import { cacheKeyOf } from '../../kernel/cache-key.js';
import { renderPage } from '../../web/render.js';
import { ArticlePage } from './views.js';

/** Everything the article page is rendered from: the article as opened, the plans, the chrome. */
export type ArticlePageProps = Parameters<typeof ArticlePage>[0];

/**
 * The article page for `props`, and the key its HTML is cached under. Both come from the same
 * object: the page cannot show anything its key leaves out, so a field added to the page (a
 * reader's name, their entitlements) is part of the key without anyone having to remember it,
 * and one reader's page is never served to another whose page would differ.
 */
export function articlePage(props: ArticlePageProps): { readonly key: string; render(): Buffer } {
  return {
    key: cacheKeyOf(props),
    // Kept encoded: sending bytes spares measuring and encoding the string on every view.
    render: () => Buffer.from(renderPage(ArticlePage(props))),
  };
}
