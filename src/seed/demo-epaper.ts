import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import type { DemoArticle } from './demo-article.js';

/** The demo's two editions of one morning, each laid out from the demo newsroom's stories. */
export const demoEditions = [
  { name: 'Mumbai', lead: 'markets' },
  { name: 'New Delhi', lead: 'politics' },
] as const;

// WinAnsi, the encoding of PDF's standard fonts: anything else is drawn as its nearest ASCII.
const winAnsiExtras = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';
function winAnsi(text: string): string {
  return [...text.replaceAll('₹', 'Rs ')]
    .map((char) => {
      const code = char.codePointAt(0)!;
      if (char === '\n' || (code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff)) return char;
      return winAnsiExtras.includes(char) ? char : '?';
    })
    .join('');
}

const pageWidth = 595.28; // A4, points
const pageHeight = 841.89;
const margin = 32;
const gap = 14;
const columnWidth = (pageWidth - 2 * margin - 2 * gap) / 3;

type Doc = PDFKit.PDFDocument;

/** One story in a box: headline, byline, standfirst and as much of the text as fits. */
function story(
  doc: Doc,
  article: DemoArticle,
  box: { x: number; y: number; width: number; height: number },
  size: number,
) {
  const bottom = box.y + box.height;
  doc
    .font('Times-Bold')
    .fontSize(size)
    .fillColor('#111')
    .text(winAnsi(article.headline), box.x, box.y, { width: box.width });
  doc
    .font('Helvetica')
    .fontSize(7)
    .fillColor('#555')
    .text(winAnsi(`By ${article.byline}`.toUpperCase()), { width: box.width });
  doc.moveDown(0.3);
  doc
    .font('Times-Italic')
    .fontSize(9)
    .fillColor('#333')
    .text(winAnsi(article.standfirst), { width: box.width });
  doc.moveDown(0.3);
  const rest = bottom - doc.y;
  if (rest > 20) {
    doc
      .font('Times-Roman')
      .fontSize(8.5)
      .fillColor('#111')
      .text(winAnsi(article.paragraphs.join('\n')), box.x, doc.y, {
        width: box.width,
        height: rest,
        ellipsis: true,
        paragraphGap: 3,
        align: 'justify',
      });
  }
}

function rule(doc: Doc, y: number) {
  doc
    .moveTo(margin, y)
    .lineTo(pageWidth - margin, y)
    .lineWidth(0.6)
    .strokeColor('#222')
    .stroke();
}

/**
 * A demo edition as a newspaper PDF (A4, four pages): the masthead and the lead story over
 * three more on the front page, then a page each of politics and the world, markets and
 * technology, and opinion. The demo articles are the copy, so the e-paper reads like the site.
 */
export async function demoEditionPdf(
  path: string,
  input: {
    publicationName: string;
    edition: (typeof demoEditions)[number];
    date: string;
    dateText: string;
    articles: readonly DemoArticle[];
  },
): Promise<void> {
  const { default: PDFDocument } = await import('pdfkit');
  const created = new Date(`${input.date}T00:00:00.000Z`);
  const doc = new PDFDocument({
    size: 'A4',
    margin,
    autoFirstPage: false,
    info: {
      Title: winAnsi(`${input.publicationName}, ${input.edition.name} edition, ${input.dateText}`),
      CreationDate: created,
      ModDate: created,
    },
  });
  const output = createWriteStream(path);
  doc.pipe(output);
  const newest = [...input.articles].sort((a, b) => b.publishedAt.localeCompare(a.publishedAt));
  const of = (...sections: string[]) => newest.filter((article) => sections.includes(article.section));

  const header = (label: string, pageNo: number) => {
    doc.addPage();
    doc.font('Helvetica').fontSize(7).fillColor('#555');
    doc.text(
      winAnsi(`${input.publicationName} · ${input.edition.name} · ${input.dateText}`),
      margin,
      margin - 14,
      {
        width: pageWidth - 2 * margin,
      },
    );
    doc.text(`Page ${pageNo}`, margin, margin - 14, { width: pageWidth - 2 * margin, align: 'right' });
    doc.font('Helvetica-Bold').fontSize(13).fillColor('#8a1c1c').text(label.toUpperCase(), margin, margin);
    rule(doc, doc.y + 2);
    return doc.y + 10;
  };
  /** Six stories on a page: two rows of three columns. */
  const sixUp = (articles: readonly DemoArticle[], top: number) => {
    const rowHeight = (pageHeight - margin - top - gap) / 2;
    articles.slice(0, 6).forEach((article, i) => {
      const x = margin + (i % 3) * (columnWidth + gap);
      const y = top + Math.floor(i / 3) * (rowHeight + gap);
      story(doc, article, { x, y, width: columnWidth, height: rowHeight }, 12);
    });
  };

  // The front page: masthead, the lead across the page, three stories beneath.
  doc.addPage();
  doc
    .font('Times-Bold')
    .fontSize(40)
    .fillColor('#111')
    .text(winAnsi(input.publicationName), margin, margin, {
      width: pageWidth - 2 * margin,
      align: 'center',
    });
  doc.font('Helvetica').fontSize(8).fillColor('#333');
  doc.text(winAnsi(`${input.edition.name} edition · ${input.dateText} · e-paper`), {
    width: pageWidth - 2 * margin,
    align: 'center',
  });
  rule(doc, doc.y + 4);
  const lead = of(input.edition.lead)[0] ?? newest[0]!;
  const leadTop = doc.y + 14;
  story(doc, lead, { x: margin, y: leadTop, width: pageWidth - 2 * margin, height: 330 }, 24);
  const belowTop = leadTop + 345;
  rule(doc, belowTop - 8);
  const front = newest
    .filter((article) => article !== lead)
    .filter((article, i, all) => all.findIndex((a) => a.section === article.section) === i)
    .slice(0, 3);
  front.forEach((article, i) => {
    story(
      doc,
      article,
      {
        x: margin + i * (columnWidth + gap),
        y: belowTop,
        width: columnWidth,
        height: pageHeight - margin - belowTop,
      },
      13,
    );
  });

  // The inner pages carry what the front page did not.
  const inner = (...sections: string[]) => of(...sections).filter((a) => a !== lead && !front.includes(a));
  sixUp(inner('politics', 'world'), header('Nation & World', 2));
  sixUp(inner('markets', 'technology'), header('Business & Technology', 3));
  sixUp(inner('opinion'), header('Opinion', 4));

  doc.end();
  await finished(output);
}
