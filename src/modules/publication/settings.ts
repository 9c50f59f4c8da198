import { z } from 'zod';
import { isTimeZone } from '../../kernel/dates.js';
import { singleLine } from '../../kernel/validation.js';

/**
 * The publication's identity: its name, the time zone its months and dates follow, and where
 * mail for its staff goes (warnings such as partner codes running low; never shown to readers).
 */
export const publicationSettingsSchema = z
  .object({
    name: singleLine(z.string().trim().min(1).max(120)).default('The Daily Ledger'),
    timeZone: z
      .string()
      .refine(isTimeZone, 'expected an IANA time zone such as Asia/Kolkata')
      .default('Asia/Kolkata'),
    /** The staff's address for the site's warnings; null: none are mailed (the admin API still shows them). */
    staffEmail: z.email('expected an email address').max(254).nullable().default(null),
  })
  .strict();

export type PublicationSettings = z.output<typeof publicationSettingsSchema>;
export const publicationSettingsKey = 'publication';
