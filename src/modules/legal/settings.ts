import { z } from 'zod';
import { disallowedMarkup } from './copy.js';

export const legalSettingsKey = 'legal';

/** The policy pages, each with its path, title and the footer's name for it. */
export const policyPages = [
  { key: 'terms', path: '/terms', title: 'Terms of subscription', link: 'Terms' },
  { key: 'privacy', path: '/privacy', title: 'Privacy policy', link: 'Privacy' },
  { key: 'refunds', path: '/refunds', title: 'Refund and cancellation policy', link: 'Refunds' },
  { key: 'contact', path: '/contact', title: 'Contact us', link: 'Contact' },
] as const;
export type PolicyKey = (typeof policyPages)[number]['key'];

const defaults: Record<PolicyKey, string> = {
  terms: [
    '<p>These terms apply to a digital subscription bought on this site.</p>',
    '<h2>Your subscription</h2>',
    '<p>A subscription gives the account that bought it access to every story for the term of the plan chosen. It is for your own use: please do not share your sign-in.</p>',
    '<h2>Automatic renewal</h2>',
    '<p>Every plan renews automatically at the end of each term, at the price then shown, until you cancel. We write to you before each renewal is charged. You can cancel at any time from your account page; you keep access until the end of the term you have paid for.</p>',
    '<h2>Prices and invoices</h2>',
    '<p>Prices include the taxes shown at checkout. An invoice for each payment is on your account page.</p>',
    '<h2>Changes</h2>',
    '<p>If these terms or a price change, we tell subscribers by email before the change applies to their next renewal.</p>',
  ].join('\n'),
  privacy: [
    '<p>This policy says what we keep about readers and why.</p>',
    '<h2>What we keep</h2>',
    '<ul><li>Your account: email address, name and password (stored only as a hash).</li>',
    '<li>The devices you are signed in on, so you can see and end them.</li>',
    '<li>How many free articles you have read this month, to run the meter.</li>',
    '<li>Your subscription, payments and invoices. Card details stay with the payment provider; we never see or keep your card number.</li></ul>',
    '<h2>Your choices</h2>',
    '<p>From your account page you can download a copy of everything we keep about you, and delete your account.</p>',
  ].join('\n'),
  refunds: [
    '<p>You can cancel your subscription at any time from your account page. It then does not renew, and you keep access until the end of the term already paid for.</p>',
    '<h2>Refunds</h2>',
    '<p>If you were charged for a renewal you did not want, write to us within 7 days of the charge and we will refund it in full. Payments for a term already under way are otherwise not refunded.</p>',
    '<p>A refund goes back to the card or account you paid with, usually within 5 to 10 working days.</p>',
  ].join('\n'),
  contact: [
    '<p>For help with your subscription, a payment or your account, reply to any email we have sent you, or write to the address on your invoice.</p>',
    '<p>Please include the email address of your account, and the invoice number if your question is about a payment.</p>',
  ].join('\n'),
};

const copy = (fallback: string) =>
  z
    .string()
    .max(20_000)
    .superRefine((html, ctx) => {
      const removed = disallowedMarkup(html);
      if (removed.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `not allowed in policy copy (it would be removed): ${removed.join(', ')}; allowed: h2, h3, p, ul, ol, li, strong, em, b, i, br and links (http, https, mailto, tel)`,
        });
      }
    })
    .default(fallback);

/** The policy pages' copy, in light HTML: `{"legal": {"terms": "<p>…</p>"}}`. */
export const legalSettingsSchema = z
  .object({
    terms: copy(defaults.terms),
    privacy: copy(defaults.privacy),
    refunds: copy(defaults.refunds),
    contact: copy(defaults.contact),
  })
  .strict();

export type LegalSettings = z.output<typeof legalSettingsSchema>;
