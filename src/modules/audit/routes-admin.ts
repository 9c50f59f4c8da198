import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { AuditLog } from './service.js';

const isoMoment = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), 'expected an ISO 8601 date or moment');

const AuditQuery = z
  .object({
    actor: z.string().max(200).optional(),
    action: z.string().max(100).optional(),
    from: isoMoment.optional(),
    to: isoMoment.optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
  })
  .strict();

/** `GET /api/admin/v1/audit-log?actor=&action=&from=&to=`: owners read every admin action. */
export async function adminAuditRoutes(app: FastifyInstance, deps: { audit: AuditLog }): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/admin/v1/audit-log',
    {
      config: { staff: ['owner'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'The audit log, newest first: who did what, when, before and after',
        querystring: AuditQuery,
      },
    },
    async (request) => {
      const { from, to, ...rest } = request.query;
      return {
        entries: (
          await deps.audit.list({
            ...rest,
            ...(from !== undefined && { from: new Date(from).toISOString() }),
            ...(to !== undefined && { to: new Date(to).toISOString() }),
          })
        ).map((entry) => ({ ...entry, actor: entry.actor.label, actorId: entry.actor.id })),
      };
    },
  );
}
