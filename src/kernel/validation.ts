import { z } from 'zod';

/**
 * An ISO 8601 date-time with any offset, normalised to UTC with milliseconds
 * (`2026-11-16T03:30:00.000Z`) — the one form stored timestamps take, so that comparing them
 * as text compares instants.
 */
export const isoInstant = z.iso
  .datetime({ offset: true, error: 'expected an ISO 8601 date-time' })
  .transform((value) => new Date(value).toISOString());

/** An article's id (`art_…`) or slug, as URLs carry them. */
export const articleKey = z.string().regex(/^[a-z0-9_-]{1,120}$/, 'expected an article id or slug');
