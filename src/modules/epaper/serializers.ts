import type { JobView } from '../queue/index.js';
import type { Edition } from './domain.js';

/** Where an edition's page thumbnail is served (to anyone: too small to read). */
export const thumbnailPath = (edition: Pick<Edition, 'id'>, n = 1) =>
  `/api/v1/epaper/editions/${edition.id}/pages/${n}/thumbnail`;

/** An edition in the reader API. */
export function editionJson(edition: Edition, publicUrl: string) {
  return {
    id: edition.id,
    date: edition.date,
    name: edition.name,
    pageCount: edition.pageCount,
    thumbnailUrl: `${publicUrl}${thumbnailPath(edition)}`,
  };
}

/** An edition in the admin API: its processing, and the queue's job behind it. */
export function editionAdminJson(edition: Edition, job?: JobView) {
  return {
    id: edition.id,
    date: edition.date,
    name: edition.name,
    status: edition.status,
    pageCount: edition.pageCount,
    progress: { done: edition.pagesDone, total: edition.pageCount },
    error: edition.error,
    fileBytes: edition.fileBytes,
    createdAt: edition.createdAt,
    updatedAt: edition.updatedAt,
    ...(job && {
      job: {
        id: job.id,
        status: job.status,
        attempts: job.attempts,
        maxAttempts: job.maxAttempts,
        lastError: job.lastError,
      },
    }),
  };
}
