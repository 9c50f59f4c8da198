import { z } from 'zod';
import { isTimeZone } from '../../kernel/dates.js';
import { singleLine } from '../../kernel/validation.js';

/** The publication's identity: its name and the time zone its months and dates follow. */
export const publicationSettingsSchema = z
  .object({
    name: singleLine(z.string().trim().min(1).max(120)).default('The Daily Ledger'),
    timeZone: z
      .string()
      .refine(isTimeZone, 'expected an IANA time zone such as Asia/Kolkata')
      .default('Asia/Kolkata'),
  })
  .strict();

export type PublicationSettings = z.output<typeof publicationSettingsSchema>;
export const publicationSettingsKey = 'publication';
