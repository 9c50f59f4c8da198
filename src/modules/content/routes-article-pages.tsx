import fastifyMultipart from '@fastify/multipart';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError, notFound } from '../../kernel/errors.js';
import { noteChange, noteNoChange, principalOf } from '../../kernel/staff-access.js';
import { articleKey, printable, singleLine } from '../../kernel/validation.js';
import type { AdminNavItem } from '../../web/admin/shell.js';
import { renderToString } from 'preact-render-to-string';
import { renderPage } from '../../web/render.js';
import { cutTeaser, maxTeaserParagraphs, type PreparedBody } from './body.js';
import { bodySourceFormats, prepareSource, type BodySourceFormat } from './markdown.js';
import { articleAccessLevels, articleStatus, articleStatuses, type ArticleStatus } from './domain.js';
import { imageMaxBytes, type ImageLibrary } from './images.js';
import { instantOfLocal, localInputOf } from './local-time.js';
import type { ArticleInput, ContentService, EditorialArticle } from './service.js';
import {
  ArticleEditorPage,
  ArticleListPage,
  ArticlePreviewPanel,
  DeleteArticlePage,
  emptyArticleForm,
  type ArticleForm,
  type EditedArticle,
} from './views-admin.js';
import { doneNotices } from '../../web/admin/done.js';

const pageSize = 30;
const emptyBody = 'Body: there is no text left once it is cleaned; write some paragraphs.';

const html = (reply: FastifyReply, page: Parameters<typeof renderPage>[0], status = 200) =>
  reply
    .code(status)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .send(renderPage(page));

/** A filter left empty (or mistyped in the address bar) is no filter: the list still shows. */
const emptyIsNone = (value: unknown) => (value === '' ? undefined : value);
const ListQuery = z.object({
  status: z.preprocess(emptyIsNone, z.enum(articleStatuses).optional()).catch(undefined),
  section: z
    .preprocess(
      emptyIsNone,
      z
        .string()
        .regex(/^[a-z0-9-]{1,60}$/)
        .optional(),
    )
    .catch(undefined),
  q: z.preprocess(emptyIsNone, z.string().trim().max(200).optional()).catch(undefined),
  page: z.coerce.number().int().min(1).max(10_000).catch(1),
  done: z.literal('deleted').optional().catch(undefined),
});

const IdParams = z.object({ id: articleKey });

// The editor's form, as typed. Field names match the form; messages name the field as the
// editor sees it.
const EditorForm = z.object({
  headline: printable(z.string().trim().min(1, 'give the article a headline').max(300)),
  standfirst: printable(z.string().trim().max(1000)),
  slug: z.union([
    z.literal(''),
    z
      .string()
      .trim()
      .max(120)
      .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, 'use lowercase words joined by hyphens, or leave it empty'),
  ]),
  section: z.string().regex(/^[a-z0-9-]{1,60}$/, 'choose a section (create one under Sections first)'),
  byline: singleLine(z.string().trim().max(200)),
  access: z.enum(articleAccessLevels, 'choose free, metered or premium'),
  // Checked against the catalogue of benefits in `validated`.
  requires: z.string().trim().max(60),
  agency: singleLine(z.string().trim().max(200)),
  publishAt: z.string().trim().max(40),
  format: z.enum(bodySourceFormats, 'choose Markdown or HTML'),
  body: printable(z.string().trim().min(1, 'write the body').max(500_000)),
});
type EditorFields = z.output<typeof EditorForm>;

const intents = ['preview', 'save', 'publish', 'upload'] as const;
type Intent = (typeof intents)[number];

const fieldNames: Record<string, string> = {
  headline: 'Headline',
  standfirst: 'Standfirst',
  slug: 'Slug',
  section: 'Section',
  byline: 'Byline',
  access: 'Access',
  requires: 'Needs a benefit',
  agency: 'Syndicated from',
  publishAt: 'Publish time',
  format: 'Body written in',
  body: 'Body',
};

/** What the live preview posts: the body as typed, in its format. */
const PreviewForm = z.object({
  format: z.enum(bodySourceFormats),
  body: z.string().max(500_000),
});

const previewProblem = (format: string, body: string): string | undefined => {
  if (!(bodySourceFormats as readonly string[]).includes(format))
    return 'Body written in: choose Markdown or HTML.';
  if (body.length > 500_000) return 'Body: at most 500,000 characters.';
  return undefined;
};

