import type { FastifyInstance, FastifyReply } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { VNode } from 'preact';
import { z } from 'zod';
import { notFound } from '../../kernel/errors.js';
import { renderPage } from '../../web/render.js';
import type { Mailer } from './service.js';
import { OutboxListPage, OutboxMessagePage } from './views.js';

const MessageParams = z.object({ id: z.string().max(100) });

/**
 * `GET /dev/outbox` and `GET /dev/outbox/:id`: the mail Masthead sent or kept, for development.
 * `build` registers them only outside production — they show one-time links.
 */
export async function devOutboxRoutes(app: FastifyInstance, deps: { mail: Mailer }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
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
