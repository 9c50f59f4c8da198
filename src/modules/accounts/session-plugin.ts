import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { authenticate, type Authenticated } from './routes.js';
import type { AccountService } from './service.js';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The session the request carries (a bearer access token or the session cookie), live or
     * ended, or undefined without one. Looked up once per request, however many parts of a page
     * ask (the meter, the header, the page itself).
     */
    readerSession(): Promise<Authenticated | undefined>;
  }
}

/**
 * Reader sessions as one plugin: decorates every request with `readerSession()`. Registered
 * once, at the root, so every module's routes share it.
 */
export const readerSessions: FastifyPluginAsync<{ accounts: AccountService }> = async (
  app: FastifyInstance,
  { accounts },
) => {
  const found = new WeakMap<FastifyRequest, Promise<Authenticated | undefined>>();
  app.decorateRequest('readerSession', function readerSession(this: FastifyRequest) {
    let session = found.get(this);
    if (!session) found.set(this, (session = authenticate(this, accounts)));
    return session;
  });
};
// Not encapsulated: the decorator is for the whole app (what fastify-plugin would mark).
Object.assign(readerSessions, { [Symbol.for('skip-override')]: true });
