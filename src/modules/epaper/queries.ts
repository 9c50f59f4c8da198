import type { Kysely, Selectable } from 'kysely';
import type { Database, EpaperEditionsTable } from '../../db/schema.js';
import type { Edition, EditionStatus } from './domain.js';

type Db = Kysely<Database>;

function toEdition(row: Selectable<EpaperEditionsTable>): Edition {
  return {
    id: row.id,
    date: row.date,
    name: row.name,
    status: row.status,
    pageCount: row.page_count === null ? null : Number(row.page_count),
    pagesDone: Number(row.pages_done),
    error: row.error,
    jobId: row.job_id,
    fileBytes: Number(row.file_bytes),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export async function insertEdition(
  db: Db,
  row: { id: string; date: string; name: string; nameKey: string; fileBytes: number; at: string },
): Promise<void> {
  await db
    .insertInto('epaper_editions')
    .values({
      id: row.id,
      date: row.date,
      name: row.name,
      name_key: row.nameKey,
      status: 'queued',
      file_bytes: row.fileBytes,
      page_count: null,
      pages_done: 0,
      error: null,
      job_id: null,
      created_at: row.at,
      updated_at: row.at,
    })
    .execute();
}

export async function setJob(db: Db, id: string, jobId: string): Promise<void> {
  await db.updateTable('epaper_editions').set({ job_id: jobId }).where('id', '=', id).execute();
}

export async function findEdition(db: Db, id: string): Promise<Edition | undefined> {
  const row = await db.selectFrom('epaper_editions').selectAll().where('id', '=', id).executeTakeFirst();
  return row && toEdition(row);
}

export async function editionExists(db: Db, date: string, nameKey: string): Promise<boolean> {
  const row = await db
    .selectFrom('epaper_editions')
    .select('id')
    .where('date', '=', date)
    .where('name_key', '=', nameKey)
    .executeTakeFirst();
  return row !== undefined;
}

/** Ready editions, newest day first; of one day when `date` is given. */
export async function listReady(
  db: Db,
  options: { date?: string | undefined; limit: number },
): Promise<Edition[]> {
  let query = db.selectFrom('epaper_editions').selectAll().where('status', '=', 'ready');
  if (options.date !== undefined) query = query.where('date', '=', options.date);
  const rows = await query.orderBy('date', 'desc').orderBy('name_key').limit(options.limit).execute();
  return rows.map(toEdition);
}

export async function listAll(db: Db, limit: number): Promise<Edition[]> {
  const rows = await db
    .selectFrom('epaper_editions')
    .selectAll()
    .orderBy('date', 'desc')
    .orderBy('name_key')
    .limit(limit)
    .execute();
  return rows.map(toEdition);
}

export async function recordProgress(
  db: Db,
  id: string,
  update: {
    status: EditionStatus;
    pageCount?: number;
    pagesDone?: number;
    error?: string | null;
    at: string;
  },
): Promise<void> {
  await db
    .updateTable('epaper_editions')
    .set({
      status: update.status,
      ...(update.pageCount !== undefined && { page_count: update.pageCount }),
      ...(update.pagesDone !== undefined && { pages_done: update.pagesDone }),
      ...(update.error !== undefined && { error: update.error }),
      updated_at: update.at,
    })
    .where('id', '=', id)
    .execute();
}

export async function insertShare(
  db: Db,
  row: {
    id: string;
    tokenHash: string;
    editionId: string;
    page: number;
    accountId: string;
    expiresAt: string;
    at: string;
  },
): Promise<void> {
  await db
    .insertInto('epaper_shares')
    .values({
      id: row.id,
      token_hash: row.tokenHash,
      edition_id: row.editionId,
      page: row.page,
      account_id: row.accountId,
      expires_at: row.expiresAt,
      created_at: row.at,
    })
    .execute();
}

export async function findShare(db: Db, tokenHash: string) {
  const row = await db
    .selectFrom('epaper_shares')
    .select(['edition_id', 'page', 'expires_at'])
    .where('token_hash', '=', tokenHash)
    .executeTakeFirst();
  return row && { editionId: row.edition_id, page: Number(row.page), expiresAt: row.expires_at };
}

/** Links expired before `before`: nobody can open them, so they are not kept. */
export async function deleteExpiredShares(db: Db, before: string): Promise<number> {
  const result = await db.deleteFrom('epaper_shares').where('expires_at', '<', before).executeTakeFirst();
  return Number(result.numDeletedRows);
}
