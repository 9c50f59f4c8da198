/**
 * At most the first `max` UTF-16 code units of `text`, one fewer rather than half of a
 * surrogate pair: an emoji cut in two is a character no one wrote, and one that XML, JSON
 * consumers and payment providers' fields may refuse.
 */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  const last = text.charCodeAt(max - 1);
  return text.slice(0, last >= 0xd800 && last <= 0xdbff ? max - 1 : max);
}

/** Emails are compared lower-cased and trimmed: readers' and staff's alike. */
export function normaliseEmail(email: string): string {
  return email.trim().toLowerCase();
}
