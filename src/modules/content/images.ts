import { createHash, randomBytes } from 'node:crypto';
import { mkdir, rename, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError } from '../../kernel/errors.js';
import { imageName, imageTypes, sniffImage, type ImageKind } from './domain.js';

/** The largest image staff may upload. */
export const imageMaxBytes = 10 * 1024 * 1024;

/** An uploaded image, as the admin API answers it. */
export interface StoredImage {
  /** `<sha256 prefix>.<format>`: the same image uploaded twice is one file. */
  readonly name: string;
  readonly type: (typeof imageTypes)[ImageKind];
  readonly bytes: number;
  /** The path readers' browsers load it from, for `<img src>` in a body. */
  readonly path: string;
}

/**
 * The newsroom's images, under `<data dir>/images/<name>`. An image is named by its content's
 * digest, so a name is never reused for other bytes and the file can be cached for ever. Only
 * JPEG, PNG, WebP and GIF are kept, told by their magic bytes (never SVG, which can carry
 * script); each is written under a temporary name and renamed into place, so a file that
 * exists is whole.
 */
export function createImageLibrary(deps: { dataDir: string }) {
  const root = join(deps.dataDir, 'images');
  return {
    async save(bytes: Buffer): Promise<StoredImage> {
      const kind = sniffImage(bytes);
      if (kind === undefined) {
        throw new AppError('validation_failed', 'file: expected a JPEG, PNG, WebP or GIF image.', {
          field: 'file',
        });
      }
      const name = `${createHash('sha256').update(bytes).digest('hex').slice(0, 32)}.${kind}`;
      await mkdir(root, { recursive: true });
      const path = join(root, name);
      const partial = `${path}.${randomBytes(6).toString('hex')}.part`;
      await writeFile(partial, bytes);
      await rename(partial, path);
      return { name, type: imageTypes[kind], bytes: bytes.length, path: `/media/images/${name}` };
    },
    /** The file and type of a stored image, or undefined for a name that is not one. */
    async file(name: string): Promise<{ path: string; type: string } | undefined> {
      const match = imageName.exec(name);
      if (!match) return undefined;
      const path = join(root, name);
      const found = await stat(path).catch(() => undefined);
      if (!found?.isFile()) return undefined;
      return { path, type: imageTypes[match[1] as ImageKind] };
    },
  };
}

export type ImageLibrary = ReturnType<typeof createImageLibrary>;
