import { execFileSync } from 'node:child_process';
import type { LightMyRequestResponse } from 'fastify';
import type { TestApp } from './build-app.js';

/** A PDF of `pages` pages, each saying which page it is (drawn by pdfkit, as the demo's are). */
export async function aPdf(pages = 3, label = 'Test edition'): Promise<Buffer> {
  const { default: PDFDocument } = await import('pdfkit');
  const doc = new PDFDocument({ size: 'A4', autoFirstPage: false });
  const chunks: Buffer[] = [];
  doc.on('data', (chunk: Buffer) => chunks.push(chunk));
  const done = new Promise<Buffer>((resolve) => doc.on('end', () => resolve(Buffer.concat(chunks))));
  for (let n = 1; n <= pages; n++) {
    doc.addPage();
    doc.fontSize(30).text(`${label}, page ${n}`, 72, 72);
    doc.fontSize(12).text('Lorem ipsum dolor sit amet. '.repeat(40), { width: 450 });
  }
  doc.end();
  return done;
}

/** A multipart/form-data body with `fields` and, optionally, one file. */
export function multipart(
  fields: Record<string, string>,
  file?: { field?: string; filename: string; type: string; content: Buffer },
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----masthead${Math.random().toString(16).slice(2)}`;
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  if (file) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${file.field ?? 'file'}"; filename="${file.filename}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
      file.content,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(parts),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

/** Uploads an edition through the admin API, as staff would. */
export async function uploadEdition(
  t: TestApp,
  input: { date: string; name: string; content: Buffer; filename?: string; type?: string },
): Promise<LightMyRequestResponse> {
  const body = multipart(
    { date: input.date, name: input.name },
    {
      filename: input.filename ?? 'edition.pdf',
      type: input.type ?? 'application/pdf',
      content: input.content,
    },
  );
  return t.app.inject({
    method: 'POST',
    url: '/api/admin/v1/epaper/editions',
    payload: body.payload,
    headers: { ...body.headers, ...t.admin },
  });
}

/** The text of a PDF, page by page, as poppler's pdftotext reads it. */
export function pdfPages(pdf: Buffer): string[] {
  const text = execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf, encoding: 'utf8' });
  return text.split('\f').filter((page, i, all) => i < all.length - 1 || page.trim() !== '');
}
