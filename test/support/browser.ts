import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** The test app's public origin (its default PUBLIC_URL): where the site's own requests come from. */
export const siteOrigin = 'http://127.0.0.1:3000';

/**
 * A browser over `inject`: it keeps and sends cookies (dropping cleared ones), sends the site's
 * Origin on everything it posts, follows no redirect, and may come from an address of its own
 * (attempt limits count per address).
 */
export function aBrowser(app: FastifyInstance, options: { userAgent?: string; remoteAddress?: string } = {}) {
  const userAgent = options.userAgent ?? 'Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0';
  const address = options.remoteAddress ? { remoteAddress: options.remoteAddress } : {};
  const jar = new Map<string, string>();
  const remember = (response: LightMyRequestResponse) => {
    for (const c of response.cookies) {
      if (c.value === '' || (c.expires && c.expires.getTime() < Date.now())) jar.delete(c.name);
      else jar.set(c.name, c.value);
    }
    return response;
  };
  const headers = () => ({
    'user-agent': userAgent,
    ...(jar.size && { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; ') }),
  });
  return {
    jar,
    get: async (url: string) => remember(await app.inject({ url, ...address, headers: headers() })),
    head: async (url: string) =>
      remember(await app.inject({ method: 'HEAD', url, ...address, headers: headers() })),
    /** A JSON call from the site's own pages. */
    send: async (method: 'POST' | 'DELETE', url: string, payload?: object) =>
      remember(
        await app.inject({ method, url, payload, ...address, headers: { ...headers(), origin: siteOrigin } }),
      ),
    /** A form posted from the site's own pages. */
    post: async (url: string, form: Record<string, string> = {}) =>
      remember(
        await app.inject({
          method: 'POST',
          url,
          payload: new URLSearchParams(form).toString(),
          ...address,
          headers: { ...headers(), origin: siteOrigin, 'content-type': 'application/x-www-form-urlencoded' },
        }),
      ),
  };
}

export type Browser = ReturnType<typeof aBrowser>;
