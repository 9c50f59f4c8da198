import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { VNode } from 'preact';
import { z } from 'zod';
import { notFound } from '../../kernel/errors.js';
import { renderPage } from '../../web/render.js';
import { loginHref, type SiteChrome } from '../../web/views/layout.js';
import { clearSessionCookie, requireReader } from '../accounts/index.js';
import type { CreditNoteView } from './credit-notes.js';
import type { InvoiceView } from './domain.js';
import { creditNotePdf, invoicePdf } from './pdf.js';
import {
  creditNoteJson,
  creditNoteUrls,
  invoiceJson,
  invoiceSummaryJson,
  invoiceUrls,
} from './serializers.js';
import type { InvoiceService } from './service.js';
import { CreditNoteDocument, InvoiceDocument, InvoiceListPage } from './views.js';

export interface InvoiceRouteDeps {
  readonly invoices: InvoiceService;
  /** The site chrome of a page, given the reader's part of it. */
  readonly shell: (reader: {
    signedIn: boolean;
    path: string;
    accountId?: string | undefined;
  }) => Promise<{ chrome: SiteChrome }>;
  /** Absolute URL of the site, for the links in JSON answers. */
  readonly publicUrl: string;
}

const InvoiceParams = z.object({ id: z.string().min(1).max(100) });
const InvoiceQuery = z.object({
  format: z.enum(['json', 'html', 'pdf']).optional().describe('json (default), html or pdf'),
});
/** `inv_…` or `inv_….pdf` (or a credit note's `crn_…`), as the reader pages name them. */
const InvoiceFileParams = z.object({ file: z.string().max(100) });
const invoiceFile = /^(inv_[0-9a-z]{26})(\.pdf)?$/;
const creditNoteFile = /^(crn_[0-9a-z]{26})(\.pdf)?$/;

// Credit notes carry what their invoices carry: no cache may keep them either.
const privately = (reply: FastifyReply) => reply.header('cache-control', 'private, no-store');

function sendHtml(reply: FastifyReply, page: VNode) {
  return privately(reply).type('text/html; charset=utf-8').send(renderPage(page));
}

async function sendCreditNotePdf(reply: FastifyReply, note: CreditNoteView) {
  const body = await creditNotePdf(note);
  return privately(reply)
    .type('application/pdf')
    .header('content-disposition', `attachment; filename="${note.number.replaceAll('/', '-')}.pdf"`)
    .send(body);
}

/** json (the default), html or pdf: `?format=`, else `Accept: application/pdf`. */
function formatOf(
  query: { readonly format?: 'json' | 'html' | 'pdf' | undefined },
  accept: string | undefined,
): 'json' | 'html' | 'pdf' {
  return query.format ?? (/\bapplication\/pdf\b/i.test(accept ?? '') ? 'pdf' : 'json');
}

/**
 * Invoices for the reader who paid: the JSON API (`/api/v1/invoices`, an invoice also as
 * HTML or PDF) and the reader pages (`/account/invoices`). Another reader's invoice is not
 * found — never "forbidden", which would say that it exists.
 */
