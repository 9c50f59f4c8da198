import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { notFound } from '../../kernel/errors.js';
import { isoInstant, singleLine } from '../../kernel/validation.js';
import { requireReader } from '../accounts/index.js';
import type { IssueView, Newsletter } from './domain.js';
import type { NewsletterService, ReaderNewsletter } from './service.js';

export const newsletterIdParam = z.object({
  id: z.string().regex(/^nlt_[0-9a-z]{26}$/, 'expected a newsletter id'),
});
export const IssueParams = z.object({
  id: z.string().regex(/^nli_[0-9a-z]{26}$/, 'expected a newsletter issue id'),
});

export const DefineBody = z
  .object({
    slug: z
      .string()
      .regex(
        /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/,
        'expected 1 to 64 lower-case letters, digits or hyphens',
      ),
    name: singleLine(z.string().trim().min(1, 'expected a name').max(120, 'expected at most 120 characters')),
    description: z.string().trim().max(1000, 'expected at most 1000 characters').default(''),
    access: z.enum(['free', 'subscribers'], { error: 'expected "free" or "subscribers"' }),
  })
  .strict();

export const ComposeBody = z
  .object({
    subject: singleLine(
      z.string().trim().min(1, 'expected a subject').max(200, 'expected at most 200 characters'),
    ),
    intro: z.string().trim().min(1, 'expected an introduction').max(5000, 'expected at most 5000 characters'),
    articleIds: z
      .array(z.string().regex(/^art_[0-9a-z]{26}$/, 'expected an article id (art_…)'))
      .min(1, 'expected at least one article')
      .max(30, 'expected at most 30 articles'),
  })
  .strict();

const SendBody = z.object({ sendAt: isoInstant.optional() }).strict().nullish();
const TestBody = z.object({ to: z.email({ error: 'expected an email address' }).max(254) }).strict();

export const newsletterJson = (n: Newsletter) => ({
  id: n.id,
  slug: n.slug,
  name: n.name,
  description: n.description,
  access: n.access,
});
const readerNewsletterJson = (n: ReaderNewsletter) => ({ ...newsletterJson(n), subscribed: n.subscribed });
const issueJson = (issue: IssueView) => ({ ...issue });

/** The signed-in reader of an API call, with what they are entitled to. */
async function apiReader(
  request: FastifyRequest,
  reply: FastifyReply,
  entitlements: (accountId: string) => Promise<ReadonlySet<string>>,
) {
  const { account } = await requireReader(request, reply);
  return { accountId: account.id, email: account.email, entitlements: await entitlements(account.id) };
}

/** The readers' newsletter API: `/api/v1/newsletters…` (cookie session or bearer token). */
export async function newsletterApiRoutes(
  app: FastifyInstance,
  deps: {
    newsletters: NewsletterService;
    entitlements: (accountId: string) => Promise<ReadonlySet<string>>;
  },
): Promise<void> {
  const { newsletters, entitlements } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  r.get(
    '/api/v1/newsletters',
    { schema: { tags: ['newsletters'], summary: 'Every newsletter, and whether the caller receives it' } },
    async (request) => {
      const auth = await request.readerSession();
      const reader =
        auth?.lookup.status === 'live'
          ? { accountId: auth.lookup.account.id, email: auth.lookup.account.email }
          : null;
      return { newsletters: (await newsletters.forReader(reader)).map(readerNewsletterJson) };
    },
  );

  r.post(
    '/api/v1/newsletters/:id/subscribe',
    {
      schema: {
        tags: ['newsletters'],
        summary: 'Subscribe the signed-in reader (403 subscription_required for a subscriber-only one)',
        params: newsletterIdParam,
      },
    },
    async (request, reply) => {
      await newsletters.subscribe(await apiReader(request, reply, entitlements), request.params.id);
      return reply.status(204).send();
    },
  );

  r.post(
    '/api/v1/newsletters/:id/unsubscribe',
    {
      schema: {
        tags: ['newsletters'],
        summary: 'Unsubscribe the signed-in reader',
        params: newsletterIdParam,
      },
    },
    async (request, reply) => {
      await newsletters.unsubscribe(await apiReader(request, reply, entitlements), request.params.id);
      return reply.status(204).send();
    },
  );
}

