import { lookup } from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isAllowedHost, isPublicAddress } from './domain.js';

/** A feed that could not be fetched: the reason is for staff. */
export class FeedFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedFetchError';
  }
}

export interface FetchLimits {
  /** Hosts, addresses or CIDR ranges that may be fetched although not public (`WIRE_ALLOW_HOSTS`). */
  readonly allowHosts: readonly string[];
  readonly maxBytes: number;
  readonly timeoutMs: number;
  readonly maxRedirects: number;
}

/**
 * The address to connect to for `url`, refused unless public or allowed. Every address the
 * name resolves to must pass (an attacker's name may answer with a public and a private one).
 */
export async function vetUrl(
  url: URL,
  allowHosts: readonly string[],
): Promise<{ address: string; family: 4 | 6 }> {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new FeedFetchError(`only http and https feeds can be fetched, not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '')
    throw new FeedFetchError('a feed URL may not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const addresses =
    isIP(host) !== 0
      ? [{ address: host, family: isIP(host) }]
      : await lookup(host, { all: true, verbatim: true }).catch(() => {
          throw new FeedFetchError(`the host ${host} could not be resolved`);
        });
  if (addresses.length === 0) throw new FeedFetchError(`the host ${host} could not be resolved`);
  for (const { address } of addresses) {
    if (!isPublicAddress(address) && !isAllowedHost(host, address, allowHosts)) {
      throw new FeedFetchError(`${host} resolves to ${address}, a private or reserved address: refused`);
    }
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}

/**
 * Fetches a feed safely: http(s) only, to public addresses (or allowed ones), connecting to
 * the very address that was checked (the name is not resolved again, so a rebinding answer
 * cannot redirect the connection), following at most a few redirects — each checked the same
 * way — and giving up past `maxBytes` or `timeoutMs` for the whole exchange.
 */
export async function fetchFeed(target: string, limits: FetchLimits): Promise<string> {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new FeedFetchError('not a URL');
  }
  const deadline = Date.now() + limits.timeoutMs;
  for (let hop = 0; ; hop++) {
    const pinned = await vetUrl(url, limits.allowHosts);
    const answer = await get(url, pinned, limits, deadline);
    if (answer.kind === 'body') return answer.text;
    if (hop >= limits.maxRedirects) throw new FeedFetchError('too many redirects');
    url = new URL(answer.location, url);
  }
}

type Answer = { kind: 'body'; text: string } | { kind: 'redirect'; location: string };

function get(
  url: URL,
  pinned: { address: string; family: 4 | 6 },
  limits: FetchLimits,
  deadline: number,
): Promise<Answer> {
  const pin: LookupFunction = (_host, options, callback) => {
    if (options.all) callback(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
  const client = url.protocol === 'https:' ? https : http;
  return new Promise<Answer>((resolve, reject) => {
    const request = client.get(
      url,
      {
        lookup: pin,
        headers: {
          accept: 'application/rss+xml, application/atom+xml, application/xml, text/xml',
          'accept-encoding': 'identity',
          'user-agent': 'Masthead wire import',
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        if (status >= 300 && status < 400 && response.headers.location) {
          response.resume();
          resolve({ kind: 'redirect', location: response.headers.location });
          return;
        }
        if (status !== 200) {
          response.resume();
          reject(new FeedFetchError(`the feed answered HTTP ${status}`));
          return;
        }
        if (Number(response.headers['content-length'] ?? 0) > limits.maxBytes) {
          request.destroy();
          reject(new FeedFetchError(`the feed is larger than ${limits.maxBytes} bytes`));
          return;
        }
        const chunks: Buffer[] = [];
        let bytes = 0;
        response.on('data', (chunk: Buffer) => {
          bytes += chunk.length;
          if (bytes > limits.maxBytes) {
            request.destroy();
            reject(new FeedFetchError(`the feed is larger than ${limits.maxBytes} bytes`));
          } else chunks.push(chunk);
        });
        response.on('end', () => resolve({ kind: 'body', text: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', (error) => reject(new FeedFetchError(error.message)));
      },
    );
    const timer = setTimeout(
      () => {
        request.destroy();
        reject(new FeedFetchError(`the feed did not answer within ${limits.timeoutMs} ms`));
      },
      Math.max(0, deadline - Date.now()),
    );
    request.on('close', () => clearTimeout(timer));
    request.on('error', (error) =>
      reject(error instanceof FeedFetchError ? error : new FeedFetchError(error.message)),
    );
  });
}
