import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { VNode } from 'preact';
import { z } from 'zod';
import { notFound } from '../../kernel/errors.js';
import { isLoopbackRequest } from '../../web/loopback.js';
import { renderPage } from '../../web/render.js';
import type { MailLog } from './service.js';
import { OutboxListPage, OutboxMessagePage } from './views.js';

const MessageParams = z.object({ id: z.string().max(100) });

/**
 * `GET /dev/outbox` and `GET /dev/outbox/:id`: the mail Masthead sent or kept, for development.
 * They show one-time links (a password reset for any address is one request away), so `build`
 * registers them only outside production, and they answer only a browser on this machine: any
 * other client, or one a proxy forwards, gets the 404 of a page that does not exist.
 */
export async function devOutboxRoutes(app: FastifyInstance, deps: { mail: MailLog }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  // Before validation and the handler, so that nothing about the outbox (not even whether a
  // message id is well formed) reaches anyone else: the site's own answer for no such page.
  app.addHook('onRequest', async (request, reply) => {
    if (!isLoopbackRequest(request)) return reply.callNotFound();
  });
  const html = (reply: FastifyReply, page: VNode) =>
    reply.type('text/html; charset=utf-8').header('cache-control', 'no-store').send(renderPage(page));

  r.get('/dev/outbox', async (_request, reply) =>
    html(reply, OutboxListPage({ messages: await deps.mail.list() })),
  );

  r.get('/dev/outbox/:id', { schema: { params: MessageParams } }, async (request, reply) => {
    const message = await deps.mail.get(request.params.id);
    if (!message) throw notFound('That message');
    return html(reply, OutboxMessagePage({ message }));
  });
}
