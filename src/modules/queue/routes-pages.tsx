import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { noteChange, principalOf } from '../../kernel/staff-access.js';
import type { AdminNavItem } from '../../web/admin/shell.js';
import { renderPage, sendHtml } from '../../web/render.js';
import type { JobQueueAdmin } from './service.js';
import { JobsPage } from './views.js';

const JobParams = z.object({ id: z.string().regex(/^job_[a-z0-9_]{1,64}$/i, 'expected a job id') });
// An empty select ("Any") posts an empty value: no filter.
const anyOr = <T extends z.ZodTypeAny>(schema: T) =>
  z.preprocess((value) => (value === '' ? undefined : value), schema.optional());
const JobsQuery = z.object({
  status: anyOr(z.enum(['queued', 'running', 'done', 'dead'])),
  kind: anyOr(z.string().regex(/^[a-z0-9-]+:[a-z0-9-]+$/, 'expected a job kind such as mail:deliver')),
  done: anyOr(z.enum(['retried'])),
});

const owners = { staff: ['owner'] } as const;

/** `/admin/jobs`: the queue's counts and latest jobs, filtered, and a retry for a dead job. */
export async function jobPageRoutes(
  app: FastifyInstance,
  deps: { queue: JobQueueAdmin; nav: readonly AdminNavItem[] },
): Promise<void> {
  const { queue, nav } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  async function page(
    request: FastifyRequest,
    filter: z.output<typeof JobsQuery>,
    extra: { error?: string; done?: string } = {},
  ) {
    const { status, kind } = filter;
    const [jobs, counts] = await Promise.all([
      queue.list({ ...(status && { status }), ...(kind && { kind }), limit: 100 }),
      queue.counts(),
    ]);
    return renderPage(
      JobsPage({ principal: principalOf(request), nav, jobs, counts, filter: { status, kind }, ...extra }),
    );
  }

  r.get(
    '/admin/jobs',
    { config: owners, schema: { hide: true, querystring: JobsQuery } },
    async (request, reply) => {
      const done = request.query.done === 'retried' ? 'The job is queued again with fresh tries.' : undefined;
      return sendHtml(reply, await page(request, request.query, { done }));
    },
  );

  r.post(
    '/admin/jobs/:id/retry',
    { config: owners, schema: { hide: true, params: JobParams } },
    async (request, reply) => {
      const { id } = request.params;
      const job = await queue.get(id);
      if (!job) return sendHtml(reply, await page(request, {}, { error: 'There is no such job.' }), 404);
      if (!(await queue.retry(id))) {
        const error = `Only a dead job can be retried; ${id} is ${job.status}.`;
        return sendHtml(reply, await page(request, {}, { error }), 409);
      }
      noteChange(request, {
        action: 'job.retry',
        target: id,
        before: { status: 'dead', lastError: job.lastError },
      });
      return reply.redirect('/admin/jobs?status=queued&done=retried', 303);
    },
  );
}
