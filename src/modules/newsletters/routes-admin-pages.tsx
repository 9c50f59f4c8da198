import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../kernel/errors.js';
import { noteChange, principalOf } from '../../kernel/staff-access.js';
import type { AdminNavItem } from '../../web/admin/shell.js';
import { renderPage, sendHtml } from '../../web/render.js';
import type { ArticleSummary } from '../content/index.js';
import { instantOfLocal, localInputOf } from '../content/index.js';
import type { IssueView, Newsletter } from './domain.js';
import { ComposeBody, DefineBody, IssueParams, newsletterIdParam, newsletterJson } from './routes.js';
import type { NewsletterService } from './service.js';
import {
  emptyComposeForm,
  emptyDefineForm,
  NewsletterIssuePage,
  NewsletterPage,
  NewslettersPage,
  type ComposeFormValues,
  type DefineFormValues,
  type PickableArticle,
  type SendFormValues,
} from './views-admin.js';
import { doneNotices } from '../../web/admin/done.js';

// The forms as posted: loose, so that what was typed comes back with the reason.
const typed = z.string().max(20_000).optional();
const DefinePosted = z.object({ slug: typed, name: typed, description: typed, access: typed });
const ComposePosted = z.object({
  subject: typed,
  intro: typed,
  articleIds: z
    .union([z.string().max(200), z.array(z.string().max(200)).max(200)])
    .optional()
    .transform((value) => (value === undefined ? [] : [value].flat())),
  articleRefs: typed,
});
const TestPosted = z.object({ to: typed });
const SendPosted = z.object({ when: z.enum(['now', 'later']), sendAt: typed });
const TestForm = z.object({ to: z.email({ error: 'expected an email address' }).max(254) });

const fieldNames: Record<string, string> = {
  slug: 'Slug',
  name: 'Name',
  description: 'Description',
  access: 'Who may subscribe',
  subject: 'Subject',
  intro: 'Introduction',
  articleIds: 'Articles',
  to: 'To',
};
/** A zod refusal as one sentence naming each field as the form does. */
const reasons = (error: z.ZodError) =>
  `${error.issues.map((issue) => `${fieldNames[String(issue.path[0] ?? '')] ?? 'The form'}: ${issue.message}`).join('; ')}.`;

// What just happened, by a word in the redirect's query: a link cannot make the page say anything else.
const doneMessages = {
  defined: 'Newsletter created: readers can subscribe to it now. Compose its first issue below.',
  composed: 'Draft saved. Check the preview, send a test copy, then send or schedule it.',
  tested: 'Test copy sent.',
  sending: 'Sending: the issue goes out in the background. Reload to see the progress.',
  scheduled: 'Scheduled: it goes out at the time shown.',
} as const;
const notices = doneNotices(doneMessages);
const DoneQuery = notices.query;

const pickable = (article: ArticleSummary): PickableArticle => ({
  id: article.id,
  slug: article.slug,
  headline: article.headline,
  section: article.section.name,
  publishedAt: article.publishedAt,
});

/**
 * The newsletters' admin pages, through `NewsletterService` as `/api/admin/v1/newsletters…`
 * does: `/admin/newsletters` (every newsletter, defining one), `/admin/newsletters/:id` (its
 * issues, composing one from recent articles or typed ids and slugs) and
 * `/admin/newsletter-issues/:id` (the preview in an empty sandbox, a test copy, sending now or
 * at a time in the publication's time zone, and the progress).
 */
