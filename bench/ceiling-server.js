// The benchmark's ceiling (scenario d): a bare node:http server, forked by bench/run.js, that
// answers every request with the bytes it is handed over IPC — the body and content-type of
// Masthead's response (a) — so the two differ only in the work Masthead does per request.
import { createServer } from 'node:http';

process.once('message', ({ body, contentType }) => {
  const bytes = Buffer.from(body, 'base64');
  const headers = { 'content-type': contentType, 'content-length': bytes.length };
  const server = createServer((_request, response) => {
    response.writeHead(200, headers);
    response.end(bytes);
  });
  server.listen(0, '127.0.0.1', () => process.send({ port: server.address().port }));
});

// The parent went away (finished, or crashed): do not outlive it.
process.on('disconnect', () => process.exit(0));
