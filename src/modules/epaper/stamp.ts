import { PDFDocument, StandardFonts, rgb, degrees } from 'pdf-lib';

// WinAnsi, the encoding of PDF's standard fonts: Latin-1 and a few typographic extras. An
// address outside it (an internationalised one) is drawn with `?` for what the font lacks.
const winAnsiExtras = '€‚ƒ„…†‡ˆ‰Š‹ŒŽ‘’“”•–—˜™š›œžŸ';
function winAnsi(text: string): string {
  return [...text.replace(/\s+/g, ' ')]
    .map((char) => {
      const code = char.codePointAt(0)!;
      if ((code >= 0x20 && code <= 0x7e) || (code >= 0xa0 && code <= 0xff)) return char;
      return winAnsiExtras.includes(char) ? char : '?';
    })
    .join('');
}

/**
 * The edition's PDF with `line` stamped along the foot of every page, and the reader's address
 * faintly across it: a copy that is passed on says whose it was. The pages themselves are
 * copied as they are (text stays text, and searchable).
 */
export async function stampPdf(source: Uint8Array, line: string, email: string): Promise<Uint8Array> {
  const pdf = await PDFDocument.load(source, { updateMetadata: false });
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const footer = winAnsi(line);
  const mark = winAnsi(email);
  for (const page of pdf.getPages()) {
    const { width, height } = page.getSize();
    // The footer fits the page's width: smaller type on a narrow page, never off its edge.
    const size = Math.max(4, Math.min(8, (8 * (width - 24)) / font.widthOfTextAtSize(footer, 8)));
    page.drawRectangle({ x: 0, y: 0, width, height: size + 8, color: rgb(1, 1, 1), opacity: 0.85 });
    page.drawText(footer, { x: 12, y: 4, size, font, color: rgb(0.25, 0.25, 0.25) });
    const markSize = Math.min(
      28,
      (0.8 * Math.hypot(width, height)) / Math.max(1, font.widthOfTextAtSize(mark, 1)),
    );
    page.drawText(mark, {
      x: width * 0.12,
      y: height * 0.12,
      size: markSize,
      font,
      color: rgb(0.6, 0.6, 0.6),
      opacity: 0.18,
      rotate: degrees((Math.atan2(height, width) * 180) / Math.PI),
    });
  }
  return pdf.save();
}
