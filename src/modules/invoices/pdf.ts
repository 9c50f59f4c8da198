import type { Money } from '../../kernel/money.js';
import { creditNoteLine, type CreditNoteView } from './credit-notes.js';
import type { InvoiceView } from './domain.js';
import { amountText, documentTitle, invoiceDate, percentText, periodText } from './format.js';

// WinAnsi, the encoding of PDF's standard fonts: Latin-1 and a few typographic extras.
const winAnsiExtras = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';

/**
 * Text the standard fonts can draw. They have no glyphs beyond WinAnsi (no ₹, no Devanagari),
 * and no font file ships with Masthead's dependencies, so anything else shows as `?` rather
 * than as a wrong glyph. The HTML invoice shows every character.
 */
export function pdfText(text: string): string {
  return [...text.replaceAll('₹', 'INR ')]
    .map((char) => {
      const code = char.codePointAt(0)!;
      if (char === '\n' || (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff)) return char;
      return winAnsiExtras.includes(char) ? char : '?';
    })
    .join('');
}

/**
 * `pdfText` for a field that is one line (a name, an email): its line breaks become spaces.
 * PDFKit starts a new line at every line break, so a name that kept one would draw a line of
 * its own on a tax document ("GSTIN: …" under "Bill to"). Names are refused with line breaks
 * on input; this holds for what was stored before, and for what else may hold one.
 */
export function pdfLine(text: string): string {
  return pdfText(text.replace(/\s+/g, ' ').trim());
}

const pageMargin = 50;
const pageWidth = 595.28; // A4, points
const contentWidth = pageWidth - 2 * pageMargin;

/** What a tax document's PDF shows: an invoice or a credit note, in the same layout. */
interface TaxDocumentPdf {
  readonly title: string;
  readonly number: string;
  readonly issuedAt: string;
  readonly seller: InvoiceView['seller'];
  readonly buyer: InvoiceView['buyer'];
  /** Beside the supplier: number, date, place of supply, … */
  readonly particulars: readonly (readonly [string, string])[];
  readonly lines: readonly {
    readonly description: string;
    readonly period: string | undefined;
    readonly sac: string;
    readonly taxable: Money;
    readonly tax: Money;
    readonly total: Money;
  }[];
  readonly totals: readonly (readonly [string, string])[];
  readonly footnote: string;
}

/** The GST rows of a document's totals, as its split puts them. */
function gstTotals(
  split: InvoiceView['split'],
  rate: number,
  parts: { cgst: Money; sgst: Money; igst: Money },
): [string, string][] {
  return split === 'intra_state'
    ? [
        [`CGST @ ${percentText(rate, 2)}`, amountText(parts.cgst)],
        [`SGST @ ${percentText(rate, 2)}`, amountText(parts.sgst)],
      ]
    : [[`IGST @ ${percentText(rate)}`, amountText(parts.igst)]];
}

/**
 * The invoice as a PDF (A4), with the same fields as the HTML page. The document's dates are
 * the invoice's, so the same invoice always gives the same bytes.
 */
export async function invoicePdf(invoice: InvoiceView): Promise<Buffer> {
  return taxDocumentPdf({
    title: documentTitle(invoice),
    number: invoice.number,
    issuedAt: invoice.issuedAt,
    seller: invoice.seller,
    buyer: invoice.buyer,
    particulars: [
      ['Invoice number', invoice.number],
      ['Invoice date', invoiceDate(invoice.issuedAt)],
      ['Place of supply', `${invoice.placeOfSupply.code}-${invoice.placeOfSupply.name}`],
      ['Reverse charge', 'No'],
    ],
    lines: invoice.lines.map((line) => ({ ...line, period: periodText(line) })),
    totals: [
      ['Taxable value', amountText(invoice.taxable)],
      ...gstTotals(invoice.split, invoice.taxRateBp, invoice),
      ['Total', amountText(invoice.total)],
    ],
    footnote:
      `${invoice.taxInclusive ? 'The price included GST.' : 'GST was added to the price.'} ` +
      `Amounts in ${invoice.total.currency}. This invoice was issued electronically for payment ${invoice.paymentId}.`,
  });
}

/** A credit note as a PDF (A4), in the invoice's layout, naming the invoice it credits. */
export async function creditNotePdf(note: CreditNoteView): Promise<Buffer> {
  const { invoice } = note;
  return taxDocumentPdf({
    title: 'Credit Note',
    number: note.number,
    issuedAt: note.issuedAt,
    seller: invoice.seller,
    buyer: invoice.buyer,
    particulars: [
      ['Credit note number', note.number],
      ['Credit note date', invoiceDate(note.issuedAt)],
      ['Against invoice', `${invoice.number} of ${invoiceDate(invoice.issuedAt)}`],
      ['Place of supply', `${invoice.placeOfSupply.code}-${invoice.placeOfSupply.name}`],
      ['Reverse charge', 'No'],
    ],
    lines: [creditNoteLine(note)],
    totals: [
      ['Taxable value', amountText(note.taxable)],
      ...gstTotals(invoice.split, invoice.taxRateBp, note),
      ['Total credited', amountText(note.total)],
    ],
    footnote:
      `${note.reason}: the value and GST of invoice ${invoice.number} are reduced by these amounts. ` +
      `Amounts in ${note.total.currency}. Issued electronically for refund ${note.refundId}.`,
  });
}

