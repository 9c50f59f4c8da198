import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import { newId, newSecret } from '../../kernel/ids.js';
import { isStaffRole, type StaffPrincipal, type StaffRole } from '../../kernel/staff-access.js';

export type ApiKeyScope = 'admin';

export interface ApiKeyRecord {
  readonly id: string;
  readonly name: string;
  readonly scope: ApiKeyScope;
  /** The staff role the key acts with (`--scope admin` alone: owner). */
  readonly role: StaffRole;
  readonly createdAt: string;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export interface ApiKeyService {
  /** Creates a key; the returned secret is never stored and cannot be shown again. */
  create(name: string, scope: ApiKeyScope, role?: StaffRole): Promise<{ id: string; key: string }>;
  list(): Promise<ApiKeyRecord[]>;
  /** Stops a key working at once; false if there is no such live key. */
  revoke(id: string): Promise<boolean>;
  /** The staff principal a live key acts as, or undefined for an unknown or revoked key. */
  principal(key: string): Promise<StaffPrincipal | undefined>;
}

const keyPattern = /^mh_[a-z]+_[A-Za-z0-9_-]{43}$/;
const sha256 = (value: string) => createHash('sha256').update(value).digest('hex');

export function createApiKeyService(deps: { db: Kysely<Database>; clock: Clock }): ApiKeyService {
  const { db, clock } = deps;

  async function principal(key: string, scope: ApiKeyScope = 'admin'): Promise<StaffPrincipal | undefined> {
    if (!keyPattern.test(key)) return undefined;
    const row = await db
      .selectFrom('api_keys')
      .select(['id', 'scope', 'name', 'role'])
      .where('key_hash', '=', sha256(key))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (!row || row.scope !== scope) return undefined;
    await db
      .updateTable('api_keys')
      .set({ last_used_at: clock.now().toISOString() })
      .where('id', '=', row.id)
      .execute();
    if (!isStaffRole(row.role)) return undefined;
    return { kind: 'api-key', id: row.id, label: `API key "${row.name}"`, role: row.role };
  }

  return {
    async create(name, scope, role = 'owner') {
      const id = newId('key');
      const key = `mh_${scope}_${newSecret(32)}`;
      await db
        .insertInto('api_keys')
        .values({
          id,
          name,
          scope,
          role,
          key_hash: sha256(key),
          created_at: clock.now().toISOString(),
          last_used_at: null,
          revoked_at: null,
        })
        .execute();
      return { id, key };
    },
    async list() {
      const rows = await db.selectFrom('api_keys').selectAll().orderBy('created_at').execute();
      return rows.map((row) => ({
        id: row.id,
        name: row.name,
        scope: row.scope,
        role: isStaffRole(row.role) ? row.role : 'owner',
        createdAt: row.created_at,
        lastUsedAt: row.last_used_at,
        revokedAt: row.revoked_at,
      }));
    },
    async revoke(id) {
      const result = await db
        .updateTable('api_keys')
        .set({ revoked_at: clock.now().toISOString() })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },
    principal: (key) => principal(key),
  };
}
