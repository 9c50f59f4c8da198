import { execFile } from 'node:child_process';

/**
 * Debian's poppler-utils (`pdfinfo`, `pdftoppm`), run as programs: no shell, a time limit, and
 * a bounded output. Masthead reads no PDF itself; what poppler cannot open is a broken PDF.
 */

/** A PDF poppler could not read, or a page it could not draw. */
export class PdfToolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PdfToolError';
  }
}

function run(program: string, args: readonly string[], timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      program,
      args,
      { timeout: timeoutMs, maxBuffer: 1024 * 1024, encoding: 'utf8', killSignal: 'SIGKILL' },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
          return reject(new Error(`${program} is not installed (Debian: apt-get install poppler-utils)`));
        }
        const why = error.killed
          ? `took longer than ${timeoutMs} ms`
          : stderr.trim().split('\n')[0] || error.message;
        reject(new PdfToolError(`${program}: ${why}`));
      },
    );
  });
}

/** The page count of the PDF at `path`; a PdfToolError when poppler cannot read it. */
export async function pdfPageCount(path: string, timeoutMs = 30_000): Promise<number> {
  const info = await run('pdfinfo', [path], timeoutMs);
  const pages = /^Pages:\s+(\d+)\s*$/m.exec(info)?.[1];
  if (pages === undefined || Number(pages) < 1) throw new PdfToolError('pdfinfo: the PDF has no pages');
  return Number(pages);
}

/**
 * Draws page `page` of the PDF at `path` as a JPEG at `outputBase + '.jpg'`: `scaleTo` pixels
 * on its longer side. pdftoppm names the file itself (`-singlefile` keeps it to that name).
 */
export async function renderPage(
  path: string,
  page: number,
  outputBase: string,
  scaleTo: number,
  timeoutMs = 60_000,
): Promise<void> {
  await run(
    'pdftoppm',
    [
      '-f',
      String(page),
      '-l',
      String(page),
      '-singlefile',
      '-jpeg',
      '-jpegopt',
      'quality=82',
      '-scale-to',
      String(scaleTo),
      path,
      outputBase,
    ],
    timeoutMs,
  );
}
