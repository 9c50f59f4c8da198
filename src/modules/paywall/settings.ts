import { z } from 'zod';
import { templateIssueMarker } from '../settings/index.js';
import { checkTemplate } from './copy.js';

const template = (fallback: string) =>
  z
    .string()
    .max(5000)
    .superRefine((source, ctx) => {
      const check = checkTemplate(source);
      if (!check.ok) {
        ctx.addIssue({
          code: 'custom',
          message: `invalid template: ${check.problem}`,
          params: { [templateIssueMarker]: true },
        });
      }
    })
    .default(fallback);

export const defaultLimitTemplate =
  "<p><strong>You've reached your limit of {{ free_limit }} free articles this month.</strong></p>\n" +
  '<p>Subscribe now for unlimited access.</p>\n' +
  '<p>Already subscribed? <a href="{{ login_url }}">Log in</a></p>';

export const defaultPremiumTemplate =
  '<p><strong>This is a premium story, for subscribers of {{ publication_name }}.</strong></p>\n' +
  '<p>Subscribe now for unlimited access to every story.</p>\n' +
  '<p>Already subscribed? <a href="{{ login_url }}">Log in</a></p>';

export const defaultBannerTemplate =
  '{% if reread %}You have read this article before this month, so it did not count. {% endif %}' +
  '{% if remaining > 0 %}You have {{ remaining }} of {{ free_limit }} free articles left this month.' +
  '{% elsif reread %}Your {{ free_limit }} free articles renew on {{ resets_on }}.' +
  '{% else %}This is your last free article this month. Your free articles renew on {{ resets_on }}.{% endif %}';

export const defaultBenefitTemplate =
  '<p><strong>{% if archive %}This story is from our archive.{% else %}This story is part of {{ required_benefits }}.{% endif %}</strong></p>\n' +
  '<p>To read it you need {{ required_benefits }}{% if plan_names != "" %}, included in {{ plan_names }}{% endif %}.</p>\n' +
  '<p>Already subscribed? <a href="{{ login_url }}">Log in</a></p>';

/** The most paragraphs a teaser may show (`paywall.teaserParagraphs`); what is stored per article. */
export const maxTeaserParagraphs = 5;

const sectionSlug = z.string().regex(/^[a-z0-9-]{1,60}$/, 'expected a section slug');

/**
 * The meter: how many free metered articles a reader gets a month, the banner copy, and the
 * sections whose metered articles do not count (`uncountedSections`, section slugs: read free
 * by everyone, consuming nothing). Every section counts by default, and so does a section made
 * later: a marketer lists the exceptions. Slugs that name no section are refused when saved
 * (the settings' `check`, against the content module's sections).
 */
export const meterSettingsSchema = z
  .object({
    freeLimit: z.number().int().min(0).max(1000).default(5),
    bannerTemplate: template(defaultBannerTemplate),
    uncountedSections: z
      .array(sectionSlug)
      .max(200)
      .transform((slugs) => [...new Set(slugs)])
      .default([]),
  })
  .strict();

/**
 * The paywall copy: `template` when the meter is used up, `premiumTemplate` on premium stories,
 * `benefitTemplate` on an article of a premium vertical or of the archive (it names what is
 * needed, `required_benefits`, and the plans that include it, `plan_names`). And the teaser a
 * refused reader sees: its opening image and the first `teaserParagraphs` paragraphs (1 to 5;
 * a line parted by a line break counts as a paragraph, a very long one is cut to an excerpt).
 */
export const paywallSettingsSchema = z
  .object({
    teaserParagraphs: z.number().int().min(1).max(maxTeaserParagraphs).default(1),
    template: template(defaultLimitTemplate),
    premiumTemplate: template(defaultPremiumTemplate),
    benefitTemplate: template(defaultBenefitTemplate),
  })
  .strict();

/** The archive: articles older than `freeDays` days need the `archives` benefit. */
export const archiveSettingsSchema = z
  .object({ freeDays: z.number().int().min(0).max(36_500).default(30) })
  .strict();

export type MeterSettings = z.output<typeof meterSettingsSchema>;
export type PaywallSettings = z.output<typeof paywallSettingsSchema>;
export type ArchiveSettings = z.output<typeof archiveSettingsSchema>;

/**
 * What the meter's schema cannot see: every slug a change lists in `uncountedSections` must name
 * a section (`sections`: the content module's). A mistyped slug would otherwise leave its
 * section counting without a word. Only the slugs the change gives are checked, so a section
 * removed since does not block the next change of the free limit.
 */
export function meterSettingsCheck(sections: () => Promise<readonly { readonly slug: string }[]>) {
  return async (_value: unknown, given: Readonly<Record<string, unknown>>): Promise<string[]> => {
    const listed = given.uncountedSections;
    if (!Array.isArray(listed) || listed.length === 0) return [];
    const known = new Set((await sections()).map((section) => section.slug));
    const unknown = listed.filter((slug) => !known.has(String(slug))).map(String);
    if (unknown.length === 0) return [];
    const names = [...known].join(', ') || 'none yet';
    return [`uncountedSections: no section ${unknown.join(', ')} (sections: ${names})`];
  };
}
