/** Partner offers: complimentary access to a partner publication, fulfilled with activation codes. */
export {
  createPartnerService,
  PARTNER_ACCESS,
  type CodeUpload,
  type OfferInput,
  type OfferPatch,
  type PartnerService,
} from './service.js';
export {
  readCodeFile,
  runsLow,
  maxLinesPerUpload,
  maxUploadBytes,
  type ClaimOutcome,
  type ClaimRefusal,
  type ClaimedCode,
  type CodeCounts,
  type CodeFile,
  type PartnerOffer,
  type ReaderOffer,
  type ReaderOfferStatus,
  type RejectedRow,
} from './domain.js';
export { partnerMail, type PartnerMailVariables } from './mail-copy.js';
export { partnerRoutes } from './routes.js';
export { partnerAdminPageRoutes } from './routes-pages.js';
export { accountPartnerSection, partnerNoticeKey, partnerPageRoutes } from './pages.js';