export async function invoiceRoutes(app: FastifyInstance, deps: InvoiceRouteDeps): Promise<void> {
  const { invoices, shell, publicUrl } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();

  // Invoices carry the reader's name, email and payments: no cache may keep them (`privately`).
  async function sendPdf(reply: FastifyReply, invoice: InvoiceView) {
    const body = await invoicePdf(invoice);
    // Rule 46 allows "/" in a number; a file name may not hold one.
    const filename = `${invoice.number.replaceAll('/', '-')}.pdf`;
    return privately(reply)
      .type('application/pdf')
      .header('content-disposition', `attachment; filename="${filename}"`)
      .send(body);
  }

  r.get(
    '/api/v1/invoices',
    {
      schema: {
        tags: ['billing'],
        security: [{ bearer: [] }],
        summary: "The signed-in reader's invoices, newest first",
      },
    },
    async (request, reply) => {
      const reader = await requireReader(request, reply);
      const [list, notes] = await Promise.all([
        invoices.list(reader.account.id),
        invoices.creditNotes(reader.account.id),
      ]);
      privately(reply);
      return {
        invoices: list.map((invoice) => invoiceSummaryJson(invoice, publicUrl)),
        creditNotes: notes.map((note) => creditNoteJson(note, publicUrl)),
      };
    },
  );

  r.get(
    '/api/v1/invoices/:id',
    {
      schema: {
        tags: ['billing'],
        security: [{ bearer: [] }],
        summary:
          'One invoice: JSON, or an HTML page (?format=html) or PDF (?format=pdf or Accept: application/pdf)',
        params: InvoiceParams,
        querystring: InvoiceQuery,
      },
    },
    async (request, reply) => {
      const reader = await requireReader(request, reply);
      const invoice = await invoices.get(reader.account.id, request.params.id);
      if (!invoice) throw notFound('Invoice');
      const format = formatOf(request.query, request.headers.accept);
      if (format === 'pdf') return sendPdf(reply, invoice);
      if (format === 'html') {
        return sendHtml(reply, InvoiceDocument({ invoice, links: { pdf: invoiceUrls('', invoice).pdf } }));
      }
      privately(reply);
      return { invoice: invoiceJson(invoice, publicUrl) };
    },
  );

  r.get(
    '/api/v1/credit-notes/:id',
    {
      schema: {
        tags: ['billing'],
        security: [{ bearer: [] }],
        summary:
          "One of the reader's credit notes (one per refund): JSON, or an HTML page (?format=html) or PDF (?format=pdf)",
        params: InvoiceParams,
        querystring: InvoiceQuery,
      },
    },
    async (request, reply) => {
      const reader = await requireReader(request, reply);
      const note = await invoices.creditNote(reader.account.id, request.params.id);
      if (!note) throw notFound('Credit note');
      const format = formatOf(request.query, request.headers.accept);
      if (format === 'pdf') return sendCreditNotePdf(reply, note);
      if (format === 'html') {
        return sendHtml(reply, CreditNoteDocument({ note, links: { pdf: creditNoteUrls('', note).pdf } }));
      }
      privately(reply);
      return { creditNote: creditNoteJson(note, publicUrl) };
    },
  );

  /** The signed-in reader's account id, or where to send them to sign in (saying why, if we know). */
  async function pageReader(
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<{ accountId: string } | { signIn: string }> {
    const auth = await request.readerSession();
    if (auth?.lookup.status === 'live') return { accountId: auth.lookup.account.id };
    if (auth?.kind === 'web') clearSessionCookie(reply);
    const why = auth?.lookup.status === 'ended' ? `&signedOut=${auth.lookup.reason}` : '';
    return { signIn: `${loginHref(request.url)}${why}` };
  }

  r.get('/account/invoices', async (request, reply) => {
    const found = await pageReader(request, reply);
    if ('signIn' in found) return reply.redirect(found.signIn, 303);
    const [list, notes, page] = await Promise.all([
      invoices.list(found.accountId),
      invoices.creditNotes(found.accountId),
      shell({ signedIn: true, path: '/account/invoices', accountId: found.accountId }),
    ]);
    return sendHtml(reply, InvoiceListPage({ chrome: page.chrome, invoices: list, creditNotes: notes }));
  });

  r.get('/account/invoices/:file', { schema: { params: InvoiceFileParams } }, async (request, reply) => {
    const found = await pageReader(request, reply);
    if ('signIn' in found) return reply.redirect(found.signIn, 303);
    const credit = creditNoteFile.exec(request.params.file);
    if (credit) {
      const note = await invoices.creditNote(found.accountId, credit[1]!);
      if (!note) throw notFound('Credit note');
      if (credit[2]) return sendCreditNotePdf(reply, note);
      return sendHtml(
        reply,
        CreditNoteDocument({
          note,
          links: { pdf: `/account/invoices/${note.id}.pdf`, back: '/account/invoices' },
        }),
      );
    }
    const match = invoiceFile.exec(request.params.file);
    const invoice = match ? await invoices.get(found.accountId, match[1]!) : undefined;
    if (!invoice) throw notFound('Invoice');
    if (match?.[2]) return sendPdf(reply, invoice);
    return sendHtml(
      reply,
      InvoiceDocument({
        invoice,
        links: { pdf: `/account/invoices/${invoice.id}.pdf`, back: '/account/invoices' },
      }),
    );
  });
}

/**
 * `GET /api/admin/v1/credit-notes/:id`: any credit note for the staff (support), as JSON, an
 * HTML page or a PDF: the URL a refund's answer gives.
 */
export async function adminCreditNoteRoutes(
  app: FastifyInstance,
  deps: { invoices: Pick<InvoiceService, 'creditNoteForStaff'>; publicUrl: string },
): Promise<void> {
  const r = app.withTypeProvider<ZodTypeProvider>();
  r.get(
    '/api/admin/v1/credit-notes/:id',
    {
      config: { staff: ['support'] },
      schema: {
        tags: ['admin'],
        security: [{ bearer: [] }],
        summary: 'One credit note: JSON, or an HTML page (?format=html) or PDF (?format=pdf)',
        params: InvoiceParams,
        querystring: InvoiceQuery,
      },
    },
    async (request, reply) => {
      const note = await deps.invoices.creditNoteForStaff(request.params.id);
      if (!note) throw notFound('Credit note');
      const format = formatOf(request.query, request.headers.accept);
      if (format === 'pdf') return sendCreditNotePdf(reply, note);
      if (format === 'html') {
        return sendHtml(
          reply,
          CreditNoteDocument({ note, links: { pdf: creditNoteUrls('', note).staff.pdf } }),
        );
      }
      privately(reply);
      return { creditNote: creditNoteJson(note, deps.publicUrl) };
    },
  );
}