/** Where an uploaded image's snippet goes: at the editor's cursor (sent by the script), else the end. */
function withImage(body: string, cursor: string | undefined, snippet: string): string {
  const at = /^\d{1,7}$/.test(cursor ?? '') ? Math.min(Number(cursor), body.length) : body.length;
  const before = body.slice(0, at).replace(/\s+$/, '');
  const after = body.slice(at).replace(/^\s+/, '');
  // Blank lines around it: in Markdown, an image alone in its paragraph is a figure.
  return [before, snippet, after].filter((part) => part !== '').join('\n\n');
}

const escapeAttribute = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** The markup that shows an uploaded image, in the body's format. */
function imageSnippet(format: string, path: string, alt: string): string {
  const text = alt.replace(/\s+/g, ' ').trim();
  if (format === 'markdown') return `![${text.replace(/[[\]\\]/g, '\\$&')}](${path})`;
  return `<figure><img src="${path}" alt="${escapeAttribute(text)}"><figcaption></figcaption></figure>`;
}

/** What each redirect after a change says on the page it lands on. */
const doneMessages = {
  created: 'Draft saved.',
  saved: 'Changes saved.',
  published: 'Published: readers see it now.',
  scheduled: 'Scheduled: readers see it from the publish time.',
  unpublished: 'Unpublished: it has left every page, feed and search; it is kept here.',
  deleted: 'Article deleted.',
} as const;
const notices = doneNotices(doneMessages);
const DoneQuery = notices.query;

/** The form as posted, urlencoded or multipart (the editor sends multipart for its image). */
interface PostedForm {
  readonly fields: Readonly<Record<string, string>>;
  readonly image?: Buffer;
  /** Set when the image was over the limit; the fields before it are still read. */
  readonly imageTooLarge?: boolean;
}

/**
 * The newsroom's article pages: `/admin/articles` (the list, filtered and paged), the editor at
 * `/admin/articles/new` and `/admin/articles/:id` (preview, save, publish or schedule, image
 * upload), unpublishing and deleting. Every change goes through the content service and the
 * image library, as the admin API's do, and is written to the audit log.
 */
