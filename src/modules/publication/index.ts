export { createPublicationService, type PublicationService } from './service.js';
export { publicationSettingsKey, publicationSettingsSchema, type PublicationSettings } from './settings.js';
