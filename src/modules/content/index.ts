export {
  createContentService,
  type ContentService,
  type ArticleInput,
  type EditorialArticle,
  type ListOptions,
  type SearchOptions,
} from './service.js';
export {
  articleAccessLevels,
  type ArticleAccess,
  type ArticleSummary,
  type PublishedBody,
  type Section,
  type SearchHit,
  searchMark,
  snippetHtml,
} from './domain.js';
export { adminArticleRoutes } from './routes-admin.js';
export { adminSectionRoutes } from './routes-sections.js';
export { articleSummaryJson } from './serializers.js';
