import type { SettingsStore } from '../settings/index.js';
import { publicationSettingsKey, publicationSettingsSchema, type PublicationSettings } from './settings.js';

/** The publication's identity, as the publisher configured it. */
export interface PublicationService {
  settings(): Promise<PublicationSettings>;
}

export function createPublicationService(deps: { settings: SettingsStore }): PublicationService {
  return { settings: () => deps.settings.read(publicationSettingsKey, publicationSettingsSchema) };
}
