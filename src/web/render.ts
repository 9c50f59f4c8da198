import type { FastifyReply } from 'fastify';
import { renderToString } from 'preact-render-to-string';
import type { VNode } from 'preact';

/** Sends a rendered page: HTML, never cached (admin and account pages are someone's own). */
export function sendHtml(reply: FastifyReply, body: string, status = 200): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(body);
}

/** Renders a page component to an HTML document. Text and attributes are escaped by Preact. */
export function renderPage(page: VNode): string {
  return '<!doctype html>' + renderToString(page);
}

/** JSON for a <script> element: `<` is escaped so no string can close the element. */
export function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}
