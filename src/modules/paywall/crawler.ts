import ipaddr from 'ipaddr.js';

// The user agents of the search crawlers whose ranges Masthead ships (crawler-cidrs.ts).
const crawlerAgent = /\b(Googlebot|Google-InspectionTool|bingbot|AdsBot-Google)\b/i;

export type CrawlerCheck = (userAgent: string | undefined, address: string) => boolean;

/**
 * A request is a verified crawler only when its user agent says so *and* its address is in
 * one of `cidrs`; anyone can send "Googlebot" as a user agent.
 */
export function crawlerVerifier(cidrs: readonly string[]): CrawlerCheck {
  const ranges = cidrs.map((cidr) => ipaddr.parseCIDR(cidr));
  return (userAgent, address) => {
    if (!userAgent || !crawlerAgent.test(userAgent) || !ipaddr.isValid(address)) return false;
    let ip = ipaddr.parse(address);
    if (ip.kind() === 'ipv6' && (ip as ipaddr.IPv6).isIPv4MappedAddress())
      ip = (ip as ipaddr.IPv6).toIPv4Address();
    return ranges.some(([range, bits]) => range.kind() === ip.kind() && ip.match(range, bits));
  };
}
