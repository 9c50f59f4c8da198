import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet, { type HelmetOptions } from 'helmet';

/** The site's Content-Security-Policy directives (helmet's defaults, then these). */
export const siteCspDirectives = {
  defaultSrc: ["'self'"],
  imgSrc: ["'self'", 'https:', 'data:'],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
} as const;

/**
 * The site's Content-Security-Policy with more sources allowed for scripts, frames and
 * connections: for a page that carries content the publisher vouches for (their ad slot).
 */
export function widenedSitePolicy(extra: {
  readonly scriptSrc: readonly string[];
  readonly frameSrc: readonly string[];
  readonly connectSrc: readonly string[];
}): string {
  const policy = helmetHeaders({
    contentSecurityPolicy: {
      directives: {
        ...siteCspDirectives,
        scriptSrc: [...siteCspDirectives.scriptSrc, ...extra.scriptSrc],
        frameSrc: ["'self'", ...extra.frameSrc],
        connectSrc: ["'self'", ...extra.connectSrc],
      },
    },
  })['content-security-policy'];
  if (policy === undefined) throw new Error('helmet set no Content-Security-Policy');
  return policy;
}

/**
 * The headers helmet would set with `options`, captured once by running its middleware against
 * a recording response. Helmet's headers do not depend on the request (no CSP nonces here).
 */
export function helmetHeaders(options: HelmetOptions): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    failure = error;
  });
  if (failure) throw failure;
  return Object.freeze(headers);
}
