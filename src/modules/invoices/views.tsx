import { formatMoney, type Money } from '../../kernel/money.js';
import { Layout, type SiteChrome } from '../../web/views/layout.js';
import { creditNoteLine, type CreditNoteView } from './credit-notes.js';
import type { InvoiceView } from './domain.js';
import { documentTitle, invoiceDate, percentText, periodText } from './format.js';

function Lines({ text }: { text: string }) {
  return (
    <>
      {text.split('\n').map((line, i) => (
        <>
          {i > 0 && <br />}
          {line}
        </>
      ))}
    </>
  );
}

/**
 * The invoice as a printable page: no site chrome, the print stylesheet, every field GST rule
 * 46 asks of a B2C invoice. `links` are where the PDF and the reader's invoices are.
 */
/** Who a tax document is addressed to. */
function BillTo({ buyer }: { readonly buyer: InvoiceView['buyer'] }) {
  return (
    <section class="invoice-buyer" aria-label="Bill to">
      <h2>Bill to</h2>
      <p>
        {buyer.name && (
          <>
            {buyer.name}
            <br />
          </>
        )}
        {buyer.email}
        <br />
        State: {buyer.stateCode === null ? 'not given' : `${buyer.stateCode}-${buyer.stateName ?? ''}`}
      </p>
    </section>
  );
}

/** The column headings of a tax document's lines. */
function LinesHead() {
  return (
    <thead>
      <tr>
        <th scope="col">Description</th>
        <th scope="col">SAC</th>
        <th scope="col">Taxable value</th>
        <th scope="col">GST</th>
        <th scope="col">Total</th>
      </tr>
    </thead>
  );
}

/** The totals under a tax document's lines: the taxable value, the GST split, the total. */
function TaxTotals(props: {
  readonly split: InvoiceView['split'];
  readonly rate: Parameters<typeof percentText>[0];
  readonly amounts: {
    readonly taxable: Money;
    readonly cgst: Money;
    readonly sgst: Money;
    readonly igst: Money;
    readonly total: Money;
  };
  readonly totalLabel: string;
}) {
  const { amounts, rate } = props;
  return (
    <table class="invoice-totals">
      <tbody>
        <tr>
          <th scope="row">Taxable value</th>
          <td class="taxable">{formatMoney(amounts.taxable)}</td>
        </tr>
        {props.split === 'intra_state' ? (
          <>
            <tr>
              <th scope="row">CGST @ {percentText(rate, 2)}</th>
              <td class="cgst">{formatMoney(amounts.cgst)}</td>
            </tr>
            <tr>
              <th scope="row">SGST @ {percentText(rate, 2)}</th>
              <td class="sgst">{formatMoney(amounts.sgst)}</td>
            </tr>
          </>
        ) : (
          <tr>
            <th scope="row">IGST @ {percentText(rate)}</th>
            <td class="igst">{formatMoney(amounts.igst)}</td>
          </tr>
        )}
        <tr>
          <th scope="row">{props.totalLabel}</th>
          <td class="total">
            <strong>{formatMoney(amounts.total)}</strong>
          </td>
        </tr>
      </tbody>
    </table>
  );
}

