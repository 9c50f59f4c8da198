import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

/** A browser-like client over `inject`: it keeps the cookies the app sets. */
export function aReader(app: FastifyInstance, headers: Record<string, string> = {}) {
  const jar = new Map<string, string>();
  return {
    async get(url: string, extra: Record<string, string> = {}): Promise<LightMyRequestResponse> {
      const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
      const response = await app.inject({
        method: 'GET',
        url,
        headers: { ...headers, ...extra, ...(cookie && { cookie }) },
      });
      for (const c of response.cookies) jar.set(c.name, c.value);
      return response;
    },
    get cookie(): string {
      return [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    },
  };
}
