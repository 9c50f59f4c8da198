import { z } from 'zod';

/**
 * What an admin page says after a redirect, by a word in its query (`?done=created`): a link
 * can only pick one of the page's fixed messages, never make the page say anything else. A word
 * the page does not know (a stale link) shows the page without a notice.
 */
export function doneNotices<const M extends Readonly<Record<string, string>>>(messages: M) {
  type Word = keyof M & string;
  const words = Object.keys(messages) as [Word, ...Word[]];
  return {
    /** The `done` query field; `.extend` it with a page's other query fields. */
    query: z.object({ done: z.enum(words).optional().catch(undefined) }),
    /** The page's notice for `done`: `{ done: message }`, or nothing. */
    notice: (done: Word | undefined): { done?: string } => (done ? { done: messages[done] } : {}),
  };
}
