import { createHash } from 'node:crypto';
import { DomUtils, parseDocument } from 'htmlparser2';
import ipaddr from 'ipaddr.js';

/**
 * Whether a feed may be fetched from `address`: only public unicast addresses, never loopback,
 * private, link-local, carrier-grade NAT, multicast, reserved or documentation ranges (IPv4 in
 * IPv6 judged as the IPv4 address it carries).
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) {
    parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  }
  return parsed.range() === 'unicast';
}

/**
 * Whether the operator allowed this host or address (`WIRE_ALLOW_HOSTS`): an entry is a host
 * name (matched exactly, without case), an address or a CIDR range.
 */
export function isAllowedHost(hostname: string, address: string, allow: readonly string[]): boolean {
  const host = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return allow.some((entry) => {
    const rule = entry.toLowerCase();
    if (rule === host) return true;
    if (!ipaddr.isValid(address)) return false;
    try {
      const [range, bits] = rule.includes('/') ? ipaddr.parseCIDR(rule) : [ipaddr.parse(rule), -1];
      const ip = ipaddr.process(address);
      if (ip.kind() !== range.kind()) return false;
      return bits < 0 ? ip.toString() === range.toString() : ip.match([range, bits] as [typeof ip, number]);
    } catch {
      return false;
    }
  });
}

/** One item of an RSS 2.0 or Atom feed, as an article would take it. */
export interface WireItem {
  /** The GUID (Atom `id`), else the link, else a digest of the title and date. */
  readonly guid: string;
  readonly title: string;
  /** HTML (the full `content:encoded` / Atom `content` when given, else the description or summary). */
  readonly bodyHtml: string;
  readonly summary: string;
  readonly link: string | undefined;
  readonly publishedAt: string | undefined;
}

const text = (html: string) => DomUtils.textContent(parseDocument(html)).replace(/\s+/g, ' ').trim();

/** The items of an RSS 2.0 or Atom feed, in feed order; undefined when `xml` is neither. */
export function feedItems(xml: string): WireItem[] | undefined {
  const document = parseDocument(xml, { xmlMode: true });
  const feed = DomUtils.getFeed(document.children);
  if (!feed) return undefined;
  const elements = DomUtils.getElementsByTagName(feed.type === 'atom' ? 'entry' : 'item', document.children);
  return feed.items.map((item, i) => {
    const element = elements[i];
    const full = element
      ? DomUtils.getElementsByTagName(
          feed.type === 'atom' ? 'content' : 'content:encoded',
          element,
          true,
          1,
        )[0]
      : undefined;
    const description = item.description ?? '';
    const bodyHtml = (full ? DomUtils.textContent(full) : '') || description;
    const title = text(item.title ?? '');
    const publishedAt =
      item.pubDate && !Number.isNaN(item.pubDate.getTime()) ? item.pubDate.toISOString() : undefined;
    const link = item.link?.trim() || undefined;
    const guid =
      item.id?.trim() ||
      link ||
      `sha256:${createHash('sha256')
        .update(`${title}\n${publishedAt ?? ''}`)
        .digest('hex')
        .slice(0, 32)}`;
    return { guid, title, bodyHtml, summary: text(description).slice(0, 1000), link, publishedAt };
  });
}

/** The items with each GUID's first occurrence only, and how many repeats were left out. */
export function uniqueByGuid<T extends { readonly guid: string }>(
  items: readonly T[],
): { items: T[]; repeated: number } {
  const seen = new Set<string>();
  const unique = items.filter((item) => !seen.has(item.guid) && (seen.add(item.guid), true));
  return { items: unique, repeated: items.length - unique.length };
}
