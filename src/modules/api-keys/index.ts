export { createApiKeyService, type ApiKeyService, type ApiKeyScope } from './service.js';
