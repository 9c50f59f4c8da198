import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { noteChange, principalOf, staffRoles } from '../../kernel/staff-access.js';
import type { StaffService } from './service.js';

const MemberParams = z.object({ id: z.string().regex(/^stf_[0-9A-Za-z]{10,40}$/, 'expected a staff id') });
const InvitationParams = z.object({
  id: z.string().regex(/^sti_[0-9A-Za-z]{10,40}$/, 'expected an invitation id'),
});
const schemaOf = (summary: string) => ({ tags: ['admin'], security: [{ bearer: [] }], summary });
const owners = { staff: ['owner'] } as const;

/**
 * The staff part of the admin API: who is calling (`GET /api/admin/v1/me`), and for owners the
 * members, their roles, invitations and the two-factor rule.
 */
export async function adminStaffRoutes(app: FastifyInstance, deps: { staff: StaffService }): Promise<void> {
  const { staff } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/admin/v1/me',
    {
      config: { staff: 'signed-in' },
      schema: schemaOf('Who is calling: a staff member or an API key, and its role'),
    },
    async (request) => ({
      principal: principalOf(request),
    }),
  );

  r.get(
    '/api/admin/v1/staff',
    { config: owners, schema: schemaOf('The staff, open invitations and the two-factor rule') },
    async () => {
      const [members, invitations, settings] = await Promise.all([
        staff.list(),
        staff.invitations(),
        staff.settings(),
      ]);
      return { staff: members, invitations, settings };
    },
  );

  r.post(
    '/api/admin/v1/staff/invitations',
    {
      config: owners,
      schema: {
        ...schemaOf('Invite a colleague by email, with a role'),
        body: z.object({ email: z.email().max(254), role: z.enum(staffRoles) }).strict(),
      },
    },
    async (request, reply) => {
      const invitation = await staff.invite(request.body, principalOf(request));
      noteChange(request, {
        action: 'staff.invite',
        target: invitation.id,
        after: { email: invitation.email, role: invitation.role },
      });
      return reply.code(201).send({ invitation });
    },
  );

  r.delete(
    '/api/admin/v1/staff/invitations/:id',
    { config: owners, schema: { ...schemaOf('Withdraw an invitation'), params: InvitationParams } },
    async (request, reply) => {
      if (!(await staff.revokeInvitation(request.params.id)))
        throw new AppError('not_found', 'No open invitation has this id.');
      noteChange(request, { action: 'staff.invitation.revoke' });
      return reply.code(204).send();
    },
  );

  r.patch(
    '/api/admin/v1/staff/:id',
    {
      config: owners,
      schema: {
        ...schemaOf("Change a member's role"),
        params: MemberParams,
        body: z.object({ role: z.enum(staffRoles) }).strict(),
      },
    },
    async (request) => {
      const { before, after } = await staff.setRole(request.params.id, request.body.role);
      noteChange(request, {
        action: 'staff.role',
        before: { role: before.role },
        after: { role: after.role },
      });
      return { member: after };
    },
  );

  r.delete(
    '/api/admin/v1/staff/:id',
    {
      config: owners,
      schema: { ...schemaOf('Remove a member: their sessions end at once'), params: MemberParams },
    },
    async (request, reply) => {
      const removed = await staff.remove(request.params.id);
      noteChange(request, { action: 'staff.remove', before: removed, after: null });
      return reply.code(204).send();
    },
  );

  r.patch(
    '/api/admin/v1/staff-settings',
    {
      config: owners,
      schema: {
        ...schemaOf('Require two-factor sign-in of every member, or not'),
        body: z.object({ requireTwoFactor: z.boolean() }).strict(),
      },
    },
    async (request) => {
      const before = await staff.settings();
      await staff.setRequireTwoFactor(request.body.requireTwoFactor);
      noteChange(request, { action: 'staff.require-two-factor', before, after: request.body });
      return { settings: await staff.settings() };
    },
  );
}
