import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../kernel/errors.js';
import type { JobQueueAdmin } from './service.js';

const JobParams = z.object({ id: z.string().regex(/^job_[a-z0-9_]{1,64}$/i, 'expected a job id') });
const JobsQuery = z
  .object({
    status: z.enum(['queued', 'running', 'done', 'dead']).optional(),
    kind: z
      .string()
      .regex(/^[a-z0-9-]+:[a-z0-9-]+$/, 'expected a job kind such as mail:deliver')
      .optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  })
  .strict();

const admin = { tags: ['admin'], security: [{ bearer: [] }] };

/** The job queue in the admin API: `/api/admin/v1/jobs` — what is waiting, running, done or dead. */
export async function adminJobRoutes(app: FastifyInstance, deps: { queue: JobQueueAdmin }): Promise<void> {
  const { queue } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/admin/v1/jobs',
    {
      config: { staff: ['owner'] },
      schema: { ...admin, summary: 'The latest jobs, and counts by kind and state', querystring: JobsQuery },
    },
    async (request) => {
      const { status, kind, limit } = request.query;
      const [jobs, counts] = await Promise.all([
        queue.list({ ...(status && { status }), ...(kind && { kind }), ...(limit && { limit }) }),
        queue.counts(),
      ]);
      return { jobs, counts };
    },
  );

  r.get(
    '/api/admin/v1/jobs/:id',
    {
      config: { staff: ['owner'] },
      schema: { ...admin, summary: 'One job: its state, tries, progress and last error', params: JobParams },
    },
    async (request) => {
      const job = await queue.get(request.params.id);
      if (!job) throw notFound('The job');
      return { job };
    },
  );

  r.post(
    '/api/admin/v1/jobs/:id/retry',
    {
      config: { staff: ['owner'] },
      schema: { ...admin, summary: 'Gives a dead job fresh tries', params: JobParams },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await queue.retry(id))) {
        if (!(await queue.get(id))) throw notFound('The job');
        throw new AppError('conflict', 'Only a dead job can be retried.');
      }
      return { job: await queue.get(id) };
    },
  );
}
