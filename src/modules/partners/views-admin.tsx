import { AdminShell, Notice, type AdminNavItem } from '../../web/admin/shell.js';
import type { StaffPrincipal } from '../../kernel/staff-access.js';
import { maxLinesPerUpload, runsLow, type PartnerOffer, type RejectedRow } from './domain.js';

// The partners module's admin pages: every offer with its code counts, creating and editing one,
// and uploading its activation codes. A code itself is never shown here: only counts.

/** An offer's form as typed, kept when it is refused. */
export interface OfferFormValues {
  readonly name: string;
  readonly partner: string;
  readonly instructions: string;
  readonly lowCodeThreshold: string;
}

export const emptyOfferForm: OfferFormValues = {
  name: '',
  partner: '',
  instructions: '',
  lowCodeThreshold: '10',
};

export const offerFormOf = (offer: PartnerOffer): OfferFormValues => ({
  name: offer.name,
  partner: offer.partner,
  instructions: offer.instructions,
  lowCodeThreshold: String(offer.lowCodeThreshold),
});

/** What one upload did, as the page reports it. */
export interface UploadResult {
  readonly added: number;
  readonly duplicates: number;
  readonly rejected: readonly RejectedRow[];
}

interface Common {
  readonly principal: StaffPrincipal;
  readonly nav: readonly AdminNavItem[];
  readonly error?: string | undefined;
  readonly done?: string | undefined;
}

function OfferFields(props: { readonly form: OfferFormValues }) {
  const { form } = props;
  return (
    <>
      <label for="name">Name (what readers see)</label>
      <input id="name" name="name" required maxLength={120} value={form.name} class="wide" />
      <label for="partner">Partner</label>
      <input id="partner" name="partner" required maxLength={120} value={form.partner} class="wide" />
      <label for="instructions">Instructions (plain text: how a reader uses the code at the partner)</label>
      <textarea id="instructions" name="instructions" required maxLength={2000} rows={4}>
        {form.instructions}
      </textarea>
      <label for="lowCodeThreshold">Warn the staff when this many codes are left</label>
      <input
        id="lowCodeThreshold"
        name="lowCodeThreshold"
        inputmode="numeric"
        class="short"
        value={form.lowCodeThreshold}
      />
    </>
  );
}

const counts = (offer: PartnerOffer) =>
  `${offer.codes.remaining} left of ${offer.codes.total}, ${offer.codes.claimed} claimed`;

export function PartnerOffersPage(
  props: Common & { readonly offers: readonly PartnerOffer[]; readonly form: OfferFormValues },
) {
  return (
    <AdminShell title="Partner offers" principal={props.principal} nav={props.nav} current="/admin/partners">
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.done && <Notice kind="done">{props.done}</Notice>}
      <table>
        <thead>
          <tr>
            <th>Offer</th>
            <th>Partner</th>
            <th>Codes left</th>
            <th>Claimed</th>
            <th>Status</th>
          </tr>
        </thead>
        <tbody>
          {props.offers.map((offer) => (
            <tr key={offer.id} data-offer={offer.id}>
              <td>
                <a href={`/admin/partners/${offer.id}`}>{offer.name}</a>
              </td>
              <td>{offer.partner}</td>
              <td data-remaining={offer.codes.remaining}>
                {offer.codes.remaining} of {offer.codes.total}
                {runsLow(offer) && <strong> (low)</strong>}
              </td>
              <td data-claimed={offer.codes.claimed}>{offer.codes.claimed}</td>
              <td>{offer.active ? 'on' : 'off'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.offers.length === 0 && <p class="muted">No partner offers yet.</p>}
      <form class="card" method="post" action="/admin/partners">
        <h2>New partner offer</h2>
        <p class="muted">Subscribers with partner access can claim one code each; upload the codes next.</p>
        <OfferFields form={props.form} />
        <button type="submit">Create offer</button>
      </form>
    </AdminShell>
  );
}

export function PartnerOfferPage(
  props: Common & {
    readonly offer: PartnerOffer;
    readonly form: OfferFormValues;
    /** The codes as typed in the box, kept when the upload is refused. */
    readonly codesTyped: string;
    readonly upload?: UploadResult | undefined;
  },
) {
  const { offer, upload } = props;
  return (
    <AdminShell title={offer.name} principal={props.principal} nav={props.nav} current="/admin/partners">
      <p>
        <a href="/admin/partners">All partner offers</a>
      </p>
      {props.error && <Notice kind="error">{props.error}</Notice>}
      {props.done && <Notice kind="done">{props.done}</Notice>}
      {upload && (
        <Notice kind="done">
          <span data-upload-added={upload.added}>
            {upload.added} {upload.added === 1 ? 'code' : 'codes'} added
          </span>
          ,{' '}
          <span data-upload-duplicates={upload.duplicates}>
            {upload.duplicates} {upload.duplicates === 1 ? 'duplicate' : 'duplicates'} skipped
          </span>
          {upload.rejected.length > 0 && `, ${upload.rejected.length} rejected (below)`}.
        </Notice>
      )}
      {upload && upload.rejected.length > 0 && (
        <table>
          <caption>Lines not taken</caption>
          <thead>
            <tr>
              <th>Line</th>
              <th>Why</th>
            </tr>
          </thead>
          <tbody>
            {upload.rejected.map((row) => (
              <tr key={row.line}>
                <td>{row.line}</td>
                <td>{row.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p data-counts>
        Codes: {counts(offer)}
        {runsLow(offer) && <strong> — running low (warning at {offer.lowCodeThreshold})</strong>}. Status:{' '}
        {offer.active ? 'on, readers can claim' : 'off, no new claims'}.
      </p>
      <div class="split">
        <form
          class="card"
          method="post"
          action={`/admin/partners/${offer.id}/codes`}
          enctype="multipart/form-data"
        >
          <h2>Upload codes</h2>
          <p class="muted">
            One code per line, as the partner wrote it (case is kept), or a CSV file whose first column (or
            the column headed <code>code</code>) holds the codes. Codes already there are skipped; up to{' '}
            {maxLinesPerUpload.toLocaleString('en-IN')} lines and 1 MB at a time.
          </p>
          <label for="codes">Codes, one per line</label>
          <textarea id="codes" name="codes" rows={8} spellcheck={false} autocomplete="off">
            {props.codesTyped}
          </textarea>
          <label for="file">or a CSV file</label>
          <input id="file" name="file" type="file" accept=".csv,.txt,text/csv,text/plain" />
          <button type="submit">Upload codes</button>
        </form>
        <div>
          <form class="card" method="post" action={`/admin/partners/${offer.id}`}>
            <h2>Edit the offer</h2>
            <OfferFields form={props.form} />
            <button type="submit">Save changes</button>
          </form>
          <form class="card" method="post" action={`/admin/partners/${offer.id}/active`}>
            <h2>{offer.active ? 'Switch off' : 'Switch on'}</h2>
            <p class="muted">
              {offer.active
                ? 'An offer switched off takes no new claims; readers who claimed keep seeing their code.'
                : 'Subscribers with partner access can claim codes again.'}
            </p>
            <input type="hidden" name="active" value={offer.active ? 'false' : 'true'} />
            <button type="submit" class={offer.active ? 'danger' : 'secondary'}>
              {offer.active ? 'Switch the offer off' : 'Switch the offer on'}
            </button>
          </form>
        </div>
      </div>
    </AdminShell>
  );
}
