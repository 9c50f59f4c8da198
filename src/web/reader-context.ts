import type { FastifyReply, FastifyRequest } from 'fastify';
import { clearSessionCookie } from '../modules/accounts/index.js';
import type { ContentService } from '../modules/content/index.js';
import type { Reader } from '../modules/paywall/index.js';
import type { PublicationService } from '../modules/publication/index.js';
import { anonymousReaderId } from './reader-identity.js';
import type { SiteChrome } from './views/layout.js';

/** Who a page is for, as the account and link pages describe it to `shell`. */
export interface ShellReader {
  readonly signedIn: boolean;
  readonly path: string;
  readonly accountId?: string | undefined;
}

/**
 * Who is reading, for the reader site: the signed-in account when a live session comes with
 * the request (metered by account on every device), else the device's anonymous id; what that
 * reader is entitled to, looked up once per request however many parts of the page ask; and
 * the site chrome (publication name, sections, a subscriber's header) every page wraps itself in.
 */
export function createReaderContext(deps: {
  /** The benefits the account's subscription grants now (billing's cached answer). */
  entitlements: (accountId: string) => Promise<ReadonlySet<string>>;
  publication: Pick<PublicationService, 'settings'>;
  content: Pick<ContentService, 'sections'>;
  secureCookies: boolean;
}) {
  const noEntitlements: ReadonlySet<string> = new Set<string>();
  const found = new WeakMap<FastifyRequest, Promise<ReadonlySet<string>>>();

  function entitlementsOf(request: FastifyRequest): Promise<ReadonlySet<string>> {
    let entitlements = found.get(request);
    if (!entitlements) {
      entitlements = request
        .readerSession()
        .then((auth) =>
          auth?.lookup.status === 'live' ? deps.entitlements(auth.lookup.account.id) : noEntitlements,
        );
      found.set(request, entitlements);
    }
    return entitlements;
  }

  async function shell(reader: ShellReader): Promise<{ chrome: SiteChrome; timeZone: string }> {
    const { accountId, ...chrome } = reader;
    const [settings, sections, entitlements] = await Promise.all([
      deps.publication.settings(),
      deps.content.sections(),
      accountId === undefined ? noEntitlements : deps.entitlements(accountId),
    ]);
    return {
      // A subscriber's header offers their account instead of "Subscribe".
      chrome: { publicationName: settings.name, sections, ...chrome, subscribed: entitlements.size > 0 },
      timeZone: settings.timeZone,
    };
  }

  return {
    async resolveReader(request: FastifyRequest, reply: FastifyReply): Promise<Reader> {
      const auth = await request.readerSession();
      if (auth?.lookup.status === 'live') {
        const { account } = auth.lookup;
        return { id: account.id, name: account.name, entitlements: await entitlementsOf(request) };
      }
      // A cookie whose session ended is dropped, so the browser stops sending it.
      if (auth?.kind === 'web') clearSessionCookie(reply);
      return {
        id: anonymousReaderId(request, reply, deps.secureCookies),
        name: '',
        entitlements: noEntitlements,
      };
    },
    /** The signed-in account of a live session, with its entitlements; undefined otherwise. */
    async account(
      request: FastifyRequest,
    ): Promise<{ accountId: string; email: string; entitlements: ReadonlySet<string> } | undefined> {
      const auth = await request.readerSession();
      if (auth?.lookup.status !== 'live') return undefined;
      const { account } = auth.lookup;
      return { accountId: account.id, email: account.email, entitlements: await entitlementsOf(request) };
    },
    signedIn: async (request: FastifyRequest) => (await request.readerSession())?.lookup.status === 'live',
    /** What the reader of `request` is entitled to: none when signed out (looked up once per request). */
    entitlements: entitlementsOf,
    subscribed: async (request: FastifyRequest) => (await entitlementsOf(request)).size > 0,
    shell,
    /** The site chrome of a page at `path`, for whoever sent `request` (error and legal pages). */
    async pageChrome(request: FastifyRequest, path: string): Promise<SiteChrome> {
      const auth = await request.readerSession();
      const live = auth?.lookup.status === 'live' ? auth.lookup : undefined;
      return (await shell({ signedIn: live !== undefined, path, accountId: live?.account.id })).chrome;
    },
  };
}
