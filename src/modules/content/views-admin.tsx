import { AdminShell, Notice, type AdminNavItem } from '../../web/admin/shell.js';
import type { StaffPrincipal } from '../../kernel/staff-access.js';
import { articleAccessLevels, type ArticleStatus, type Section } from './domain.js';
import type { NewsroomSummary } from './service.js';

// The newsroom's admin pages: the article list, the article editor, sections and the front
// page. The words are this module's (see CONTEXT.md).

interface Frame {
  readonly principal: StaffPrincipal;
  readonly nav: readonly AdminNavItem[];
}

/** What the editor's form holds, as typed: kept whole when a save is refused. */
export interface ArticleForm {
  readonly headline: string;
  readonly standfirst: string;
  readonly slug: string;
  readonly section: string;
  readonly byline: string;
  readonly access: string;
  /** The benefit key the article needs besides its section's; empty for none. */
  readonly requires: string;
  /** A syndicated article's agency; empty for the newsroom's own. */
  readonly agency: string;
  /** `YYYY-MM-DDTHH:mm` in the publication's time zone, or empty. */
  readonly publishAt: string;
  /** How the body is written: `markdown` or `html`. */
  readonly format: string;
  readonly body: string;
}

export const emptyArticleForm: ArticleForm = {
  headline: '',
  standfirst: '',
  slug: '',
  section: '',
  byline: '',
  access: 'metered',
  requires: '',
  agency: '',
  publishAt: '',
  // A new article is written in Markdown; one written in HTML (or sent by the API) stays HTML.
  format: 'markdown',
  body: '',
};

/** A listed article with the status the admin shows (`scheduled` derived from the time). */
export type ListedArticle = NewsroomSummary & { readonly shownStatus: ArticleStatus };

const statusFilters: readonly { value: ArticleStatus; label: string }[] = [
  { value: 'draft', label: 'Drafts' },
  { value: 'scheduled', label: 'Scheduled' },
  { value: 'published', label: 'Published' },
  { value: 'unpublished', label: 'Unpublished' },
];

