export {
  createContentService,
  prepareBodiesJob,
  type ContentService,
  type ArticleInput,
  type EditorialArticle,
  type FrontPage,
  type NewsroomSummary,
  type SectionInput,
  type ListOptions,
  type SearchOptions,
} from './service.js';
export {
  articleAccessLevels,
  articleStatuses,
  type ArticleStatus,
  type ArticleAccess,
  type ArticleSummary,
  type PublishedBody,
  type Section,
  type SearchHit,
  searchMark,
  snippetHtml,
  bodyFormat,
  cutTeaser,
  maxTeaserParagraphs,
} from './domain.js';
export { adminArticleRoutes } from './routes-admin.js';
export { adminSectionRoutes } from './routes-sections.js';
export { adminArticlePageRoutes } from './routes-article-pages.js';
export { adminSectionPageRoutes } from './routes-section-pages.js';
export { adminImageRoutes, imageRoutes } from './routes-images.js';
export { createImageLibrary, imageMaxBytes, type ImageLibrary, type StoredImage } from './images.js';
export { articleSummaryJson } from './serializers.js';
export { instantOfLocal, localInputOf } from './local-time.js';