/** The newsletters part of the admin API: define, compose, preview, test, send, progress. */
export async function adminNewsletterRoutes(
  app: FastifyInstance,
  deps: { newsletters: NewsletterService },
): Promise<void> {
  const { newsletters } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const admin = { tags: ['admin'], security: [{ bearer: [] }] };

  r.get(
    '/api/admin/v1/newsletters',
    { config: { staff: ['editor'] }, schema: { ...admin, summary: 'Every newsletter' } },
    async () => ({
      newsletters: (await newsletters.newsletters()).map(newsletterJson),
    }),
  );

  r.post(
    '/api/admin/v1/newsletters',
    { config: { staff: ['editor'] }, schema: { ...admin, summary: 'Define a newsletter', body: DefineBody } },
    async (request, reply) => {
      const newsletter = await newsletters.define(request.body);
      return reply.status(201).send({ newsletter: newsletterJson(newsletter) });
    },
  );

  r.get(
    '/api/admin/v1/newsletters/:id/issues',
    {
      config: { staff: ['editor'] },
      schema: { ...admin, summary: "A newsletter's issues, newest first", params: newsletterIdParam },
    },
    async (request) => ({ issues: (await newsletters.issues(request.params.id)).map(issueJson) }),
  );

  r.post(
    '/api/admin/v1/newsletters/:id/issues',
    {
      config: { staff: ['editor'] },
      schema: {
        ...admin,
        summary: 'Compose an issue: subject, introduction, articles (422 naming unknown article ids)',
        params: newsletterIdParam,
        body: ComposeBody,
      },
    },
    async (request, reply) => {
      const issue = await newsletters.compose(request.params.id, request.body);
      return reply.status(201).send({ issue: issueJson(issue) });
    },
  );

  r.get(
    '/api/admin/v1/newsletter-issues/:id',
    {
      config: { staff: ['editor'] },
      schema: { ...admin, summary: 'An issue, with its send progress', params: IssueParams },
    },
    async (request) => {
      const issue = await newsletters.issue(request.params.id);
      if (!issue) throw notFound('The newsletter issue');
      return { issue: issueJson(issue), ...progressOf(issue) };
    },
  );

  r.get(
    '/api/admin/v1/newsletter-issues/:id/preview',
    {
      config: { staff: ['editor'] },
      schema: { ...admin, summary: 'The issue as rendered HTML', params: IssueParams },
    },
    async (request, reply) => {
      const preview = await newsletters.preview(request.params.id);
      return reply
        .type('text/html; charset=utf-8')
        .header('x-newsletter-subject', encodeURIComponent(preview.subject))
        .send(preview.html);
    },
  );

  r.post(
    '/api/admin/v1/newsletter-issues/:id/test',
    {
      config: { staff: ['editor'] },
      schema: { ...admin, summary: 'Send one test copy to an address', params: IssueParams, body: TestBody },
    },
    async (request, reply) => {
      await newsletters.sendTest(request.params.id, request.body.to);
      return reply.status(204).send();
    },
  );

  r.post(
    '/api/admin/v1/newsletter-issues/:id/send',
    {
      config: { staff: ['editor'] },
      schema: {
        ...admin,
        summary: 'Send the issue now, or at sendAt (a job on the queue)',
        params: IssueParams,
        body: SendBody,
      },
    },
    async (request, reply) => {
      const sendAt = request.body?.sendAt;
      const issue = await newsletters.send(request.params.id, {
        sendAt: sendAt ? new Date(sendAt) : undefined,
      });
      return reply.status(202).send({ issue: issueJson(issue), ...progressOf(issue) });
    },
  );
}

const progressOf = (issue: IssueView) => ({
  status: issue.status,
  sent: issue.sent,
  failed: issue.failed,
  remaining: issue.remaining,
});
