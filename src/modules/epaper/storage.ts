import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Where the e-paper's files live, under `<data dir>/epaper/`:
 *
 * ```
 * uploads/<random>.pdf        an upload being received and checked (removed if refused)
 * <edition id>/edition.pdf    the PDF as staff uploaded it
 * <edition id>/pages/<n>.jpg  the readable image of page n
 * <edition id>/thumbs/<n>.jpg its thumbnail
 * <edition id>/stamped/…      downloaded copies stamped for a reader, kept for the day
 * ```
 *
 * Every file is written under a temporary name and renamed into place, so a file that exists is
 * whole: a crash half-way through a page leaves no page that looks drawn.
 */
export function editionStorage(dataDir: string) {
  const root = join(dataDir, 'epaper');
  const uploads = join(root, 'uploads');
  const editionDir = (id: string) => join(root, id);
  return {
    root,
    /** A fresh path for an incoming upload (its directory made). */
    async uploadPath(): Promise<string> {
      await mkdir(uploads, { recursive: true });
      return join(uploads, `${randomBytes(12).toString('hex')}.pdf`);
    },
    editionDir,
    pdf: (id: string) => join(editionDir(id), 'edition.pdf'),
    page: (id: string, n: number) => join(editionDir(id), 'pages', `${n}.jpg`),
    thumb: (id: string, n: number) => join(editionDir(id), 'thumbs', `${n}.jpg`),
    /** The stamped copy for `reader` on `day`: the reader's id is hashed into the name. */
    stamped: (id: string, reader: string, day: string) =>
      join(
        editionDir(id),
        'stamped',
        `${day}-${createHash('sha256').update(reader).digest('hex').slice(0, 32)}.pdf`,
      ),
    /** Moves an accepted upload to its edition's directory. */
    async adopt(upload: string, id: string): Promise<void> {
      await mkdir(join(editionDir(id), 'pages'), { recursive: true });
      await mkdir(join(editionDir(id), 'thumbs'), { recursive: true });
      await rename(upload, join(editionDir(id), 'edition.pdf'));
    },
    async ensureStampedDir(id: string): Promise<void> {
      await mkdir(join(editionDir(id), 'stamped'), { recursive: true });
    },
    async removeEdition(id: string): Promise<void> {
      await rm(editionDir(id), { recursive: true, force: true });
    },
    /** Uploads last written before `before`: a process died receiving them. */
    async removeUploadsBefore(before: Date): Promise<number> {
      const names = await readdir(uploads).catch(() => [] as string[]);
      let removed = 0;
      for (const name of names) {
        const path = join(uploads, name);
        const info = await stat(path).catch(() => undefined);
        if (info && info.mtime < before) {
          await rm(path, { force: true });
          removed++;
        }
      }
      return removed;
    },
    /** Stamped copies of days other than `day`: they are not asked for again. */
    async pruneStamped(id: string, day: string): Promise<void> {
      const dir = join(editionDir(id), 'stamped');
      const names = await readdir(dir).catch(() => [] as string[]);
      await Promise.all(
        names
          .filter((name) => !name.startsWith(`${day}-`))
          .map((name) => rm(join(dir, name), { force: true })),
      );
    },
  };
}

export type EditionStorage = ReturnType<typeof editionStorage>;

/** Whether a (whole) file is at `path`. */
export async function exists(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** A temporary name beside `path`, for writing before the rename into place. */
export const partialPath = (path: string) => `${path}.${randomBytes(6).toString('hex')}.part`;