export async function adminArticlePageRoutes(
  app: FastifyInstance,
  deps: {
    content: ContentService;
    images: ImageLibrary;
    publicUrl: string;
    /** The publication's time zone: publish times are typed and shown in it. */
    timeZone: () => Promise<string>;
    nav: readonly AdminNavItem[];
    now: () => Date;
    /** The benefits a plan can include (plans' catalogue): the only ones an article may require. */
    benefits: readonly string[];
    /** How many paragraphs the paywall's teaser shows now (`paywall.teaserParagraphs`). */
    teaserParagraphs: () => Promise<number>;
  },
): Promise<void> {
  const { content, images, publicUrl, nav, benefits } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  /** The body as readers get it, and the teaser as long as the paywall shows it now. */
  async function previewOf(format: BodySourceFormat, body: string): Promise<PreparedBody> {
    const prepared = prepareSource(format, body, maxTeaserParagraphs);
    return { ...prepared, teaserHtml: cutTeaser(prepared.teaserHtml, await deps.teaserParagraphs()) };
  }

  await app.register(fastifyMultipart, {
    // The body is a field of up to 500,000 characters (up to 4 bytes each as UTF-8).
    limits: { fileSize: imageMaxBytes, files: 1, fields: 20, fieldSize: 2_000_000, parts: 22 },
  });
  const editors = { staff: ['editor'] } as const;
  const nowIso = () => deps.now().toISOString();

  async function readForm(request: FastifyRequest): Promise<PostedForm> {
    if (!request.isMultipart()) {
      const body = (request.body ?? {}) as Record<string, unknown>;
      const fields: Record<string, string> = {};
      for (const [key, value] of Object.entries(body)) {
        const first = Array.isArray(value) ? value[0] : value;
        if (typeof first === 'string') fields[key] = first;
      }
      return { fields };
    }
    const fields: Record<string, string> = {};
    let image: Buffer | undefined;
    for await (const part of request.parts()) {
      if (part.type === 'field') {
        if (typeof part.value === 'string' && !(part.fieldname in fields))
          fields[part.fieldname] = part.value;
        continue;
      }
      if (part.fieldname !== 'image' || image !== undefined) {
        part.file.resume();
        continue;
      }
      try {
        const bytes = await part.toBuffer();
        // A file input left empty still sends a part, with no bytes.
        if (bytes.length > 0) image = bytes;
      } catch (error) {
        if (error instanceof app.multipartErrors.RequestFileTooLargeError)
          return { fields, imageTooLarge: true };
        throw error;
      }
    }
    return { fields, ...(image && { image }) };
  }

  const formOf = (fields: Readonly<Record<string, string>>): ArticleForm => ({
    headline: fields.headline ?? '',
    standfirst: fields.standfirst ?? '',
    slug: fields.slug ?? '',
    section: fields.section ?? '',
    byline: fields.byline ?? '',
    access: fields.access ?? emptyArticleForm.access,
    requires: fields.requires ?? '',
    agency: fields.agency ?? '',
    publishAt: fields.publishAt ?? '',
    // A post without a format is an HTML body, as the form sent before it had the choice.
    format: fields.format ?? 'html',
    // Browsers send a textarea's lines parted by CRLF; the script counts its cursor in LF.
    body: (fields.body ?? '').replace(/\r\n?/g, '\n'),
  });

  function editedOf(article: EditorialArticle): EditedArticle {
    const status = articleStatus(article.status, article.publishedAt, nowIso());
    return {
      id: article.id,
      slug: article.slug,
      status,
      url: status === 'published' ? `${publicUrl}/article/${article.slug}` : null,
    };
  }

  async function formFromArticle(article: EditorialArticle): Promise<ArticleForm> {
    // A draft's stored time is when it was written: shown only when it is a plan ahead.
    const showTime = article.status !== 'draft' || article.publishedAt > nowIso();
    return {
      headline: article.headline,
      standfirst: article.standfirst,
      slug: article.slug,
      section: article.section.slug,
      byline: article.byline,
      access: article.access,
      requires: article.requiredBenefit ?? '',
      agency: article.syndicated?.agency ?? '',
      publishAt: showTime ? localInputOf(article.publishedAt, await deps.timeZone()) : '',
      format: article.bodyMarkdown === null ? 'html' : 'markdown',
      body: article.bodyMarkdown ?? article.bodyHtml,
    };
  }

  async function editor(
    request: FastifyRequest,
    reply: FastifyReply,
    view: {
      article?: EditorialArticle;
      form: ArticleForm;
      status?: number;
      error?: string;
      done?: string;
      preview?: { bodyHtml: string; teaserHtml: string };
      previewError?: string;
      uploaded?: { path: string; url: string; snippet: string };
    },
  ) {
    const { article, status, ...rest } = view;
    const [sections, timeZone] = await Promise.all([content.sections(), deps.timeZone()]);
    return html(
      reply,
      ArticleEditorPage({
        principal: principalOf(request),
        nav,
        sections,
        benefits,
        timeZone,
        ...(article && { article: editedOf(article) }),
        ...rest,
      }),
      status,
    );
  }

  async function existing(id: string): Promise<EditorialArticle> {
    const article = await content.find(id);
    if (!article) throw notFound('The article');
    return article;
  }

  /** What the audit log keeps of an article: its fields and status, never the body. */
  const audited = (article: EditorialArticle) => ({
    id: article.id,
    slug: article.slug,
    headline: article.headline,
    section: article.section.slug,
    access: article.access,
    requires: article.requiredBenefit,
    syndicated: article.syndicated,
    status: articleStatus(article.status, article.publishedAt, nowIso()),
    publishedAt: article.publishedAt,
  });

  const problemsOf = (error: z.ZodError) =>
    error.issues
      .map((issue) => {
        const field = String(issue.path[0] ?? '');
        return `${fieldNames[field] ?? field}: ${issue.message}`;
      })
      .join('; ');

  /** Validates the form: the fields, or the sentence naming what is wrong. */
  async function validated(
    form: ArticleForm,
  ): Promise<{ ok: true; fields: EditorFields; publishedAt?: string } | { ok: false; error: string }> {
    const parsed = EditorForm.safeParse(form);
    if (!parsed.success) return { ok: false, error: problemsOf(parsed.error) };
    const fields = parsed.data;
    if (fields.requires !== '' && !benefits.includes(fields.requires))
      return { ok: false, error: `Needs a benefit: choose one of ${benefits.join(', ')}, or none.` };
    if (fields.publishAt === '') return { ok: true, fields };
    const publishedAt = instantOfLocal(fields.publishAt, await deps.timeZone());
    if (publishedAt === undefined)
      return { ok: false, error: 'Publish time: expected a date and a time, or leave it empty.' };
    return { ok: true, fields, publishedAt };
  }

  /** The editor's answer to a post, for a new article (`current` absent) or an existing one. */
  async function handlePost(request: FastifyRequest, reply: FastifyReply, current?: EditorialArticle) {
    const posted = await readForm(request);
    const form = formOf(posted.fields);
    const intent: Intent = (intents as readonly string[]).includes(posted.fields.intent ?? '')
      ? (posted.fields.intent as Intent)
      : 'save';
    const keep = (status: number, error: string) =>
      editor(request, reply, { ...(current && { article: current }), form, status, error });

    if (intent === 'upload') {
      if (posted.imageTooLarge) return keep(413, 'Image: the file is larger than the limit of 10 MB.');
      if (!posted.image) return keep(422, 'Image: choose a file to upload first.');
      try {
        const image = await images.save(posted.image);
        noteChange(request, {
          action: 'image.upload',
          target: image.name,
          after: { type: image.type, bytes: image.bytes },
        });
        const alt = (posted.fields.imageAlt ?? '').slice(0, 300);
        const snippet = imageSnippet(form.format, image.path, alt);
        return editor(request, reply, {
          ...(current && { article: current }),
          form: { ...form, body: withImage(form.body, posted.fields.cursor, snippet) },
          uploaded: { path: image.path, url: `${publicUrl}${image.path}`, snippet },
        });
      } catch (error) {
        if (error instanceof AppError && error.code === 'validation_failed')
          return keep(422, 'Image: expected a JPEG, PNG, WebP or GIF image.');
        throw error;
      }
    }

    if (intent === 'preview') {
      const problem = previewProblem(form.format, form.body);
      if (problem !== undefined) return keep(422, problem);
      const prepared = await previewOf(form.format as BodySourceFormat, form.body);
      noteNoChange(request);
      if (prepared.bodyHtml === '')
        return editor(request, reply, {
          ...(current && { article: current }),
          form,
          status: 422,
          error: emptyBody,
          previewError: emptyBody,
        });
      return editor(request, reply, {
        ...(current && { article: current }),
        form,
        preview: prepared,
      });
    }

    const checked = await validated(form);
    if (!checked.ok) return keep(422, checked.error);
    const { fields, publishedAt } = checked;
    const common = {
      headline: fields.headline,
      standfirst: fields.standfirst,
      ...(fields.format === 'markdown' ? { bodyMarkdown: fields.body } : { body: fields.body }),
      section: fields.section,
      access: fields.access,
      requiredBenefit: fields.requires === '' ? null : fields.requires,
      syndicated: fields.agency === '' ? null : { agency: fields.agency },
    };
    try {
      if (!current) {
        const input: ArticleInput = {
          ...common,
          ...(fields.byline !== '' && { byline: fields.byline }),
          ...(fields.slug !== '' && { slug: fields.slug }),
          ...(publishedAt !== undefined && { publishedAt }),
          status:
            intent === 'save'
              ? 'draft'
              : publishedAt !== undefined && publishedAt > nowIso()
                ? 'scheduled'
                : 'published',
        };
        const article = await content.create(input);
        noteChange(request, { action: 'article.create', target: article.id, after: audited(article) });
        return reply.redirect(`/admin/articles/${article.id}?done=${doneAfter(article, intent)}`, 303);
      }
      const timeZone = await deps.timeZone();
      const timeChanged =
        publishedAt !== undefined && fields.publishAt !== localInputOf(current.publishedAt, timeZone);
      let article = await content.update(current.id, {
        ...common,
        byline: fields.byline,
        ...(fields.slug !== '' && fields.slug !== current.slug && { slug: fields.slug }),
        ...(timeChanged && { publishedAt }),
      });
      if (intent === 'publish') {
        // A draft published with no time goes out now, whatever moment it was written at.
        const at = timeChanged
          ? publishedAt
          : publishedAt === undefined && current.status === 'draft'
            ? nowIso()
            : undefined;
        article = await content.publish(current.id, at);
      }
      noteChange(request, {
        action: intent === 'publish' ? 'article.publish' : 'article.update',
        target: article.id,
        before: audited(current),
        after: audited(article),
      });
      return reply.redirect(`/admin/articles/${article.id}?done=${doneAfter(article, intent)}`, 303);
    } catch (error) {
      if (
        error instanceof AppError &&
        (error.code === 'validation_failed' || error.code === 'conflict' || error.code === 'not_found')
      )
        return keep(error.status, error.message);
      throw error;
    }
  }

  function doneAfter(article: EditorialArticle, intent: Intent): keyof typeof doneMessages {
    if (intent !== 'publish') return article.status === 'draft' ? 'created' : 'saved';
    return articleStatus(article.status, article.publishedAt, nowIso()) === 'scheduled'
      ? 'scheduled'
      : 'published';
  }

  r.get(
    '/admin/articles',
    { config: editors, schema: { hide: true, querystring: ListQuery } },
    async (request, reply) => {
      const { page, done, ...filter } = request.query;
      const [found, sections, timeZone] = await Promise.all([
        content.list({ ...filter, limit: pageSize + 1, offset: (page - 1) * pageSize }),
        content.sections(),
        deps.timeZone(),
      ]);
      const at = nowIso();
      const format = new Intl.DateTimeFormat('en-IN', { dateStyle: 'medium', timeStyle: 'short', timeZone });
      return html(
        reply,
        ArticleListPage({
          principal: principalOf(request),
          nav,
          articles: found.slice(0, pageSize).map((article) => ({
            ...article,
            shownStatus: articleStatus(article.status, article.publishedAt, at) satisfies ArticleStatus,
          })),
          sections,
          filter,
          page,
          hasNext: found.length > pageSize,
          ...notices.notice(done),
          formatTime: (iso) => format.format(new Date(iso)),
        }),
      );
    },
  );

  r.get('/admin/articles/new', { config: editors, schema: { hide: true } }, async (request, reply) => {
    const sections = await content.sections();
    return editor(request, reply, {
      form: { ...emptyArticleForm, section: sections[0]?.slug ?? '' },
      ...(sections.length === 0 && {
        status: 200,
        error: 'There are no sections yet: create one under Sections before writing an article.',
      }),
    });
  });

  r.post('/admin/articles', { config: editors, schema: { hide: true } }, async (request, reply) =>
    handlePost(request, reply),
  );

  // The live preview (`/assets/admin-editor.js`): the body as typed, answered as the preview
  // panel's markup. Changes nothing, so it writes no audit entry.
  r.post(
    '/admin/articles/preview',
    { config: editors, schema: { hide: true, body: PreviewForm } },
    async (request, reply) => {
      const { format, body } = request.body;
      const prepared = await previewOf(format, body.replace(/\r\n?/g, '\n'));
      noteNoChange(request);
      const empty = prepared.bodyHtml === '';
      return reply
        .code(empty ? 422 : 200)
        .type('text/html; charset=utf-8')
        .header('cache-control', 'no-store')
        .send(
          renderToString(
            empty ? <ArticlePreviewPanel error={emptyBody} /> : <ArticlePreviewPanel preview={prepared} />,
          ),
        );
    },
  );

  r.get(
    '/admin/articles/:id',
    { config: editors, schema: { hide: true, params: IdParams, querystring: DoneQuery } },
    async (request, reply) => {
      const article = await existing(request.params.id);
      const { done } = request.query;
      return editor(request, reply, {
        article,
        form: await formFromArticle(article),
        ...notices.notice(done),
      });
    },
  );

  r.post(
    '/admin/articles/:id',
    { config: editors, schema: { hide: true, params: IdParams } },
    async (request, reply) => handlePost(request, reply, await existing(request.params.id)),
  );

  r.post(
    '/admin/articles/:id/unpublish',
    { config: editors, schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const before = await existing(request.params.id);
      const article = await content.unpublish(before.id);
      noteChange(request, {
        action: 'article.unpublish',
        target: article.id,
        before: { status: audited(before).status, publishedAt: before.publishedAt },
        after: { status: audited(article).status, publishedAt: article.publishedAt },
      });
      return reply.redirect(`/admin/articles/${article.id}?done=unpublished`, 303);
    },
  );

  r.get(
    '/admin/articles/:id/delete',
    { config: editors, schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const article = await existing(request.params.id);
      return html(reply, DeleteArticlePage({ principal: principalOf(request), nav, article }));
    },
  );

  r.post(
    '/admin/articles/:id/delete',
    { config: editors, schema: { hide: true, params: IdParams } },
    async (request, reply) => {
      const before = await existing(request.params.id);
      const { fields } = await readForm(request);
      // Only the confirmation page's button deletes: a stray post asks first.
      if (fields.confirm !== 'yes') {
        noteNoChange(request);
        return reply.redirect(`/admin/articles/${before.id}/delete`, 303);
      }
      await content.remove(before.id);
      noteChange(request, { action: 'article.delete', target: before.id, before: audited(before) });
      return reply.redirect('/admin/articles?done=deleted', 303);
    },
  );
}
