import { createReadStream } from 'node:fs';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { VNode } from 'preact';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { renderPage } from '../../web/render.js';
import type { SiteChrome } from '../../web/views/layout.js';
import type { PaywallService } from '../paywall/index.js';
import type { PublicationService } from '../publication/index.js';
import { editionDate, pageNumber, type Edition } from './domain.js';
import { exists } from './storage.js';
import { editionJson } from './serializers.js';
import type { EpaperReader, EpaperService } from './service.js';
import { EditionsPage, LockedEditionPage, ReaderPage, SharedLinkPage, SharedPage } from './views.js';

/** The signed-in reader of a request (cookie session or bearer token), with their entitlements. */
export type EpaperAccount = EpaperReader & { readonly entitlements: ReadonlySet<string> };

export interface EpaperRouteDeps {
  readonly epaper: EpaperService;
  readonly paywall: Pick<PaywallService, 'benefit'>;
  readonly publication: Pick<PublicationService, 'settings'>;
  /** The live session's account, or undefined for a reader who is not signed in. */
  readonly account: (request: FastifyRequest) => Promise<EpaperAccount | undefined>;
  /** The site chrome of a reader page at `path`. */
  readonly chrome: (request: FastifyRequest, path: string) => Promise<SiteChrome>;
  readonly publicUrl: string;
}

const EditionParams = z.object({ id: z.string().max(40) });
const PageParams = z.object({ id: z.string().max(40), n: pageNumber });
const TokenParams = z.object({ token: z.string().max(100) });
const ListQuery = z.object({ date: editionDate.optional() });

const subscriptionRequired = () =>
  new AppError(
    'subscription_required',
    'The e-paper is for subscribers: subscribe at /subscribe, or sign in with the account that subscribes.',
    { benefit: 'epaper' },
  );

