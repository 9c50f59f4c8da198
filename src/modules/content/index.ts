export {
  createContentService,
  type ContentService,
  type ArticleInput,
  type EditorialArticle,
  type ListOptions,
} from './service.js';
export {
  articleAccessLevels,
  type ArticleAccess,
  type ArticleSummary,
  type PublishedBody,
  type Section,
} from './domain.js';
export { adminArticleRoutes } from './routes-admin.js';
export { articleSummaryJson } from './serializers.js';
