import { z } from 'zod';
import { singleLine } from '../../kernel/validation.js';

/** `queued` until the worker takes it, `processing` while pages are drawn, then `ready` or `failed`. */
export type EditionStatus = 'queued' | 'processing' | 'ready' | 'failed';

/** One edition of the e-paper: a day's PDF for one place ("Mumbai", "New Delhi"). */
export interface Edition {
  readonly id: string;
  /** YYYY-MM-DD, in the publication's calendar. */
  readonly date: string;
  readonly name: string;
  readonly status: EditionStatus;
  /** Known once processing has read the PDF. */
  readonly pageCount: number | null;
  /** Pages drawn so far (page image and thumbnail). */
  readonly pagesDone: number;
  /** Why processing failed (its last try), when it did. */
  readonly error: string | null;
  /** The queue's job that processes the edition. */
  readonly jobId: string | null;
  readonly fileBytes: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A calendar day that exists: 2026-02-30 is refused, not rolled over into March. */
export const editionDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')
  .refine((value) => {
    const day = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === value;
  }, 'expected a real calendar date as YYYY-MM-DD');

export const editionName = singleLine(
  z
    .string()
    .trim()
    .min(1, 'expected the edition’s name, such as Mumbai')
    .max(60, 'expected at most 60 characters'),
);

/** How "Mumbai" is compared with "mumbai ": the same edition of a day. */
export const nameKey = (name: string) => name.trim().replace(/\s+/g, ' ').toLowerCase();

/** A page number within an edition: 1 to `pageCount`. */
export const pageNumber = z.coerce
  .number()
  .int('expected a page number')
  .min(1, 'expected a page number from 1');

/** A shared page opens for anyone for this long. */
export const shareLifetimeMs = 7 * 24 * 60 * 60 * 1000;

/** Every PDF starts with this (within its first kilobyte, the specification allows). */
export function looksLikePdf(head: Buffer): boolean {
  return head.subarray(0, 1024).includes('%PDF-');
}

/** The line stamped along the foot of every page of a downloaded copy. */
export function stampLine(input: {
  email: string;
  downloadedOn: string;
  publicationName: string;
  edition: Edition;
}): string {
  return `${input.publicationName} e-paper, ${input.edition.name} edition of ${input.edition.date}. Downloaded by ${input.email} on ${input.downloadedOn}. For personal use only.`;
}

/** The status staff see for an edition's processing. */
export function progressOf(edition: Edition): { done: number; total: number | null } {
  return { done: edition.pagesDone, total: edition.pageCount };
}
