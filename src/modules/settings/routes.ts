import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { AppError } from '../../kernel/errors.js';
import { noteChange, principalOf, roleMayUse, type StaffRole } from '../../kernel/staff-access.js';
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
}

/**
 * Custom validation issues whose `params` carry this key set to true are template problems,
 * answered as `invalid_template` rather than `validation_failed`.
 */
export const templateIssueMarker = 'invalidTemplate';

/**
 * `GET` and `PATCH /api/admin/v1/settings`. A PATCH names the sections it changes
 * (`{"meter": {"freeLimit": 3}}`); each section is merged into what is stored and
 * validated by its owner's schema — an invalid template is refused with a 422 that names
 * the problem, and nothing is saved unless every section is valid.
 */
export async function settingsRoutes(
  app: FastifyInstance,
  deps: {
    store: SettingsStore;
    sections: readonly SettingsSection[];
  },
): Promise<void> {
  const { store, sections } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  async function readAll() {
    const entries = await Promise.all(
      sections.map(async (s) => [s.key, await store.read(s.key, s.schema)] as const),
    );
    return Object.fromEntries(entries);
  }

  r.get(
    '/api/admin/v1/settings',
    {
      config: { staff: ['marketer'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Publication, meter and paywall settings',
      },
    },
    async () => ({ settings: await readAll() }),
  );

  r.patch(
    '/api/admin/v1/settings',
    {
      config: { staff: ['marketer'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'Change settings, section by section',
        body: z.record(z.string(), z.unknown()),
      },
    },
    async (request) => {
      const patch = request.body;
      const unknown = Object.keys(patch).filter((key) => !sections.some((s) => s.key === key));
      if (unknown.length > 0) {
        throw new AppError(
          'validation_failed',
          `Unknown settings section ${unknown.join(', ')}; known: ${sections.map((s) => s.key).join(', ')}.`,
        );
      }
      const { role } = principalOf(request);
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
          changes.push({ section, value: parsed.data });
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
      const after = await readAll();
      const changed = changes.map((c) => c.section.key);
      noteChange(request, {
        action: 'settings.update',
        target: changed.join(','),
        before: Object.fromEntries(changed.map((key) => [key, before[key]])),
        after: Object.fromEntries(changed.map((key) => [key, after[key]])),
      });
      return { settings: after };
    },
  );
}
