import type { FastifyInstance, FastifyRequest } from 'fastify';
import { renderPage } from '../../web/render.js';
import type { SiteChrome } from '../../web/views/layout.js';
import type { SettingsStore } from '../settings/index.js';
import { renderPolicy } from './copy.js';
import { legalSettingsKey, legalSettingsSchema, policyPages } from './settings.js';
import { PolicyPage } from './views.js';

export interface LegalRouteDeps {
  readonly settings: Pick<SettingsStore, 'read'>;
  /** The site chrome of a page at `path`, for the reader who sent `request`. */
  readonly chrome: (request: FastifyRequest, path: string) => Promise<SiteChrome>;
}

/** The policy pages: terms, privacy, refunds and contact, each the publisher's copy. */
export async function legalRoutes(app: FastifyInstance, deps: LegalRouteDeps): Promise<void> {
  for (const page of policyPages) {
    app.get(page.path, async (request, reply) => {
      const [copy, chrome] = await Promise.all([
        deps.settings.read(legalSettingsKey, legalSettingsSchema),
        deps.chrome(request, page.path),
      ]);
      const html = renderPage(PolicyPage({ chrome, title: page.title, html: renderPolicy(copy[page.key]) }));
      // The header is the reader's own (signed in or not): no shared cache may keep it.
      return reply.type('text/html; charset=utf-8').header('cache-control', 'private, no-cache').send(html);
    });
  }
}