export function ArticleListPage(
  props: Frame & {
    articles: readonly ListedArticle[];
    sections: readonly Section[];
    filter: { status?: string; section?: string; q?: string };
    page: number;
    hasNext: boolean;
    done?: string;
    /** An instant as the publication's clock shows it. */
    formatTime: (iso: string) => string;
  },
) {
  const { filter, page } = props;
  const pageHref = (to: number) => {
    const query = new URLSearchParams();
    if (filter.status) query.set('status', filter.status);
    if (filter.section) query.set('section', filter.section);
    if (filter.q) query.set('q', filter.q);
    if (to > 1) query.set('page', String(to));
    const text = query.toString();
    return text ? `/admin/articles?${text}` : '/admin/articles';
  };
  return (
    <AdminShell title="Articles" principal={props.principal} nav={props.nav} current="/admin/articles">
      {props.done && <Notice kind="done">{props.done}</Notice>}
      <p>
        <a class="button" href="/admin/articles/new">
          New article
        </a>
      </p>
      <form class="filters card" method="get" action="/admin/articles">
        <div>
          <label for="status">Status</label>
          <select id="status" name="status">
            <option value="">All</option>
            {statusFilters.map((s) => (
              <option key={s.value} value={s.value} selected={filter.status === s.value}>
                {s.label}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="section">Section</label>
          <select id="section" name="section">
            <option value="">All</option>
            {props.sections.map((s) => (
              <option key={s.slug} value={s.slug} selected={filter.section === s.slug}>
                {s.name}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="q">Search</label>
          <input id="q" name="q" value={filter.q ?? ''} maxLength={200} />
        </div>
        <button type="submit">Filter</button>
      </form>
      <table>
        <thead>
          <tr>
            <th>Headline</th>
            <th>Section</th>
            <th>Access</th>
            <th>Status</th>
            <th>Publish time</th>
          </tr>
        </thead>
        <tbody>
          {props.articles.map((article) => (
            <tr key={article.id}>
              <td>
                <a href={`/admin/articles/${article.id}`}>{article.headline}</a>
                {article.syndicated && <span class="muted"> · {article.syndicated.agency}</span>}
              </td>
              <td>{article.section.name}</td>
              <td>
                {article.access}
                {article.requiredBenefit && <span class="muted"> · needs {article.requiredBenefit}</span>}
              </td>
              <td>
                <span class={`status status-${article.shownStatus}`}>{article.shownStatus}</span>
              </td>
              <td>{props.formatTime(article.publishedAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.articles.length === 0 && <p class="muted">No article matches.</p>}
      <nav class="pager" aria-label="Pages">
        {page > 1 && <a href={pageHref(page - 1)}>Newer</a>}
        {(page > 1 || props.hasNext) && <span class="muted">Page {page}</span>}
        {props.hasNext && <a href={pageHref(page + 1)}>Older</a>}
      </nav>
    </AdminShell>
  );
}

/** The article being edited, as the editor's header describes it. */
export interface EditedArticle {
  readonly id: string;
  readonly slug: string;
  readonly status: ArticleStatus;
  /** Where readers find it, while it is live. */
  readonly url: string | null;
}

/** The body as readers get it, once cleaned; the live preview replaces this panel as one types. */
export function ArticlePreviewPanel(props: {
  readonly preview?: { readonly bodyHtml: string; readonly teaserHtml: string };
  readonly error?: string;
}) {
  return (
    // Focusable: it scrolls on its own when the body is long, and a keyboard must reach it too.
    <section id="article-preview" class="card preview" aria-labelledby="preview-title" tabIndex={0}>
      <h2 id="preview-title">Preview</h2>
      {props.error ? (
        <Notice kind="error">Cannot preview this body: {props.error}</Notice>
      ) : props.preview ? (
        <>
          <p class="muted">The body as readers get it, cleaned. Not saved yet.</p>
          <article class="article-body" dangerouslySetInnerHTML={{ __html: props.preview.bodyHtml }} />
          <h3>What a reader the paywall stops sees</h3>
          <div class="article-body teaser" dangerouslySetInnerHTML={{ __html: props.preview.teaserHtml }} />
        </>
      ) : (
        <p class="muted">Press Preview to see the body as readers get it.</p>
      )}
    </section>
  );
}

/** Markdown in brief: what an editor types most. */
const markdownHelp: readonly { readonly type: string; readonly gives: string }[] = [
  { type: 'A blank line between paragraphs', gives: 'a new paragraph (the first is the teaser)' },
  { type: '## Heading', gives: 'a heading (### for a smaller one)' },
  { type: '**bold**, *italic*', gives: 'bold, italic' },
  { type: '[words](https://example.com)', gives: 'a link' },
  { type: '- item (or 1. item)', gives: 'a bulleted (or numbered) list' },
  { type: '> quoted words', gives: 'a quote' },
  { type: '![what it shows](/media/images/….png "Caption")', gives: 'an image; alone on a line, a figure' },
  { type: '| a | b |, then |---|---|, then rows', gives: 'a table' },
  { type: '---', gives: 'a dividing line' },
];

function MarkdownHelp() {
  return (
    <details class="markdown-help">
      <summary>Markdown help</summary>
      <table>
        <thead>
          <tr>
            <th scope="col">Type</th>
            <th scope="col">To get</th>
          </tr>
        </thead>
        <tbody>
          {markdownHelp.map((row) => (
            <tr key={row.type}>
              <td>
                <code>{row.type}</code>
              </td>
              <td>{row.gives}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">
        HTML typed into Markdown is cleaned as an HTML body is. Switching the format of an existing body does
        not convert it: the text is read in the format chosen.
      </p>
    </details>
  );
}

export function ArticleEditorPage(
  props: Frame & {
    /** Absent for a new article. */
    article?: EditedArticle;
    form: ArticleForm;
    sections: readonly Section[];
    /** The benefit keys an article may require (the plans' catalogue). */
    benefits: readonly string[];
    timeZone: string;
    error?: string;
    done?: string;
    /** The body as readers would get it, after cleaning. */
    preview?: { bodyHtml: string; teaserHtml: string };
    /** The preview could not be made (nothing left once cleaned). */
    previewError?: string;
    /** An image just uploaded: where it is served from, and what was inserted into the body. */
    uploaded?: { path: string; url: string; snippet: string };
  },
) {
  const { article, form } = props;
  const action = article ? `/admin/articles/${article.id}` : '/admin/articles';
  const live = article?.status === 'published' || article?.status === 'scheduled';
  return (
    <AdminShell
      title={article ? 'Edit article' : 'New article'}
      principal={props.principal}
      nav={props.nav}
      current="/admin/articles"
    >
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.done && <Notice kind="done">{props.done}</Notice>}
      {article && (
        <p>
          <span class={`status status-${article.status}`}>{article.status}</span>{' '}
          {article.url && (
            <a href={article.url} rel="noopener">
              {article.url}
            </a>
          )}
        </p>
      )}
      {props.uploaded && (
        <div class="card">
          <p role="status">
            Image uploaded: <a href={props.uploaded.path}>{props.uploaded.url}</a>. It is in the body, where
            the cursor was (or at the end); save to keep it.
          </p>
          <label for="snippet">To place it elsewhere, copy</label>
          <input id="snippet" readOnly class="wide" value={props.uploaded.snippet} />
        </div>
      )}
      <form
        id="article-form"
        class="card editor"
        method="post"
        action={action}
        enctype="multipart/form-data"
        data-preview="/admin/articles/preview"
      >
        <label for="headline">Headline</label>
        <input id="headline" name="headline" class="wide" required maxLength={300} value={form.headline} />
        <label for="standfirst">Standfirst</label>
        <textarea id="standfirst" name="standfirst" class="short" maxLength={1000} value={form.standfirst} />
        <div class="fields">
          <div>
            <label for="slug">Slug</label>
            <input
              id="slug"
              name="slug"
              value={form.slug}
              maxLength={120}
              placeholder="made from the headline"
              pattern="[a-z0-9]+(-[a-z0-9]+)*"
            />
          </div>
          <div>
            <label for="section">Section</label>
            <select id="section" name="section" required>
              {props.sections.map((s) => (
                <option key={s.slug} value={s.slug} selected={form.section === s.slug}>
                  {s.name}
                  {s.requiredBenefit ? ` (needs ${s.requiredBenefit})` : ''}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="byline">Byline</label>
            <input id="byline" name="byline" value={form.byline} maxLength={200} />
          </div>
          <div>
            <label for="access">Access</label>
            <select id="access" name="access">
              {articleAccessLevels.map((level) => (
                <option key={level} value={level} selected={form.access === level}>
                  {level}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="requires">Needs a benefit</label>
            <select id="requires" name="requires">
              <option value="" selected={form.requires === ''}>
                none
              </option>
              {props.benefits.map((benefit) => (
                <option key={benefit} value={benefit} selected={form.requires === benefit}>
                  {benefit}
                </option>
              ))}
            </select>
          </div>
          <div>
            <label for="agency">Syndicated from (agency)</label>
            <input
              id="agency"
              name="agency"
              value={form.agency}
              maxLength={200}
              placeholder="empty: our own"
            />
          </div>
          <div>
            <label for="publishAt">Publish time ({props.timeZone})</label>
            <input id="publishAt" name="publishAt" type="datetime-local" value={form.publishAt} />
          </div>
        </div>
        <p class="muted">
          An article that needs a benefit (such as epaper or market-analysis) is read only by readers whose
          plan includes it, unless its access is free: neither the meter nor premium-stories opens it. A
          section can need one for all its articles (a premium vertical), under Sections; then readers need
          both. A publish time ahead schedules the article; empty publishes it now.
        </p>
        <fieldset class="formats">
          <legend>Body written in</legend>
          <label class="choice">
            <input type="radio" name="format" value="markdown" checked={form.format === 'markdown'} />{' '}
            Markdown
          </label>
          <label class="choice">
            <input type="radio" name="format" value="html" checked={form.format !== 'markdown'} /> HTML
          </label>
        </fieldset>
        <div class="split body-split">
          <div>
            <label for="body">Body</label>
            <textarea
              id="body"
              name="body"
              class="body"
              required
              value={form.body}
              aria-describedby="body-help"
            />
            <input type="hidden" name="cursor" value="" />
            <p id="body-help" class="muted">
              Paragraphs, headings, lists, links, quotes, tables and images are kept; scripts, styles, forms
              and event attributes are removed on save. A walled reader sees the opening paragraphs (as many
              as the paywall's teaser setting). The preview follows as you type.
            </p>
            <MarkdownHelp />
            <p class="muted" id="preview-status" role="status" />
          </div>
          <ArticlePreviewPanel
            {...(props.preview && { preview: props.preview })}
            {...(props.previewError !== undefined && { error: props.previewError })}
          />
        </div>
        <div class="buttons">
          <button type="submit" name="intent" value="preview" class="secondary">
            Preview
          </button>
          <button type="submit" name="intent" value="save">
            {live ? 'Save changes' : 'Save draft'}
          </button>
          {article?.status !== 'published' && (
            <button type="submit" name="intent" value="publish">
              Publish / schedule
            </button>
          )}
        </div>
        <fieldset class="upload">
          <legend>Image</legend>
          <label for="image">JPEG, PNG, WebP or GIF, at most 10 MB</label>
          <input id="image" name="image" type="file" accept="image/jpeg,image/png,image/webp,image/gif" />
          <label for="imageAlt">What it shows (for readers who cannot see it)</label>
          <input id="imageAlt" name="imageAlt" maxLength={300} />
          <button type="submit" name="intent" value="upload" class="secondary" formnovalidate>
            Upload image
          </button>
        </fieldset>
      </form>
      {article && (
        <div class="card buttons">
          {live && (
            <form method="post" action={`/admin/articles/${article.id}/unpublish`}>
              <button type="submit" class="secondary">
                Unpublish
              </button>
            </form>
          )}
          <a class="button danger" href={`/admin/articles/${article.id}/delete`}>
            Delete…
          </a>
        </div>
      )}
      <script src="/assets/admin-editor.js" defer />
    </AdminShell>
  );
}

export function DeleteArticlePage(props: Frame & { article: { id: string; headline: string } }) {
  return (
    <AdminShell title="Delete article" principal={props.principal} nav={props.nav} current="/admin/articles">
      <div class="card narrow">
        <p>
          Delete <strong>{props.article.headline}</strong>? It leaves the site and the newsroom for good; to
          take it down and keep it, unpublish it instead.
        </p>
        <form method="post" action={`/admin/articles/${props.article.id}/delete`}>
          <input type="hidden" name="confirm" value="yes" />
          <button type="submit" class="danger">
            Delete for good
          </button>
        </form>
        <p>
          <a href={`/admin/articles/${props.article.id}`}>Keep it</a>
        </p>
      </div>
    </AdminShell>
  );
}

/** A section with its place in the order (0-based). */
export interface PlacedSection extends Section {
  readonly position: number;
}

function BenefitSelect(props: { id: string; benefits: readonly string[]; selected: string | null }) {
  return (
    <select id={props.id} name="requires">
      <option value="" selected={props.selected === null}>
        none (an ordinary section)
      </option>
      {props.benefits.map((benefit) => (
        <option key={benefit} value={benefit} selected={props.selected === benefit}>
          {benefit}
        </option>
      ))}
    </select>
  );
}

export function SectionsPage(
  props: Frame & {
    sections: readonly PlacedSection[];
    benefits: readonly string[];
    error?: string;
    done?: string;
    /** What was typed in the new-section form, kept when it is refused. */
    draft?: { name: string; slug: string; position: string; requires: string };
  },
) {
  const draft = props.draft ?? { name: '', slug: '', position: '', requires: '' };
  return (
    <AdminShell title="Sections" principal={props.principal} nav={props.nav} current="/admin/sections">
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.done && <Notice kind="done">{props.done}</Notice>}
      <p class="muted">
        Sections appear on the site in this order. A section that requires a benefit is a premium vertical:
        its articles need a subscription that includes it.
      </p>
      <table>
        <thead>
          <tr>
            <th>Position</th>
            <th>Name</th>
            <th>Slug</th>
            <th>Requires</th>
            <th>
              <span class="muted">Action</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.sections.map((section) => {
            const form = `section-${section.slug}`;
            return (
              <tr key={section.id}>
                <td>
                  <input
                    form={form}
                    name="position"
                    type="number"
                    min={0}
                    class="number"
                    aria-label={`Position of ${section.name}`}
                    value={String(section.position)}
                  />
                </td>
                <td>
                  <input
                    form={form}
                    name="name"
                    required
                    maxLength={100}
                    aria-label={`Name of ${section.name}`}
                    value={section.name}
                  />
                </td>
                <td>
                  <input
                    form={form}
                    name="slug"
                    required
                    maxLength={60}
                    aria-label={`Slug of ${section.name}`}
                    value={section.slug}
                  />
                </td>
                <td>
                  <select form={form} name="requires" aria-label={`Benefit ${section.name} requires`}>
                    <option value="" selected={section.requiredBenefit === null}>
                      none
                    </option>
                    {props.benefits.map((benefit) => (
                      <option key={benefit} value={benefit} selected={section.requiredBenefit === benefit}>
                        {benefit}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  <form id={form} method="post" action={`/admin/sections/${section.slug}`}>
                    <button type="submit" class="secondary">
                      Save
                    </button>
                  </form>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {props.sections.length === 0 && <p class="muted">No sections yet: create the first below.</p>}
      <div class="card">
        <h2>New section</h2>
        <form method="post" action="/admin/sections">
          <label for="new-name">Name</label>
          <input id="new-name" name="name" required maxLength={100} value={draft.name} />
          <label for="new-slug">Slug</label>
          <input
            id="new-slug"
            name="slug"
            maxLength={60}
            placeholder="made from the name"
            value={draft.slug}
          />
          <label for="new-position">Position</label>
          <input
            id="new-position"
            name="position"
            type="number"
            min={0}
            placeholder="at the end"
            value={draft.position}
          />
          <label for="new-requires">Requires</label>
          <BenefitSelect id="new-requires" benefits={props.benefits} selected={draft.requires || null} />
          <button type="submit">Create section</button>
        </form>
      </div>
    </AdminShell>
  );
}

export function FrontPageAdminPage(
  props: Frame & {
    /** The pinned lead story, if any, and whether readers see it lead now. */
    pinned: { id: string; headline: string; live: boolean } | null;
    candidates: readonly { id: string; headline: string }[];
    error?: string;
    done?: string;
  },
) {
  const { pinned } = props;
  return (
    <AdminShell title="Front page" principal={props.principal} nav={props.nav} current="/admin/front-page">
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.done && <Notice kind="done">{props.done}</Notice>}
      <div class="card">
        <h2>Lead story</h2>
        {pinned ? (
          <>
            <p>
              Pinned: <a href={`/admin/articles/${pinned.id}`}>{pinned.headline}</a>
              {!pinned.live && ' — not live now, so the latest published article leads meanwhile.'}
            </p>
            <form method="post" action="/admin/front-page/unpin">
              <button type="submit" class="secondary">
                Unpin
              </button>
            </form>
          </>
        ) : (
          <p>Nothing is pinned: the latest published article leads.</p>
        )}
      </div>
      <div class="card">
        <h2>Pin a lead story</h2>
        <form method="post" action="/admin/front-page">
          <label for="lead">Published article</label>
          <select id="lead" name="lead" required>
            {props.candidates.map((article) => (
              <option key={article.id} value={article.id} selected={pinned?.id === article.id}>
                {article.headline}
              </option>
            ))}
          </select>
          <button type="submit">Pin</button>
        </form>
        {props.candidates.length === 0 && <p class="muted">No article is published yet.</p>}
      </div>
    </AdminShell>
  );
}