export async function newsletterAdminPageRoutes(
  app: FastifyInstance,
  deps: {
    newsletters: NewsletterService;
    /** Published articles: the latest to pick from, and one by id or slug. */
    articles: {
      recent: () => Promise<ArticleSummary[]>;
      find: (idOrSlug: string) => Promise<ArticleSummary | undefined>;
    };
    /** The publication's time zone: send times are typed and shown in it. */
    timeZone: () => Promise<string>;
    now: () => Date;
    nav: readonly AdminNavItem[];
  },
): Promise<void> {
  const { newsletters, articles, nav } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const editors = { staff: ['editor'] } as const;

  async function timeFormat() {
    const timeZone = await deps.timeZone();
    const format = new Intl.DateTimeFormat('en-IN', { dateStyle: 'medium', timeStyle: 'short', timeZone });
    return { timeZone, formatTime: (iso: string) => format.format(new Date(iso)) };
  }

  async function existingNewsletter(id: string): Promise<Newsletter> {
    const newsletter = await newsletters.newsletter(id);
    if (!newsletter) throw notFound('The newsletter');
    return newsletter;
  }
  async function existingIssue(id: string): Promise<IssueView> {
    const issue = await newsletters.issue(id);
    if (!issue) throw notFound('The newsletter issue');
    return issue;
  }

  async function listPage(
    request: FastifyRequest,
    extra: { error?: string; done?: string; form?: DefineFormValues } = {},
  ) {
    const [all, subscribers] = await Promise.all([newsletters.newsletters(), newsletters.subscriberCounts()]);
    return renderPage(
      NewslettersPage({
        principal: principalOf(request),
        nav,
        newsletters: all,
        subscribers,
        form: extra.form ?? emptyDefineForm,
        error: extra.error,
        done: extra.done,
      }),
    );
  }

  async function newsletterPage(
    request: FastifyRequest,
    newsletter: Newsletter,
    extra: { error?: string; done?: string; form?: ComposeFormValues } = {},
  ) {
    const [issues, subscribers, recent, time] = await Promise.all([
      newsletters.issues(newsletter.id),
      newsletters.subscriberCounts(),
      articles.recent(),
      timeFormat(),
    ]);
    return renderPage(
      NewsletterPage({
        principal: principalOf(request),
        nav,
        newsletter,
        subscribers: subscribers.get(newsletter.id) ?? 0,
        issues,
        recent: recent.map(pickable),
        form: extra.form ?? emptyComposeForm,
        formatTime: time.formatTime,
        error: extra.error,
        done: extra.done,
      }),
    );
  }

  async function issuePage(
    request: FastifyRequest,
    issue: IssueView,
    extra: { error?: string; done?: string; form?: Partial<SendFormValues> } = {},
  ) {
    const [newsletter, preview, picked, time] = await Promise.all([
      existingNewsletter(issue.newsletterId),
      newsletters.preview(issue.id),
      Promise.all(issue.articleIds.map((id) => articles.find(id))),
      timeFormat(),
    ]);
    const principal = principalOf(request);
    return renderPage(
      NewsletterIssuePage({
        principal,
        nav,
        newsletter,
        issue,
        articles: issue.articleIds.map((id, i) => {
          const found = picked[i];
          return found && found.id === id ? pickable(found) : { id, missing: true as const };
        }),
        preview,
        form: {
          to: extra.form?.to ?? (principal.kind === 'staff' ? principal.label : ''),
          sendAt: extra.form?.sendAt ?? '',
        },
        timeZone: time.timeZone,
        formatTime: time.formatTime,
        error: extra.error,
        done: extra.done,
      }),
    );
  }

  /** A refusal the service gives for what was typed (a taken slug, an unpublished article). */
  const refusedInput = (error: unknown): error is AppError =>
    error instanceof AppError && (error.code === 'validation_failed' || error.code === 'conflict');

  r.get(
    '/admin/newsletters',
    { config: editors, schema: { hide: true, querystring: DoneQuery } },
    async (request, reply) => {
      const done = request.query.done;
      return sendHtml(reply, await listPage(request, notices.notice(done)));
    },
  );

  r.post(
    '/admin/newsletters',
    { config: editors, schema: { hide: true, body: DefinePosted } },
    async (request, reply) => {
      const form: DefineFormValues = {
        slug: request.body.slug ?? '',
        name: request.body.name ?? '',
        description: request.body.description ?? '',
        access: request.body.access ?? '',
      };
      const parsed = DefineBody.safeParse({ ...form, slug: form.slug.trim() });
      if (!parsed.success)
        return sendHtml(reply, await listPage(request, { form, error: reasons(parsed.error) }), 422);
      try {
        const newsletter = await newsletters.define(parsed.data);
        noteChange(request, {
          action: 'newsletter.define',
          target: newsletter.id,
          before: null,
          after: newsletterJson(newsletter),
        });
        return reply.redirect(`/admin/newsletters/${newsletter.id}?done=defined`, 303);
      } catch (error) {
        if (refusedInput(error))
          return sendHtml(reply, await listPage(request, { form, error: error.message }), 422);
        throw error;
      }
    },
  );

  r.get(
    '/admin/newsletters/:id',
    { config: editors, schema: { hide: true, params: newsletterIdParam, querystring: DoneQuery } },
    async (request, reply) => {
      const newsletter = await existingNewsletter(request.params.id);
      const done = request.query.done;
      return sendHtml(reply, await newsletterPage(request, newsletter, notices.notice(done)));
    },
  );

  r.post(
    '/admin/newsletters/:id/issues',
    { config: editors, schema: { hide: true, params: newsletterIdParam, body: ComposePosted } },
    async (request, reply) => {
      const newsletter = await existingNewsletter(request.params.id);
      const form: ComposeFormValues = {
        subject: request.body.subject ?? '',
        intro: request.body.intro ?? '',
        articleIds: request.body.articleIds,
        articleRefs: request.body.articleRefs ?? '',
      };
      const refuse = async (error: string) =>
        sendHtml(reply, await newsletterPage(request, newsletter, { form, error }), 422);
      // Typed ids or slugs become ids; one that names no published article is named back.
      const refs = form.articleRefs
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter((line) => line !== '');
      if (refs.length > 30) return refuse('Articles: at most 30 in an issue.');
      const found = await Promise.all(
        refs.map((ref) =>
          /^[a-z0-9_-]{1,120}$/.test(ref) ? articles.find(ref) : Promise.resolve(undefined),
        ),
      );
      const unknown = refs.filter((_, i) => found[i] === undefined);
      if (unknown.length > 0)
        return refuse(`Articles: no published article has the id or slug ${unknown.join(', ')}.`);
      const articleIds = [...new Set([...form.articleIds, ...found.map((article) => article!.id)])];
      const parsed = ComposeBody.safeParse({ subject: form.subject, intro: form.intro, articleIds });
      if (!parsed.success) return refuse(reasons(parsed.error));
      try {
        const issue = await newsletters.compose(newsletter.id, parsed.data);
        noteChange(request, {
          action: 'newsletter-issue.compose',
          target: issue.id,
          before: null,
          after: { newsletterId: newsletter.id, subject: issue.subject, articleIds: issue.articleIds },
        });
        return reply.redirect(`/admin/newsletter-issues/${issue.id}?done=composed`, 303);
      } catch (error) {
        if (refusedInput(error)) return refuse(error.message.replace(/^articleIds:/, 'Articles:'));
        throw error;
      }
    },
  );

  r.get(
    '/admin/newsletter-issues/:id',
    { config: editors, schema: { hide: true, params: IssueParams, querystring: DoneQuery } },
    async (request, reply) => {
      const issue = await existingIssue(request.params.id);
      const done = request.query.done;
      return sendHtml(reply, await issuePage(request, issue, notices.notice(done)));
    },
  );

  r.post(
    '/admin/newsletter-issues/:id/test',
    { config: editors, schema: { hide: true, params: IssueParams, body: TestPosted } },
    async (request, reply) => {
      const issue = await existingIssue(request.params.id);
      const to = (request.body.to ?? '').trim();
      const parsed = TestForm.safeParse({ to });
      if (!parsed.success)
        return sendHtml(
          reply,
          await issuePage(request, issue, { form: { to }, error: reasons(parsed.error) }),
          422,
        );
      await newsletters.sendTest(issue.id, parsed.data.to);
      noteChange(request, {
        action: 'newsletter-issue.test',
        target: issue.id,
        after: { to: parsed.data.to },
      });
      return reply.redirect(`/admin/newsletter-issues/${issue.id}?done=tested`, 303);
    },
  );

  r.post(
    '/admin/newsletter-issues/:id/send',
    { config: editors, schema: { hide: true, params: IssueParams, body: SendPosted } },
    async (request, reply) => {
      const issue = await existingIssue(request.params.id);
      const typedAt = (request.body.sendAt ?? '').trim();
      const refuse = async (error: string) =>
        sendHtml(reply, await issuePage(request, issue, { form: { sendAt: typedAt }, error }), 422);
      // What the issue is comes first: a sent one is not asked for a better time.
      if (issue.status !== 'draft')
        return refuse(
          issue.status === 'sent'
            ? 'This issue was sent already.'
            : 'This issue is already scheduled or sending.',
        );
      let sendAt: Date | undefined;
      if (request.body.when === 'later') {
        const { timeZone } = await timeFormat();
        const instant = typedAt === '' ? undefined : instantOfLocal(typedAt, timeZone);
        if (instant === undefined)
          return refuse(`Send at: give a date and time such as 2026-12-24T07:00 (${timeZone}) to schedule.`);
        if (new Date(instant) <= deps.now())
          return refuse(
            `Send at: ${typedAt.replace('T', ' ')} has passed (it is ${localInputOf(deps.now().toISOString(), timeZone).replace('T', ' ')} in ${timeZone}); choose a later time or send now.`,
          );
        sendAt = new Date(instant);
      }
      try {
        const after = await newsletters.send(issue.id, { sendAt });
        noteChange(request, {
          action: sendAt ? 'newsletter-issue.schedule' : 'newsletter-issue.send',
          target: issue.id,
          before: { status: issue.status },
          after: { status: after.status, sendAt: after.sendAt },
        });
        return reply.redirect(
          `/admin/newsletter-issues/${issue.id}?done=${sendAt ? 'scheduled' : 'sending'}`,
          303,
        );
      } catch (error) {
        if (refusedInput(error)) return refuse(error.message);
        throw error;
      }
    },
  );
}
