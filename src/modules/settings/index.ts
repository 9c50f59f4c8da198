export { createSettingsStore, type SettingsStore } from './store.js';
export { settingsRoutes, templateIssueMarker, type SettingsSection } from './routes.js';
