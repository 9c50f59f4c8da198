// The benchmark's reference servers, forked by bench/run.js. Each answers every request with
// the bytes it is handed over IPC — the body and content-type of Masthead's response (a):
//   kind 'node'    (d) the ceiling: a bare node:http server;
//   kind 'fastify' (e) the framework floor: one Fastify route and nothing else,
// so Masthead and the ceiling differ only in the work Masthead does per request, and (e) shows
// how much of that is the framework itself.
import { createServer } from 'node:http';
import Fastify from 'fastify';

process.once('message', async ({ body, contentType, kind }) => {
  const bytes = Buffer.from(body, 'base64');
  if (kind === 'fastify') {
    const app = Fastify({ logger: false });
    app.get('/', (_request, reply) => reply.type(contentType).send(bytes));
    await app.listen({ host: '127.0.0.1', port: 0 });
    process.send({ port: app.server.address().port });
    return;
  }
  const headers = { 'content-type': contentType, 'content-length': bytes.length };
  const server = createServer((_request, response) => {
    response.writeHead(200, headers);
    response.end(bytes);
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
});

// The parent went away (finished, or crashed): do not outlive it.
process.on('disconnect', () => process.exit(0));
