/**
 * Address ranges of the major search crawlers, used to verify a request that claims to be
 * one before it sees full text. Published by the search engines (Googlebot's and Bingbot's
 * lists); refresh from their JSON files and override with CRAWLER_CIDRS when they change.
 */
export const defaultCrawlerCidrs: readonly string[] = [
  // Googlebot (developers.google.com/search/apis/ipranges/googlebot.json)
  '66.249.64.0/19',
  '34.100.182.96/28',
  '34.101.50.144/28',
  '2001:4860:4801::/48',
  // Bingbot (bing.com/toolbox/bingbot.json)
  '157.55.39.0/24',
  '207.46.13.0/24',
  '40.77.167.0/24',
  '13.66.139.0/24',
  '20.15.133.160/27',
];
