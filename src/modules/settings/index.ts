export { createSettingsStore, type SettingsStore } from './store.js';
export { settingsRoutes } from './routes.js';
