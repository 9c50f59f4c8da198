import { createHash } from 'node:crypto';
import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Database } from '../../db/schema.js';
import { isUniqueViolation } from '../../db/errors.js';
import type { Clock } from '../../kernel/clock.js';
import { formatDate } from '../../kernel/dates.js';
import { AppError, notFound } from '../../kernel/errors.js';
import { newId, newSecret } from '../../kernel/ids.js';
import type { PublicationService } from '../publication/index.js';
import { LeaseLostError, type JobHandler, type JobQueue, type JobView } from '../queue/index.js';
import {
  editionDate,
  editionName,
  looksLikePdf,
  nameKey,
  shareLifetimeMs,
  stampLine,
  type Edition,
} from './domain.js';
import { PdfToolError, pdfPageCount, renderPage } from './poppler.js';
import * as q from './queries.js';
import { stampPdf } from './stamp.js';
import { editionStorage, exists, partialPath } from './storage.js';

/** The job that draws an edition's pages. */
export const processKind = 'epaper:process';
const processAttempts = 3;

/** The readable page image: this many pixels on its longer side (an A4 page at about 150 dpi). */
const pageSize = 1800;
/** The thumbnail: enough to recognise a front page, too small to read it. */
const thumbSize = 320;

/** An edition as staff see it in the admin API, with its processing job. */
export interface EditionStatusView {
  readonly edition: Edition;
  readonly job: JobView | undefined;
}

/** Who is downloading or sharing: a signed-in reader the paywall has let in. */
export interface EpaperReader {
  readonly accountId: string;
  readonly email: string;
}

