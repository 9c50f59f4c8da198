import { z } from 'zod';
import { singleLine } from '../../kernel/validation.js';
import type { SettingsStore } from '../settings/index.js';
import { gstinProblem } from './gstin.js';
import { isStateCode } from './states.js';

export const billingSettingsKey = 'billing';

/** An address as lines: each trimmed, blank ones dropped, joined by newlines. */
const address = z
  .string()
  .max(500)
  .transform((text) =>
    text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== '')
      .join('\n'),
  )
  .pipe(z.string().min(1, 'expected the registered address'));

/** A GSTIN, upper-cased; empty or null when the publisher is not registered. */
const gstin = z
  .string()
  .trim()
  .toUpperCase()
  .transform((value) => (value === '' ? null : value))
  .superRefine((value, ctx) => {
    const problem = value === null ? undefined : gstinProblem(value);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  })
  .nullable();

/**
 * The publisher as a GST supplier, and how prices are taxed. Every invoice snapshots these at
 * issue time; changing them changes later invoices only.
 *
 * The defaults are the demo newsroom's: its GSTIN is made up, with a valid check character.
 */
export const billingSettingsSchema = z
  .object({
    legalName: singleLine(z.string().trim().min(1).max(200)).default('The Daily Ledger Media Pvt Ltd'),
    address: address.default('4th Floor, Ledger House\nNariman Point\nMumbai, Maharashtra 400021'),
    gstin: gstin.default('27AABCD1234E1Z8'),
    stateCode: z
      .string()
      .refine(isStateCode, 'expected a GST state code such as 27 (Maharashtra)')
      .default('27'),
    /** Services Accounting Code; 998431 is "on-line text based information such as online books, newspapers". */
    sac: z
      .string()
      .regex(/^\d{6}$/, 'expected a 6-digit SAC')
      .default('998431'),
    /** Basis points: 1800 is 18%. */
    taxRateBp: z.number().int().min(0).max(10_000).default(1800),
    /** True: displayed prices include GST. False: GST is added on top at checkout. */
    taxInclusive: z.boolean().default(true),
    invoicePrefix: z
      .string()
      .regex(/^[A-Za-z0-9]{1,4}$/, 'expected 1 to 4 letters or digits')
      .default('INV'),
    /** Credit notes are numbered in a series of their own: a prefix unlike the invoices'. */
    creditNotePrefix: z
      .string()
      .regex(/^[A-Za-z0-9]{1,4}$/, 'expected 1 to 4 letters or digits')
      .default('CN'),
  })
  .strict()
  .superRefine((settings, ctx) => {
    if (settings.gstin !== null && settings.gstin.slice(0, 2) !== settings.stateCode) {
      ctx.addIssue({
        code: 'custom',
        path: ['stateCode'],
        message: `the GSTIN ${settings.gstin} is registered in state ${settings.gstin.slice(0, 2)}, not ${settings.stateCode}`,
      });
    }
    if (settings.creditNotePrefix.toUpperCase() === settings.invoicePrefix.toUpperCase()) {
      ctx.addIssue({
        code: 'custom',
        path: ['creditNotePrefix'],
        message: 'credit notes are numbered apart from invoices: give them a prefix unlike invoicePrefix',
      });
    }
    // Only a registered supplier may collect GST; without a GSTIN there is no tax to charge.
    if (settings.gstin === null && settings.taxRateBp > 0) {
      ctx.addIssue({
        code: 'custom',
        path: ['gstin'],
        message: 'a publisher without a GSTIN cannot charge GST: set a GSTIN, or taxRateBp to 0',
      });
    }
  });

export type BillingSettings = z.output<typeof billingSettingsSchema>;

/** The billing settings as stored, or their defaults. */
export function readBillingSettings(store: SettingsStore): Promise<BillingSettings> {
  return store.read(billingSettingsKey, billingSettingsSchema);
}