export function InvoiceDocument({
  invoice,
  links,
}: {
  invoice: InvoiceView;
  links: { pdf: string; back?: string | undefined };
}) {
  const { seller, buyer } = invoice;
  const title = documentTitle(invoice);
  const rate = invoice.taxRateBp;
  return (
    <html lang="en-IN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`${title} ${invoice.number} — ${seller.legalName}`}</title>
        <link rel="stylesheet" href="/assets/print.css" />
      </head>
      <body class="print invoice">
        <main>
          <h1>{title}</h1>
          <section class="invoice-seller" aria-label="Supplier">
            <p>
              <strong>{seller.legalName}</strong>
              <br />
              <Lines text={seller.address} />
            </p>
            <p>
              {seller.gstin !== null && (
                <>
                  GSTIN: <span class="gstin">{seller.gstin}</span>
                  <br />
                </>
              )}
              State: {seller.stateCode}-{seller.stateName}
            </p>
          </section>
          <dl class="invoice-particulars">
            <dt>Invoice number</dt>
            <dd class="invoice-number">{invoice.number}</dd>
            <dt>Invoice date</dt>
            <dd>
              <time dateTime={invoice.issuedAt}>{invoiceDate(invoice.issuedAt)}</time>
            </dd>
            <dt>Place of supply</dt>
            <dd class="place-of-supply">
              {invoice.placeOfSupply.code}-{invoice.placeOfSupply.name}
            </dd>
            <dt>Tax payable on reverse charge</dt>
            <dd>No</dd>
          </dl>
          <BillTo buyer={buyer} />
          <table class="invoice-lines">
            <LinesHead />
            <tbody>
              {invoice.lines.map((line) => {
                const period = periodText(line);
                return (
                  <tr>
                    <td data-label="Description">
                      {line.description}
                      {period && (
                        <>
                          <br />
                          <small>{period}</small>
                        </>
                      )}
                    </td>
                    <td data-label="SAC">{line.sac}</td>
                    <td data-label="Taxable value">{formatMoney(line.taxable)}</td>
                    <td data-label="GST">{formatMoney(line.tax)}</td>
                    <td data-label="Total">{formatMoney(line.total)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <TaxTotals split={invoice.split} rate={rate} amounts={invoice} totalLabel="Total" />
          <p class="disclaimer">
            {invoice.taxInclusive ? 'The price included GST.' : 'GST was added to the price.'} Amounts in{' '}
            {invoice.total.currency}.
          </p>
          <p>
            <a href={links.pdf}>Download PDF</a>
            {links.back && (
              <>
                {' · '}
                <a href={links.back}>Your invoices</a>
              </>
            )}
          </p>
        </main>
      </body>
    </html>
  );
}

/** `/account/invoices`: the reader's invoices, newest first, in the site's chrome. */
export function InvoiceListPage({
  chrome,
  invoices,
  creditNotes = [],
}: {
  chrome: SiteChrome;
  invoices: readonly InvoiceView[];
  creditNotes?: readonly CreditNoteView[];
}) {
  return (
    <Layout chrome={chrome} title="Your invoices">
      <h1 class="section-title">Your invoices</h1>
      {invoices.length === 0 ? (
        <p>No invoices yet: one is issued for every payment.</p>
      ) : (
        <InvoiceTable invoices={invoices} />
      )}
      {creditNotes.length > 0 && (
        <>
          <h2>Credit notes</h2>
          <p>A credit note is issued for every refund, against the invoice of the payment refunded.</p>
          <CreditNoteTable creditNotes={creditNotes} />
        </>
      )}
      <p>
        <a href="/account">Back to your account</a>
      </p>
    </Layout>
  );
}

/** A reader's invoices as a table: number (the HTML invoice), date, total and the PDF. */
export function InvoiceTable({
  invoices,
}: {
  invoices: readonly { id: string; number: string; issuedAt: string; total: Money }[];
}) {
  return (
    <table class="invoices">
      <thead>
        <tr>
          <th scope="col">Invoice</th>
          <th scope="col">Date</th>
          <th scope="col">Total</th>
          <th scope="col">Download</th>
        </tr>
      </thead>
      <tbody>
        {invoices.map((invoice) => (
          <tr data-invoice={invoice.id}>
            <td data-label="Invoice">
              <a href={`/account/invoices/${invoice.id}`}>{invoice.number}</a>
            </td>
            <td data-label="Date">
              <time dateTime={invoice.issuedAt}>{invoiceDate(invoice.issuedAt)}</time>
            </td>
            <td data-label="Total">{formatMoney(invoice.total)}</td>
            <td data-label="Download">
              <a href={`/account/invoices/${invoice.id}.pdf`}>PDF</a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A reader's credit notes as a table: number (the HTML page), date, the invoice credited, amount, PDF. */
export function CreditNoteTable({ creditNotes }: { creditNotes: readonly CreditNoteView[] }) {
  return (
    <table class="invoices credit-notes">
      <thead>
        <tr>
          <th scope="col">Credit note</th>
          <th scope="col">Date</th>
          <th scope="col">Invoice</th>
          <th scope="col">Credited</th>
          <th scope="col">Download</th>
        </tr>
      </thead>
      <tbody>
        {creditNotes.map((note) => (
          <tr data-credit-note={note.id}>
            <td data-label="Credit note">
              <a href={`/account/invoices/${note.id}`}>{note.number}</a>
            </td>
            <td data-label="Date">
              <time dateTime={note.issuedAt}>{invoiceDate(note.issuedAt)}</time>
            </td>
            <td data-label="Invoice">
              <a href={`/account/invoices/${note.invoice.id}`}>{note.invoice.number}</a>
            </td>
            <td data-label="Credited">{formatMoney(note.total)}</td>
            <td data-label="Download">
              <a href={`/account/invoices/${note.id}.pdf`}>PDF</a>
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A credit note as a printable page, in the invoice's layout: the supplier and buyer of the
 * invoice it credits, that invoice's number and date, and the value and GST reversed.
 */
export function CreditNoteDocument({
  note,
  links,
}: {
  note: CreditNoteView;
  links: { pdf: string; back?: string | undefined };
}) {
  const { invoice } = note;
  const { seller, buyer } = invoice;
  const rate = invoice.taxRateBp;
  const line = creditNoteLine(note);
  return (
    <html lang="en-IN">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{`Credit Note ${note.number} — ${seller.legalName}`}</title>
        <link rel="stylesheet" href="/assets/print.css" />
      </head>
      <body class="print invoice credit-note">
        <main>
          <h1>Credit Note</h1>
          <section class="invoice-seller" aria-label="Supplier">
            <p>
              <strong>{seller.legalName}</strong>
              <br />
              <Lines text={seller.address} />
            </p>
            <p>
              {seller.gstin !== null && (
                <>
                  GSTIN: <span class="gstin">{seller.gstin}</span>
                  <br />
                </>
              )}
              State: {seller.stateCode}-{seller.stateName}
            </p>
          </section>
          <dl class="invoice-particulars">
            <dt>Credit note number</dt>
            <dd class="credit-note-number">{note.number}</dd>
            <dt>Credit note date</dt>
            <dd>
              <time dateTime={note.issuedAt}>{invoiceDate(note.issuedAt)}</time>
            </dd>
            <dt>Against invoice</dt>
            <dd class="invoice-number">
              {invoice.number} of <time dateTime={invoice.issuedAt}>{invoiceDate(invoice.issuedAt)}</time>
            </dd>
            <dt>Place of supply</dt>
            <dd class="place-of-supply">
              {invoice.placeOfSupply.code}-{invoice.placeOfSupply.name}
            </dd>
            <dt>Tax payable on reverse charge</dt>
            <dd>No</dd>
          </dl>
          <BillTo buyer={buyer} />
          <table class="invoice-lines">
            <LinesHead />
            <tbody>
              <tr>
                <td data-label="Description">
                  {line.description}
                  {line.period && (
                    <>
                      <br />
                      <small>{line.period}</small>
                    </>
                  )}
                </td>
                <td data-label="SAC">{line.sac}</td>
                <td data-label="Taxable value">{formatMoney(line.taxable)}</td>
                <td data-label="GST">{formatMoney(line.tax)}</td>
                <td data-label="Total">{formatMoney(line.total)}</td>
              </tr>
            </tbody>
          </table>
          <TaxTotals split={invoice.split} rate={rate} amounts={note} totalLabel="Total credited" />
          <p class="disclaimer">
            {note.reason}: the value and GST of invoice {invoice.number} are reduced by these amounts. Amounts
            in {note.total.currency}.
          </p>
          <p>
            <a href={links.pdf}>Download PDF</a>
            {links.back && (
              <>
                {' · '}
                <a href={links.back}>Your invoices</a>
              </>
            )}
          </p>
        </main>
      </body>
    </html>
  );
}
