import { fileURLToPath } from 'node:url';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { helmetHeaders, siteCspDirectives } from './security-headers.js';

/**
 * What every response of the site rests on, registered before any module's routes: signed
 * cookies, form bodies, the security headers, the static assets under `/assets/`, and the
 * OpenAPI document of the JSON API at `/api/docs`.
 */
export async function registerHttpBasics(
  app: FastifyInstance,
  options: { readonly sessionSecret: string; readonly publicUrl: string },
): Promise<void> {
  const secure = options.publicUrl.startsWith('https://');
  await app.register(fastifyCookie, { secret: options.sessionSecret });
  // Reader pages post forms (sign in, sign up, account); the JSON API still takes JSON.
  await app.register(fastifyFormbody);
  // Security headers from helmet, computed once: they are the same for every response, and
  // setting a dozen headers one by one on each request costs more than the access decision.
  const securityHeaders = helmetHeaders({
    contentSecurityPolicy: {
      directives: siteCspDirectives,
    },
    strictTransportSecurity: secure,
    // Not helmet's `no-referrer`: under it browsers send `Origin: null` even on the site's own
    // form posts, and the same-origin guard must see the real Origin. Other sites still get
    // no referrer at all.
    referrerPolicy: { policy: 'same-origin' },
  });
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(securityHeaders);
    done();
  });

  await app.register(fastifyStatic, {
    root: fileURLToPath(new URL('../../public', import.meta.url)),
    prefix: '/assets/',
    maxAge: '1h',
  });

  // The OpenAPI document covers the JSON API; reader pages are HTML and stay out of it.
  await app.register(fastifySwagger, {
    openapi: {
      info: {
        title: 'Masthead API',
        version: '1',
        description: 'Reader API (/api/v1) and admin API (/api/admin/v1).',
      },
      servers: [{ url: options.publicUrl }],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
    transform: (document) =>
      document.url.startsWith('/api/') || document.url === '/healthz'
        ? jsonSchemaTransform(document)
        : { schema: { ...document.schema, hide: true }, url: document.url },
  });
  await app.register(fastifySwaggerUi, { routePrefix: '/api/docs', staticCSP: true });
}