export interface EpaperService {
  /**
   * Accepts an uploaded PDF (already on disk at `upload`): checks the date, the name, that the
   * file is a PDF poppler can read and that the day has no edition of that name, then keeps it
   * and queues its processing. The upload is removed whatever happens to it: on refusal
   * nothing is stored.
   */
  accept(input: { date: unknown; name: unknown; upload: string; bytes: number }): Promise<Edition>;
  /** A fresh path to receive an upload at (`accept` then takes it, or `discard` drops it). */
  uploadPath(): Promise<string>;
  discard(upload: string): Promise<void>;
  status(id: string): Promise<EditionStatusView | undefined>;
  /** Any edition, whatever its status (staff). */
  find(id: string): Promise<Edition | undefined>;
  /** An edition readers may see: processed. Not found otherwise. */
  readable(id: string): Promise<Edition>;
  /** Processed editions, newest first; one day's with `date`. */
  list(options?: { date?: string | undefined; limit?: number }): Promise<Edition[]>;
  /** Every edition, newest first (staff). */
  listAll(limit?: number): Promise<Edition[]>;
  /** Today in the publication's calendar (YYYY-MM-DD): the day an edition is usually uploaded for. */
  today(): Promise<string>;
  /** The file of page `n` (1-based) of a readable edition: its image or its thumbnail. */
  pageFile(edition: Edition, n: number, kind: 'page' | 'thumb'): string;
  /** The edition's PDF stamped for `reader` today (made once a day, then served from disk). */
  download(edition: Edition, reader: EpaperReader): Promise<{ path: string; filename: string }>;
  /** A link that opens page `n` for anyone for seven days. */
  share(edition: Edition, n: number, reader: EpaperReader): Promise<{ url: string; expiresAt: string }>;
  /** The page a shared link opens; a forged link is not found, an old one has expired. */
  openShare(token: string): Promise<{ edition: Edition; page: number; expiresAt: string }>;
  /**
   * Forgets shared links that have expired and removes uploads left half-received by a process
   * that died (older than a day): the daily `epaper:tidy` job.
   */
  tidy(): Promise<{ shares: number; uploads: number }>;
  /** Draws the pages of queued editions (given to the queue's worker). */
  readonly handlers: readonly JobHandler<unknown>[];
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** The calendar day of `at` in `timeZone`, as YYYY-MM-DD. */
function dayIn(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

function validation(field: string, message: string): AppError {
  return new AppError('validation_failed', `${field}: ${message}`);
}

export function createEpaperService(deps: {
  db: Kysely<Database>;
  clock: Clock;
  queue: JobQueue;
  publication: PublicationService;
  dataDir: string;
  publicUrl: string;
}): EpaperService {
  const { db, clock, queue } = deps;
  const storage = editionStorage(deps.dataDir);
  const now = () => clock.now().toISOString();
  /** Stamped copies being made now, so two clicks make one. */
  const stamping = new Map<string, Promise<void>>();

  function checked<T>(schema: z.ZodType<T>, field: string, value: unknown): T {
    const parsed = schema.safeParse(value);
    if (parsed.success) return parsed.data;
    throw validation(field, parsed.error.issues.map((issue) => issue.message).join('; '));
  }

  async function headOf(path: string): Promise<Buffer> {
    const file = await open(path, 'r');
    try {
      const buffer = Buffer.alloc(1024);
      const { bytesRead } = await file.read(buffer, 0, 1024, 0);
      return buffer.subarray(0, bytesRead);
    } finally {
      await file.close();
    }
  }

  async function accept(input: { date: unknown; name: unknown; upload: string; bytes: number }) {
    try {
      const date = checked(editionDate, 'date', input.date);
      const name = checked(editionName, 'name', input.name);
      const key = nameKey(name);
      if (input.bytes === 0) throw validation('file', 'the file is empty; expected a PDF');
      if (!looksLikePdf(await headOf(input.upload))) {
        throw validation('file', 'expected a PDF (the file does not start as a PDF does)');
      }
      try {
        await pdfPageCount(input.upload);
      } catch (error) {
        if (error instanceof PdfToolError) {
          throw validation('file', `the PDF is damaged and cannot be read (${error.message})`);
        }
        throw error;
      }
      const duplicate = () =>
        new AppError('conflict', `An edition named ${name} of ${date} exists already.`, { date, name });
      if (await q.editionExists(db, date, key)) throw duplicate();
      const id = newId('epe');
      await storage.adopt(input.upload, id);
      try {
        await db.transaction().execute(async (trx) => {
          await q.insertEdition(trx, { id, date, name, nameKey: key, fileBytes: input.bytes, at: now() });
          const jobId = await queue.enqueue(processKind, { editionId: id }, { key: id, trx });
          await q.setJob(trx, id, jobId);
        });
      } catch (error) {
        await storage.removeEdition(id);
        // Two uploads of the same edition at once: the second finds the first's row here.
        if (isUniqueViolation(error)) throw duplicate();
        throw error;
      }
      return (await q.findEdition(db, id))!;
    } finally {
      await rm(input.upload, { force: true });
    }
  }

  async function readable(id: string): Promise<Edition> {
    const edition = /^epe_[0-9a-z]{26}$/.test(id) ? await q.findEdition(db, id) : undefined;
    if (!edition || edition.status !== 'ready') throw notFound('The e-paper edition');
    return edition;
  }

  function pageFile(edition: Edition, n: number, kind: 'page' | 'thumb'): string {
    if (edition.pageCount === null || !Number.isInteger(n) || n < 1 || n > edition.pageCount) {
      throw notFound(`Page ${n} of this edition`);
    }
    return kind === 'page' ? storage.page(edition.id, n) : storage.thumb(edition.id, n);
  }

  /** Draws page `n` as `kind`, unless a whole file of it is there already (an earlier try). */
  async function draw(edition: Edition, n: number, kind: 'page' | 'thumb'): Promise<void> {
    const target = kind === 'page' ? storage.page(edition.id, n) : storage.thumb(edition.id, n);
    if (await exists(target)) return;
    const base = partialPath(target);
    try {
      await renderPage(storage.pdf(edition.id), n, base, kind === 'page' ? pageSize : thumbSize);
      await rename(`${base}.jpg`, target);
    } finally {
      await rm(`${base}.jpg`, { force: true });
    }
  }

  const processHandler: JobHandler<{ editionId: string }> = {
    kind: processKind,
    maxAttempts: processAttempts,
    parse: (payload) => z.object({ editionId: z.string().min(1) }).parse(payload),
    async run({ editionId }, context) {
      const edition = await q.findEdition(db, editionId);
      // Removed since it was queued, or done by an earlier try that died before reporting.
      if (!edition || edition.status === 'ready') return;
      try {
        await q.recordProgress(db, editionId, { status: 'processing', at: now() });
        const total = await pdfPageCount(storage.pdf(editionId));
        await q.recordProgress(db, editionId, { status: 'processing', pageCount: total, at: now() });
        for (let n = 1; n <= total; n++) {
          await draw(edition, n, 'page');
          await draw(edition, n, 'thumb');
          await q.recordProgress(db, editionId, { status: 'processing', pagesDone: n, at: now() });
          await context.progress({ done: n, total, note: `drew page ${n} of ${total}` });
        }
        await q.recordProgress(db, editionId, { status: 'ready', error: null, at: now() });
      } catch (error) {
        // Another worker has the job now: it records what happens next.
        if (error instanceof LeaseLostError) throw error;
        const message = error instanceof Error ? error.message : String(error);
        await q.recordProgress(db, editionId, {
          status: context.attempt >= processAttempts ? 'failed' : 'processing',
          error: message,
          at: now(),
        });
        throw error;
      }
    },
  };

  async function stamp(edition: Edition, reader: EpaperReader, path: string, day: string) {
    const { name: publicationName, timeZone } = await deps.publication.settings();
    const line = stampLine({
      email: reader.email,
      downloadedOn: formatDate(clock.now(), timeZone),
      publicationName,
      edition,
    });
    const stamped = await stampPdf(await readFile(storage.pdf(edition.id)), line, reader.email);
    const partial = partialPath(path);
    await storage.ensureStampedDir(edition.id);
    await storage.pruneStamped(edition.id, day);
    try {
      await writeFile(partial, stamped);
      await rename(partial, path);
    } finally {
      await rm(partial, { force: true });
    }
  }

  return {
    accept,
    uploadPath: () => storage.uploadPath(),
    discard: (upload) => rm(upload, { force: true }),
    async status(id) {
      const edition = await q.findEdition(db, id);
      if (!edition) return undefined;
      return { edition, job: edition.jobId === null ? undefined : await queue.get(edition.jobId) };
    },
    find: (id) => q.findEdition(db, id),
    readable,
    list: (options = {}) => q.listReady(db, { date: options.date, limit: options.limit ?? 60 }),
    listAll: (limit = 100) => q.listAll(db, limit),
    today: async () => dayIn(clock.now(), (await deps.publication.settings()).timeZone),
    pageFile,
    async download(edition, reader) {
      const { timeZone } = await deps.publication.settings();
      const day = dayIn(clock.now(), timeZone);
      // The address is part of the key: a reader who changes it gets a copy with the new one.
      const path = storage.stamped(edition.id, `${reader.accountId}|${reader.email}`, day);
      if (!(await exists(path))) {
        let making = stamping.get(path);
        if (!making) {
          making = stamp(edition, reader, path, day).finally(() => stamping.delete(path));
          stamping.set(path, making);
        }
        await making;
      }
      const slug = edition.name
        .toLowerCase()
        .replace(/[^a-z0-9]+/g, '-')
        .replace(/^-|-$/g, '');
      return { path, filename: `epaper-${edition.date}-${slug || 'edition'}.pdf` };
    },
    async share(edition, n, reader) {
      pageFile(edition, n, 'page');
      const token = newSecret(24);
      const at = clock.now();
      const expiresAt = new Date(at.getTime() + shareLifetimeMs).toISOString();
      await q.insertShare(db, {
        id: newId('eps'),
        tokenHash: hashToken(token),
        editionId: edition.id,
        page: n,
        accountId: reader.accountId,
        expiresAt,
        at: at.toISOString(),
      });
      return { url: `${deps.publicUrl}/epaper/shared/${token}`, expiresAt };
    },
    async openShare(token) {
      const share = /^[A-Za-z0-9_-]{32}$/.test(token) ? await q.findShare(db, hashToken(token)) : undefined;
      if (!share) {
        throw new AppError(
          'not_found',
          'This shared e-paper link is not valid. Check that it was copied whole.',
        );
      }
      if (share.expiresAt <= now()) {
        throw new AppError(
          'expired',
          'This shared e-paper page has expired: shared pages open for 7 days. Subscribers can read every page of the e-paper.',
          { expiredAt: share.expiresAt },
        );
      }
      const edition = await q.findEdition(db, share.editionId);
      if (!edition || edition.status !== 'ready') throw notFound('The shared e-paper page');
      return { edition, page: share.page, expiresAt: share.expiresAt };
    },
    async tidy() {
      const at = clock.now();
      const shares = await q.deleteExpiredShares(db, at.toISOString());
      const uploads = await storage.removeUploadsBefore(new Date(at.getTime() - 24 * 60 * 60 * 1000));
      return { shares, uploads };
    },
    handlers: [processHandler],
  };
}
