import type { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { roleMayUse, type StaffRole } from '../../kernel/staff-access.js';
import type { SettingsStore } from './store.js';

/** A named part of the settings and the schema of the module that owns it. */
export interface SettingsSection {
  readonly key: string;
  readonly schema: z.ZodObject;
  /**
   * Who may change it besides the owner: marketers run the meter, the paywall and the ads;
   * the publication's name, tax and legal details are the owner's alone (the default).
   */
  readonly staff?: readonly StaffRole[];
  /**
   * Problems the schema cannot see, in a value it accepted (a slug naming no section): each a
   * sentence naming the field, answered as `validation_failed`. `given` is what the change
   * itself carries for the section, so a check can look only at what is being changed.
   */
  readonly check?: (
    value: Record<string, unknown>,
    given: Readonly<Record<string, unknown>>,
  ) => Promise<readonly string[]>;
}

/**
 * Custom validation issues whose `params` carry this key set to true are template problems,
 * answered as `invalid_template` rather than `validation_failed`.
 */
export const templateIssueMarker = 'invalidTemplate';

/** What a change did: every section before and after, and the keys it wrote. */
export interface SettingsChange {
  readonly before: Record<string, unknown>;
  readonly after: Record<string, unknown>;
  readonly changed: readonly string[];
}

/**
 * Changing settings section by section, for the admin API (`PATCH /api/admin/v1/settings`) and
 * the admin's pages alike, so a form is refused exactly as the API call would be.
 */
export interface SettingsChanges {
  /** Every section as its owner's schema reads it (defaults filled in). */
  readAll(): Promise<Record<string, unknown>>;
  /**
   * Merges each section of `patch` into what is stored and validates it by its owner's schema.
   * Nothing is saved unless every section is valid. Throws `validation_failed` (an unknown
   * section, a bad value), `invalid_template` (naming the field and the problem) or
   * `forbidden` (a section `role` may not change).
   */
  change(patch: Readonly<Record<string, unknown>>, role: StaffRole): Promise<SettingsChange>;
}

export function createSettingsChanges(deps: {
  store: SettingsStore;
  sections: readonly SettingsSection[];
}): SettingsChanges {
  const { store, sections } = deps;

  async function readAll() {
    const entries = await Promise.all(
      sections.map(async (s) => [s.key, await store.read(s.key, s.schema)] as const),
    );
    return Object.fromEntries(entries);
  }

  return {
    readAll,
    async change(patch, role) {
      const unknown = Object.keys(patch).filter((key) => !sections.some((s) => s.key === key));
      if (unknown.length > 0) {
        throw new AppError(
          'validation_failed',
          `Unknown settings section ${unknown.join(', ')}; known: ${sections.map((s) => s.key).join(', ')}.`,
        );
      }
      const barred = sections.filter((s) => patch[s.key] !== undefined && !roleMayUse(role, s.staff ?? []));
      if (barred.length > 0)
        throw new AppError('forbidden', `Only the owner may change ${barred.map((s) => s.key).join(', ')}.`);
      const before = await readAll();
      const changes: { section: SettingsSection; value: Record<string, unknown> }[] = [];
      const problems: string[] = [];
      let templateProblem = false;
      for (const section of sections) {
        const given = patch[section.key];
        if (given === undefined) continue;
        if (given === null || typeof given !== 'object' || Array.isArray(given)) {
          problems.push(`${section.key}: expected an object`);
          continue;
        }
        // Merge into what is stored, minus fields this version no longer knows (so an old
        // document never blocks a change); the patch itself may not carry unknown fields.
        const known = Object.keys(section.schema.shape);
        const stored = Object.entries(await store.stored(section.key)).filter(([field]) =>
          known.includes(field),
        );
        const merged = { ...Object.fromEntries(stored), ...given };
        const parsed = section.schema.safeParse(merged);
        if (parsed.success) {
          const found = (await section.check?.(parsed.data, given as Record<string, unknown>)) ?? [];
          problems.push(...found.map((problem) => `${section.key}.${problem}`));
          if (found.length === 0) changes.push({ section, value: parsed.data });
          continue;
        }
        for (const issue of parsed.error.issues) {
          problems.push(`${[section.key, ...issue.path].join('.')}: ${issue.message}`);
          if (issue.code === 'custom' && issue.params?.[templateIssueMarker] === true) templateProblem = true;
        }
      }
      if (problems.length > 0) {
        throw new AppError(templateProblem ? 'invalid_template' : 'validation_failed', problems.join('; '));
      }
      for (const { section, value } of changes) await store.write(section.key, section.schema, value);
      return { before, after: await readAll(), changed: changes.map((c) => c.section.key) };
    },
  };
}
