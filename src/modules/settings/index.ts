export { createSettingsStore, type SettingsStore } from './store.js';
export { settingsRoutes } from './routes.js';
export {
  createSettingsChanges,
  templateIssueMarker,
  type SettingsChange,
  type SettingsChanges,
  type SettingsSection,
} from './changes.js';