async function taxDocumentPdf(document: TaxDocumentPdf): Promise<Buffer> {
  // Loaded on first use: pdfkit and its font machinery are a large share of start-up time, and
  // most processes (the CLI, most requests) never make a PDF.
  const { default: PDFDocument } = await import('pdfkit');
  const { title } = document;
  const issued = new Date(document.issuedAt);
  const doc = new PDFDocument({
    size: 'A4',
    margin: pageMargin,
    info: {
      Title: pdfText(`${title} ${document.number}`),
      Author: pdfLine(document.seller.legalName),
      CreationDate: issued,
      ModDate: issued,
    },
  });
  const done = new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    doc.on('data', (chunk: Buffer) => chunks.push(chunk));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });

  const { seller, buyer } = document;
  const left = pageMargin;
  const right = pageMargin + contentWidth / 2 + 10;
  const half = contentWidth / 2 - 10;

  doc.font('Helvetica-Bold').fontSize(20).text(title, left, pageMargin);
  doc.moveDown(0.5);
  const top = doc.y;

  // The supplier, left; the document's own particulars, right.
  doc.font('Helvetica-Bold').fontSize(11).text(pdfLine(seller.legalName), left, top, { width: half });
  doc.font('Helvetica').fontSize(10);
  doc.text(pdfText(seller.address), { width: half });
  if (seller.gstin !== null) doc.text(`GSTIN: ${seller.gstin}`, { width: half });
  doc.text(pdfText(`State: ${seller.stateCode}-${seller.stateName}`), { width: half });
  const sellerBottom = doc.y;

  doc.text('', right, top);
  for (const [label, value] of document.particulars) {
    doc.font('Helvetica-Bold').text(`${label}: `, { continued: true, width: half });
    doc.font('Helvetica').text(pdfLine(value), { width: half });
  }
  doc.y = Math.max(sellerBottom, doc.y) + 15;
  doc.font('Helvetica-Bold').fontSize(11).text('Bill to', left, doc.y);
  doc.font('Helvetica').fontSize(10);
  doc.text(pdfLine(buyer.name || buyer.email));
  if (buyer.name) doc.text(pdfLine(buyer.email));
  doc.text(
    pdfText(
      buyer.stateCode === null ? 'State: not given' : `State: ${buyer.stateCode}-${buyer.stateName ?? ''}`,
    ),
  );
  doc.moveDown(1);

  // The lines: description (with the period), SAC, taxable value, GST, total.
  const columns = [
    { label: 'Description', x: left, width: 190, align: 'left' as const },
    { label: 'SAC', x: left + 195, width: 50, align: 'left' as const },
    { label: 'Taxable value', x: left + 250, width: 85, align: 'right' as const },
    { label: 'GST', x: left + 340, width: 70, align: 'right' as const },
    { label: 'Total', x: left + 415, width: contentWidth - 415, align: 'right' as const },
  ];
  const rule = (y: number) =>
    doc
      .moveTo(left, y)
      .lineTo(left + contentWidth, y)
      .lineWidth(0.5)
      .stroke();
  let y = doc.y;
  doc.font('Helvetica-Bold').fontSize(9);
  for (const column of columns)
    doc.text(column.label, column.x, y, { width: column.width, align: column.align });
  y = doc.y + 3;
  rule(y);
  y += 5;
  doc.font('Helvetica').fontSize(9);
  for (const line of document.lines) {
    const { period } = line;
    const cells = [
      period ? `${pdfLine(line.description)}\n${pdfLine(period)}` : pdfLine(line.description),
      line.sac,
      amountText(line.taxable),
      amountText(line.tax),
      amountText(line.total),
    ];
    let bottom = y;
    cells.forEach((text, i) => {
      const column = columns[i]!;
      doc.text(text, column.x, y, { width: column.width, align: column.align });
      bottom = Math.max(bottom, doc.y);
    });
    y = bottom + 5;
  }
  rule(y);
  y += 10;

  // The totals, right-aligned under the table.
  const { totals } = document;
  totals.forEach(([label, value], i) => {
    const last = i === totals.length - 1;
    doc.font(last ? 'Helvetica-Bold' : 'Helvetica').fontSize(last ? 11 : 10);
    doc.text(label, left + 250, y, { width: 160, align: 'right' });
    doc.text(value, left + 415, y, { width: contentWidth - 415, align: 'right' });
    y = doc.y + 4;
  });

  doc.font('Helvetica').fontSize(8).fillColor('#444444');
  doc.text(pdfText(document.footnote), left, y + 20, { width: contentWidth });
  doc.end();
  return done;
}
