import { AdminShell, Notice, type AdminNavItem } from '../../web/admin/shell.js';
import type { StaffPrincipal } from '../../kernel/staff-access.js';
import { copyVariables } from './copy.js';
import type { PreviewedState, PreviewState } from './preview.js';

// The paywall module's admin page: the meter and the paywall copy, with a preview of what a
// sample reader in each state would see. The words are this module's.

/** The copy form's fields, as typed (strings, kept as they are when the form is refused). */
export interface CopyFormValues {
  readonly freeLimit: string;
  /** Slugs of the sections whose metered stories do not count (the unticked boxes). */
  readonly uncountedSections: readonly string[];
  readonly teaserParagraphs: string;
  /** Days a story is free of the archive (`archives.freeDays`); undefined when a form did not send it. */
  readonly archiveFreeDays?: string | undefined;
  readonly bannerTemplate: string;
  readonly template: string;
  readonly premiumTemplate: string;
  readonly benefitTemplate: string;
}

const stateLabels: Readonly<Record<PreviewState, string>> = {
  metered: 'Anonymous reader with free articles left (metered story)',
  limit_reached: 'Anonymous reader who has used up the meter',
  premium: 'Signed in without a subscription, on a premium story',
  vertical: 'Signed in without the benefit, in a premium vertical (market analysis)',
  archive: 'Signed in without archives, on an archive story',
  subscriber: 'Subscriber',
};

/**
 * The sample readers' views, the copy rendered as the article page renders it: already
 * cleaned by the paywall's copy renderer, so it is inserted as the reader site inserts it.
 */
export function PreviewPanel(props: {
  readonly states?: readonly PreviewedState[];
  readonly draft: boolean;
  readonly error?: string;
}) {
  return (
    <div id="paywall-preview" class="preview-panel" aria-live="polite">
      <h2>Preview</h2>
      {props.error ? (
        <Notice kind="error">Cannot preview this copy: {props.error}</Notice>
      ) : (
        <p class="muted">
          {props.draft
            ? 'The copy in the form, not saved yet.'
            : 'The saved copy. Change the form and press Preview to see a draft.'}
        </p>
      )}
      {props.states?.map((state) => (
        <section class="preview-state" key={state.state} data-state={state.state}>
          <h3>{stateLabels[state.state]}</h3>
          <p class="muted">
            “{state.article.headline}” ({state.article.access}) · {state.granted ? 'can read it' : 'refused'}{' '}
            · meter {state.meter.used} of {state.meter.limit} used
          </p>
          <div class="reader-sample">
            {state.bannerHtml !== null && (
              <aside class="meter-banner">
                <span dangerouslySetInnerHTML={{ __html: state.bannerHtml }} />
              </aside>
            )}
            {state.teaserHtml !== null && (
              <div class="article-body teaser" dangerouslySetInnerHTML={{ __html: state.teaserHtml }} />
            )}
            {state.paywallHtml !== null && (
              <div class="paywall" data-reason={state.reason}>
                <div class="paywall-copy" dangerouslySetInnerHTML={{ __html: state.paywallHtml }} />
                {state.offers.length > 0 ? (
                  <p class="muted">Plans offered: {state.offers.join(', ')}</p>
                ) : (
                  <p class="muted">No plan on sale includes what this reader lacks.</p>
                )}
              </div>
            )}
            {state.bannerHtml === null && state.paywallHtml === null && (
              <p class="muted">The whole story, with neither banner nor paywall.</p>
            )}
          </div>
        </section>
      ))}
    </div>
  );
}

function TemplateField(props: { name: keyof CopyFormValues; label: string; hint: string; value: string }) {
  return (
    <>
      <label for={props.name}>{props.label}</label>
      <p class="muted hint">{props.hint}</p>
      <textarea id={props.name} name={props.name} rows={5} spellcheck={false} value={props.value} />
    </>
  );
}

