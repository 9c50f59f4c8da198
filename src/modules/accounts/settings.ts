import { z } from 'zod';

/** How many devices an account may be signed in on at once. */
export const accountSettingsSchema = z
  .object({
    deviceLimit: z.number().int().min(1).max(100).default(5),
  })
  .strict();

export const accountSettingsKey = 'accounts';
