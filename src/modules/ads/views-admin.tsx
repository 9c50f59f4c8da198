import type { StaffPrincipal } from '../../kernel/staff-access.js';
import { AdminShell, Notice, type AdminNavItem } from '../../web/admin/shell.js';
import { maxSlotBytes, scriptsOf } from './settings.js';

// The ads module's admin page: the ad slot's HTML and the script origins its policy allows.

/** The form as typed: kept when it is refused. `scriptSources` is one origin a line. */
export interface AdsFormValues {
  readonly slotHtml: string;
  readonly scriptSources: string;
}

export function AdsPage(props: {
  readonly principal: StaffPrincipal;
  readonly nav: readonly AdminNavItem[];
  readonly values: AdsFormValues;
  readonly error?: string | undefined;
  readonly saved?: boolean;
}) {
  const { values } = props;
  // What the stored (or typed) slot asks of the page's policy, told before it is saved.
  let scripts: { inline: number; external: readonly string[] } | undefined;
  try {
    const found = scriptsOf(values.slotHtml);
    scripts = { inline: found.inline.length, external: found.external };
  } catch {
    scripts = undefined;
  }
  return (
    <AdminShell title="Ads" principal={props.principal} nav={props.nav} current="/admin/ads">
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.saved && (
        <Notice kind="done">Saved: the ad slot shows as it is now on the next page view.</Notice>
      )}
      <p class="muted">
        Your ad server's tag, shown on the front page, section pages and under each article to readers without
        ad-free reading. Leave it empty for no ads anywhere.
      </p>
      <form class="card" method="post" action="/admin/ads">
        <label for="ads-slot">Ad slot HTML (at most {maxSlotBytes / 1024} KB)</label>
        <textarea
          id="ads-slot"
          name="slotHtml"
          rows={10}
          class="code"
          spellcheck={false}
          value={values.slotHtml}
        />
        <label for="ads-sources">Script origins allowed, one a line</label>
        <p class="muted" id="ads-sources-hint">
          Each external script in the slot must come from one of these https origins, such as
          https://securepubads.g.doubleclick.net (no path). Inline scripts are allowed by their hash.
        </p>
        <textarea
          id="ads-sources"
          name="scriptSources"
          rows={4}
          class="code"
          spellcheck={false}
          aria-describedby="ads-sources-hint"
          value={values.scriptSources}
        />
        {scripts && (scripts.inline > 0 || scripts.external.length > 0) && (
          <p data-scripts>
            This slot has {scripts.inline} inline {scripts.inline === 1 ? 'script' : 'scripts'}
            {scripts.external.length > 0 && <> and scripts from {scripts.external.join(', ')}</>}.
          </p>
        )}
        <button type="submit">Save</button>
      </form>
    </AdminShell>
  );
}
