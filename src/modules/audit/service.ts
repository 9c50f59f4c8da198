import type { Kysely } from 'kysely';
import { escapeLike, like } from '../../db/like.js';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { newId } from '../../kernel/ids.js';
import type { StaffPrincipal } from '../../kernel/staff-access.js';

/** One admin action as the log shows it. */
export interface AuditEntry {
  readonly at: string;
  readonly actor: { readonly kind: 'staff' | 'api-key'; readonly id: string; readonly label: string };
  readonly action: string;
  readonly target: string | null;
  readonly before: unknown;
  readonly after: unknown;
}

export interface AuditFilter {
  /** An actor's id, or a part of their label (an email, a key's name). */
  readonly actor?: string;
  /** An action, or its prefix: `reader.` finds every reader action. */
  readonly action?: string;
  readonly from?: string;
  readonly to?: string;
  readonly limit?: number;
}

export interface AuditLog {
  record(entry: {
    actor: StaffPrincipal;
    action: string;
    target?: string | null;
    before?: unknown;
    after?: unknown;
  }): Promise<void>;
  /** Newest first. */
  list(filter?: AuditFilter): Promise<AuditEntry[]>;
}

// Big bodies (an article's HTML) are kept, but not without end.
const maxJsonLength = 64 * 1024;
function jsonOf(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  const json = JSON.stringify(value);
  return json.length > maxJsonLength ? JSON.stringify({ truncated: json.slice(0, maxJsonLength) }) : json;
}
const parsed = (json: string | null): unknown => (json === null ? null : JSON.parse(json));

/** The audit log: who did what in the admin, when, and what it was before and after. */
export function createAuditLog(deps: { db: Kysely<Database>; clock: Clock }): AuditLog {
  const { db, clock } = deps;
  return {
    async record(entry) {
      await db
        .insertInto('audit_log')
        .values({
          id: newId('aud'),
          at: clock.now().toISOString(),
          actor_kind: entry.actor.kind,
          actor_id: entry.actor.id,
          actor_label: entry.actor.label,
          action: entry.action,
          target: entry.target ?? null,
          before: jsonOf(entry.before),
          after: jsonOf(entry.after),
        })
        .execute();
    },
    async list(filter = {}) {
      let query = db.selectFrom('audit_log').selectAll();
      if (filter.actor)
        query = query.where((eb) =>
          eb.or([eb('actor_id', '=', filter.actor!), like('actor_label', `%${escapeLike(filter.actor!)}%`)]),
        );
      if (filter.action)
        query = query.where((eb) =>
          eb.or([eb('action', '=', filter.action!), like('action', `${escapeLike(filter.action!)}%`)]),
        );
      if (filter.from) query = query.where('at', '>=', filter.from);
      if (filter.to) query = query.where('at', '<=', filter.to);
      const rows = await query
        .orderBy('at', 'desc')
        .orderBy('id', 'desc')
        .limit(Math.min(filter.limit ?? 100, 500))
        .execute();
      return rows.map((row) => ({
        at: row.at,
        actor: { kind: row.actor_kind, id: row.actor_id, label: row.actor_label },
        action: row.action,
        target: row.target,
        before: parsed(row.before),
        after: parsed(row.after),
      }));
    },
  };
}