export function PaywallPage(props: {
  readonly principal: StaffPrincipal;
  readonly nav: readonly AdminNavItem[];
  /** Every section, for the counted sections' boxes. */
  readonly sections: readonly { readonly slug: string; readonly name: string }[];
  readonly values: CopyFormValues;
  readonly states?: readonly PreviewedState[];
  /** True when the preview shows the form's unsaved copy. */
  readonly draft: boolean;
  readonly previewError?: string;
  readonly error?: string;
  readonly done?: string;
}) {
  const { values } = props;
  return (
    <AdminShell
      title="Meter and paywall"
      principal={props.principal}
      nav={props.nav}
      current="/admin/paywall"
    >
      {props.error && <Notice kind="error">Not saved: {props.error}</Notice>}
      {props.done && <Notice kind="done">{props.done}</Notice>}
      <div class="split">
        <form
          id="paywall-form"
          class="card"
          method="post"
          action="/admin/paywall"
          data-preview="/admin/paywall/preview"
          data-preview-panel="paywall-preview"
        >
          <h2>Meter</h2>
          <label for="freeLimit">Free articles a month</label>
          <p class="muted hint">
            How many metered stories a reader may open each month before the paywall; 0 walls every metered
            story. Free stories never count, premium stories always need a subscription.
          </p>
          <input
            id="freeLimit"
            name="freeLimit"
            inputmode="numeric"
            pattern="[0-9]*"
            required
            value={values.freeLimit}
          />
          <fieldset class="checks">
            <legend>Sections that count</legend>
            <p class="muted hint">
              A metered story of a ticked section uses one of the reader's free articles; one of an unticked
              section is free to every reader and uses none. A section made later counts until you untick it.
              Premium stories, premium verticals and the archive need what they need wherever they are.
            </p>
            {props.sections.length === 0 && <p class="muted">No sections yet.</p>}
            {props.sections.map((section) => (
              <label key={section.slug} class="check">
                <input type="hidden" name="listedSections" value={section.slug} />
                <input
                  type="checkbox"
                  name="countedSections"
                  value={section.slug}
                  checked={!values.uncountedSections.includes(section.slug)}
                />{' '}
                {section.name}
              </label>
            ))}
          </fieldset>
          <TemplateField
            name="bannerTemplate"
            label="Meter banner"
            hint="Shown above a metered story read on the meter."
            value={values.bannerTemplate}
          />
          <h2>Archive</h2>
          <label for="archiveFreeDays">Days before a story joins the archive</label>
          <p class="muted hint">
            A story published longer ago than this needs the archives benefit, unless it is free. With 0,
            every story needs it as soon as it is published.
          </p>
          <input
            id="archiveFreeDays"
            name="archiveFreeDays"
            inputmode="numeric"
            pattern="[0-9]*"
            required
            value={values.archiveFreeDays ?? ''}
          />
          <h2>Paywall copy</h2>
          <label for="teaserParagraphs">Teaser paragraphs</label>
          <p class="muted hint">
            How much of a walled story a reader sees above the paywall: its opening image and this many
            paragraphs, from 1 to 5 (a line break in a paragraph starts a new one; a very long paragraph shows
            only its first 280 characters). The page, the app and the API show no more.
          </p>
          <input
            id="teaserParagraphs"
            name="teaserParagraphs"
            inputmode="numeric"
            pattern="[0-9]*"
            required
            value={values.teaserParagraphs}
          />
          <TemplateField
            name="template"
            label="Meter used up"
            hint="Under the teaser when the reader has no free articles left."
            value={values.template}
          />
          <TemplateField
            name="premiumTemplate"
            label="Premium story"
            hint="Under the teaser of a premium story, for a reader without a subscription."
            value={values.premiumTemplate}
          />
          <TemplateField
            name="benefitTemplate"
            label="Named benefit or archive"
            hint="When the story needs a benefit the reader lacks: its section's (a premium vertical) or its own, or the archive."
            value={values.benefitTemplate}
          />
          <p class="muted hint">
            Copy is Liquid: <code>{'{{ free_limit }}'}</code>, <code>{'{% if reread %}…{% endif %}'}</code>.
            Variables: {copyVariables.join(', ')}. Light markup only (p, strong, em, b, i, a, br, span). A
            template with an unknown variable or markup that is not allowed is refused, so no reader ever sees
            a raw placeholder.
          </p>
          <div class="actions">
            <button type="submit" name="intent" value="preview" class="secondary">
              Preview
            </button>
            <button type="submit" name="intent" value="save">
              Save
            </button>
          </div>
        </form>
        <PreviewPanel
          states={props.states}
          draft={props.draft}
          {...(props.previewError !== undefined && { error: props.previewError })}
        />
      </div>
      <script src="/assets/admin-live-preview.js" defer />
    </AdminShell>
  );
}