/** The e-paper for readers: `/epaper` pages and the `/api/v1/epaper` API. */
export async function epaperRoutes(app: FastifyInstance, deps: EpaperRouteDeps): Promise<void> {
  const { epaper, paywall } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  /** The reader if the paywall lets them use the e-paper now, else undefined. */
  async function entitled(request: FastifyRequest): Promise<EpaperAccount | undefined> {
    const account = await deps.account(request);
    if (!account) return undefined;
    return paywall.benefit(account, 'epaper').granted ? account : undefined;
  }
  async function requireEntitled(request: FastifyRequest): Promise<EpaperAccount> {
    const account = await entitled(request);
    if (!account) throw subscriptionRequired();
    return account;
  }

  async function context(request: FastifyRequest, path: string) {
    const [chrome, settings] = await Promise.all([deps.chrome(request, path), deps.publication.settings()]);
    return { chrome, timeZone: settings.timeZone };
  }
  function html(reply: FastifyReply, page: VNode, cacheControl = 'private, no-cache') {
    return reply
      .type('text/html; charset=utf-8')
      .header('cache-control', cacheControl)
      .send(renderPage(page));
  }
  async function sendImage(reply: FastifyReply, path: string, cacheControl: string) {
    // A page of a ready edition is drawn; a file missing here means the data directory lost it.
    if (!(await exists(path))) throw new Error(`e-paper image missing on disk: ${path}`);
    return reply.type('image/jpeg').header('cache-control', cacheControl).send(createReadStream(path));
  }
  const noStore = (reply: FastifyReply) => reply.header('cache-control', 'private, no-store');

  // --- JSON API -------------------------------------------------------------------------------

  r.get(
    '/api/v1/epaper/editions',
    {
      schema: {
        tags: ['e-paper'],
        summary: 'Processed editions, newest first; one day’s with ?date=YYYY-MM-DD',
        querystring: ListQuery,
      },
    },
    async (request, reply) => {
      noStore(reply);
      const editions = await epaper.list({ date: request.query.date });
      return { editions: editions.map((edition) => editionJson(edition, deps.publicUrl)) };
    },
  );

  r.get(
    '/api/v1/epaper/editions/:id',
    { schema: { tags: ['e-paper'], summary: 'One edition', params: EditionParams } },
    async (request, reply) => {
      noStore(reply);
      return { edition: editionJson(await epaper.readable(request.params.id), deps.publicUrl) };
    },
  );

  r.get(
    '/api/v1/epaper/editions/:id/pages/:n',
    {
      schema: {
        tags: ['e-paper'],
        summary: 'A page’s image (JPEG), for a reader with the e-paper; else 403 subscription_required',
        params: PageParams,
      },
    },
    async (request, reply) => {
      const edition = await epaper.readable(request.params.id);
      const path = epaper.pageFile(edition, request.params.n, 'page');
      await requireEntitled(request);
      return sendImage(reply, path, 'private, max-age=600');
    },
  );

  r.get(
    '/api/v1/epaper/editions/:id/pages/:n/thumbnail',
    {
      schema: {
        tags: ['e-paper'],
        summary: 'A page’s thumbnail (JPEG), for anyone',
        params: PageParams,
      },
    },
    async (request, reply) => {
      const edition = await epaper.readable(request.params.id);
      return sendImage(reply, epaper.pageFile(edition, request.params.n, 'thumb'), 'public, max-age=86400');
    },
  );

  r.get(
    '/api/v1/epaper/editions/:id/download',
    {
      schema: {
        tags: ['e-paper'],
        summary: 'The edition as a PDF stamped with the reader’s email on every page',
        params: EditionParams,
      },
    },
    async (request, reply) => {
      const edition = await epaper.readable(request.params.id);
      const reader = await requireEntitled(request);
      const { path, filename } = await epaper.download(edition, reader);
      return reply
        .type('application/pdf')
        .header('cache-control', 'private, no-store')
        .header('content-disposition', `attachment; filename="${filename}"`)
        .send(createReadStream(path));
    },
  );

  r.post(
    '/api/v1/epaper/editions/:id/pages/:n/share',
    {
      schema: {
        tags: ['e-paper'],
        summary: 'A link that opens one page for anyone for 7 days',
        params: PageParams,
      },
    },
    async (request, reply) => {
      const edition = await epaper.readable(request.params.id);
      epaper.pageFile(edition, request.params.n, 'page');
      const reader = await requireEntitled(request);
      noStore(reply);
      return reply.status(201).send(await epaper.share(edition, request.params.n, reader));
    },
  );

  // --- Reader pages ---------------------------------------------------------------------------

  r.get('/epaper', { schema: { querystring: ListQuery } }, async (request, reply) => {
    const { date } = request.query;
    const editions = await epaper.list({ date });
    return html(reply, EditionsPage({ ctx: await context(request, '/epaper'), editions, date }));
  });

  async function editionPage(request: FastifyRequest, reply: FastifyReply, edition: Edition, page: number) {
    epaper.pageFile(edition, page, 'page');
    const path = page === 1 ? `/epaper/${edition.id}` : `/epaper/${edition.id}/page/${page}`;
    const ctx = await context(request, path);
    if (!(await entitled(request))) {
      return html(reply, LockedEditionPage({ ctx, edition, returnTo: path }));
    }
    return html(reply, ReaderPage({ ctx, edition, page }));
  }

  r.get('/epaper/:id', { schema: { params: EditionParams } }, async (request, reply) =>
    editionPage(request, reply, await epaper.readable(request.params.id), 1),
  );
  r.get('/epaper/:id/page/:n', { schema: { params: PageParams } }, async (request, reply) =>
    editionPage(request, reply, await epaper.readable(request.params.id), request.params.n),
  );

  r.post('/epaper/:id/page/:n/share', { schema: { params: PageParams } }, async (request, reply) => {
    const edition = await epaper.readable(request.params.id);
    const { n } = request.params;
    epaper.pageFile(edition, n, 'page');
    const reader = await requireEntitled(request);
    const { url, expiresAt } = await epaper.share(edition, n, reader);
    const ctx = await context(request, `/epaper/${edition.id}/page/${n}`);
    return html(reply, SharedLinkPage({ ctx, edition, page: n, url, expiresAt }), 'private, no-store');
  });

  r.get('/epaper/shared/:token', { schema: { params: TokenParams } }, async (request, reply) => {
    const { token } = request.params;
    const shared = await epaper.openShare(token);
    const ctx = await context(request, '/epaper');
    reply.header('referrer-policy', 'no-referrer');
    return html(reply, SharedPage({ ctx, ...shared, token }));
  });

  r.get('/epaper/shared/:token/image', { schema: { params: TokenParams } }, async (request, reply) => {
    const shared = await epaper.openShare(request.params.token);
    return sendImage(reply, epaper.pageFile(shared.edition, shared.page, 'page'), 'private, max-age=600');
  });
}
