import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { VNode } from 'preact';
import { z } from 'zod';
import { singleLine } from '../../../kernel/validation.js';
import { formatDate } from '../../../kernel/dates.js';
import { AppError, notFound } from '../../../kernel/errors.js';
import { renderPage } from '../../../web/render.js';
import { loginHref } from '../../../web/views/layout.js';
import { setWelcome } from '../../../web/welcome.js';
// The inline sign-up and sign-in of /subscribe are the accounts module's, with the limits of /login.
import {
  accountFields,
  clearSessionCookie,
  openFormSession,
  safeReturnTo,
  type FormSessionDeps,
} from '../../accounts/index.js';
import type { Plan, PlanService } from '../../plans/index.js';
import type { ChangePreview } from '../changes/preview.js';
import type { CheckoutStartRecorder } from '../routes.js';
import type { Billing, SubscriptionView } from '../service.js';
import {
  BillingProblemPage,
  BillingSection,
  CancelPage,
  ChangePlanPage,
  CheckoutFailedPage,
  CheckoutPendingPage,
  PaymentMethodPage,
  SubscribePage,
  cancelReasons,
  type BillingShell,
  type InvoiceListing,
  type StateOption,
  type SubscribeField,
  type SubscribeFormValues,
  type SubscribeProblem,
} from './views.js';

/** What the reader pages ask of billing: the service, and a preview of a plan change. */
export type BillingForPages = Pick<
  Billing,
  | 'subscription'
  | 'payments'
  | 'startCheckout'
  | 'startCardChange'
  | 'findCheckout'
  | 'completeCheckout'
  | 'cancel'
  | 'resume'
  | 'changePlan'
  | 'previewChange'
>;

/** The part of the invoices module the account page lists. */
export interface InvoiceLister {
  /** The account's invoices, newest first. */
  list(accountId: string): Promise<readonly InvoiceListing[]>;
}

export interface SubscriptionPageDeps extends FormSessionDeps {
  readonly billing: BillingForPages;
  readonly plans: Pick<PlanService, 'listActive'>;
  /** The site chrome and time zone for a page, given the reader's part of the chrome. */
  readonly shell: (reader: {
    signedIn: boolean;
    path: string;
    accountId?: string | undefined;
  }) => Promise<BillingShell>;
  /** The GST states a reader may give as their place of supply. */
  readonly stateOptions: readonly StateOption[];
  /** Where a started checkout is noted (the analytics recorder). */
  readonly checkoutStarts?: CheckoutStartRecorder;
}

/** The reader as the billing pages know them: who to bill and where to write. */
interface PageReader {
  readonly id: string;
  readonly email: string;
  readonly name: string;
}

/** What `/account?billing=…` says after one of these pages redirected there. */
export type BillingNotice =
  'subscribed' | 'canceled' | 'resumed' | 'changed' | 'change_scheduled' | 'change_kept' | 'card_saved';

const accountWith = (notice: BillingNotice) => `/account?billing=${notice}`;

/** `/subscribe`, with the plan chosen and where to land once paid, when there are. */
function subscribePath(plan: string | undefined, returnTo: string | undefined): string {
  const query = new URLSearchParams();
  if (plan !== undefined) query.set('plan', plan);
  if (returnTo !== undefined) query.set('returnTo', returnTo);
  const search = query.toString();
  return search ? `/subscribe?${search}` : '/subscribe';
}

/** The billing section's words for a notice, true to the subscription as it is now (or none). */
export function billingNoticeText(
  notice: string | undefined,
  sub: SubscriptionView | null,
  timeZone: string,
): string | undefined {
  if (!sub) return undefined;
  const date = (iso: string) => formatDate(iso, timeZone);
  switch (notice) {
    case 'subscribed':
      return sub.status === 'expired'
        ? undefined
        : `Welcome! Your ${sub.plan.name} subscription has started.`;
    case 'canceled':
      if (sub.status === 'canceling' && sub.endsAt) return `Your subscription ends on ${date(sub.endsAt)}.`;
      return sub.status === 'expired' ? 'Your subscription has ended.' : undefined;
    case 'resumed':
      return sub.renewal && sub.status !== 'canceling'
        ? `Your subscription is back on: it renews on ${date(sub.renewal.at)}.`
        : undefined;
    case 'changed':
      return `You are now on ${sub.plan.name}.`;
    case 'change_scheduled':
      return sub.pendingChange
        ? `Your plan changes to ${sub.pendingChange.planName} on ${date(sub.pendingChange.effectiveAt)}.`
        : undefined;
    case 'change_kept':
      return sub.pendingChange ? undefined : `You stay on ${sub.plan.name}.`;
    case 'card_saved':
      return sub.paymentMethod
        ? `Your new card (${sub.paymentMethod}) is saved for future renewals.`
        : undefined;
    default:
      return undefined;
  }
}

/**
 * The billing section of `/account`, for `accountPageRoutes`' `billingSection`: the
 * subscription, its payments and its invoices.
 */
export function accountBillingSection(deps: {
  billing: Pick<BillingForPages, 'subscription' | 'payments'>;
  invoices: InvoiceLister;
}) {
  return async (input: { accountId: string; timeZone: string; notice: string | undefined }) => {
    const [subscription, payments, invoices] = await Promise.all([
      deps.billing.subscription(input.accountId),
      deps.billing.payments(input.accountId),
      deps.invoices.list(input.accountId),
    ]);
    return (
      <BillingSection
        timeZone={input.timeZone}
        subscription={subscription}
        payments={payments}
        invoices={invoices}
        notice={billingNoticeText(input.notice, subscription, input.timeZone)}
      />
    );
  };
}

const isLive = (sub: SubscriptionView | null): sub is SubscriptionView =>
  sub !== null && sub.status !== 'expired';

/** A form as posted: each field a string ('' when missing or sent twice), so it can be shown again. */
const text = z.string().max(5000).catch('');
const SubscribePosted = z
  .object({
    plan: text,
    returnTo: text,
    account: text,
    email: text,
    password: text,
    billingName: text,
    billingState: text,
    coupon: text,
  })
  .catch({
    plan: '',
    returnTo: '',
    account: '',
    email: '',
    password: '',
    billingName: '',
    billingState: '',
    coupon: '',
  });
const BillingFields = z.object({
  billingName: singleLine(z.string().trim().max(120, 'expected at most 120 characters')),
  coupon: z.string().trim().max(64, 'expected at most 64 characters'),
});
const Credentials = z.object({ email: accountFields.email, password: accountFields.password });
const fieldLabels: Record<SubscribeField, string> = {
  plan: 'Plan',
  email: 'Email',
  password: 'Password',
  account: 'Account',
  billingName: 'Name',
  billingState: 'State',
  coupon: 'Coupon code',
};
const isField = (value: unknown): value is SubscribeField => Object.hasOwn(fieldLabels, String(value));

const SubscribeQuery = z.object({
  plan: z.string().max(60).optional().catch(undefined),
  returnTo: z.string().max(2000).optional().catch(undefined),
  checkout: z.enum(['canceled', 'failed']).optional().catch(undefined),
});
const checkoutNotices = {
  canceled: 'You left the payment page, and nothing was charged. Your plan is still chosen below.',
  failed: 'The payment did not go through, and nothing was charged. Please try again, or use another card.',
} as const;
const ReturnQuery = z.object({ checkout: z.string().max(40).optional().catch(undefined) });
const checkoutId = /^chk_[0-9a-z]{26}$/;
const PlanPosted = z.object({ plan: text }).catch({ plan: '' });
const ReasonPosted = z.object({ reason: text }).catch({ reason: '' });
const isCancelReason = (value: string): value is keyof typeof cancelReasons =>
  Object.hasOwn(cancelReasons, value);

/** The outcomes a form shows the reader again, with the status each answers with. */
const formErrors = new Set(['unauthorized', 'conflict', 'validation_failed', 'rate_limited', 'not_found']);
const isFormError = (error: unknown): error is AppError =>
  error instanceof AppError && formErrors.has(error.code);

/**
 * The reader's billing pages: `/subscribe` (plans, and the form that starts a checkout, with
 * inline sign-up and sign-in), `/subscribe/return` (back from the gateway), and under
 * `/account` cancelling, resuming, changing plan and the card on file. Forms work without
 * script; each outcome is a 303 (post, redirect, get) or the form again with a 4xx.
 */
export async function subscriptionPageRoutes(
  app: FastifyInstance,
  deps: SubscriptionPageDeps,
): Promise<void> {
  const { billing, plans, shell, secureCookies, stateOptions } = deps;
  const r = app.withTypeProvider<ZodTypeProvider>();
  const stateCodes = new Set(stateOptions.map((state) => state.code));

  function html(reply: FastifyReply, page: VNode, status = 200) {
    // The pages carry the reader's subscription and payments: no cache may keep them.
    return reply
      .status(status)
      .type('text/html; charset=utf-8')
      .header('cache-control', 'private, no-store')
      .send(renderPage(page));
  }

  /** The signed-in reader, if a live session came with the request (a stale cookie is cleared). */
  async function readerOf(request: FastifyRequest, reply: FastifyReply): Promise<PageReader | undefined> {
    const auth = await request.readerSession();
    if (auth?.lookup.status === 'live') return auth.lookup.account;
    if (auth?.kind === 'web') clearSessionCookie(reply);
    return undefined;
  }

  /** Runs `then` for the signed-in reader, or sends them to sign in and come back to `path`. */
  async function signedIn(
    request: FastifyRequest,
    reply: FastifyReply,
    path: string,
    then: (reader: PageReader) => Promise<FastifyReply>,
  ): Promise<FastifyReply> {
    const reader = await readerOf(request, reply);
    return reader ? then(reader) : reply.redirect(loginHref(path), 303);
  }

  const accountShell = (reader: PageReader, path: string) =>
    shell({ signedIn: true, path, accountId: reader.id });

  // ─── /subscribe ───────────────────────────────────────────────────────────────────────────

  async function renderSubscribe(
    reply: FastifyReply,
    options: {
      reader: PageReader | undefined;
      offered: readonly Plan[];
      chosen: Plan | undefined;
      returnTo: string | undefined;
      values: SubscribeFormValues;
      notice?: string | undefined;
      problem?: SubscribeProblem | undefined;
      status?: number | undefined;
    },
  ) {
    const { reader, chosen } = options;
    // Signing in from the header comes back to this form, still headed for `returnTo`.
    const here = subscribePath(chosen?.slug, options.returnTo);
    const [pageShell, current] = await Promise.all([
      shell({ signedIn: reader !== undefined, path: here, accountId: reader?.id }),
      reader ? billing.subscription(reader.id) : null,
    ]);
    const page = (
      <SubscribePage
        shell={pageShell}
        plans={options.offered}
        chosen={chosen}
        returnTo={options.returnTo}
        signedIn={reader !== undefined}
        current={isLive(current) ? current : undefined}
        notice={options.notice}
        stateOptions={stateOptions}
        values={options.values}
        problem={options.problem}
      />
    );
    return html(reply, page, options.status);
  }

  const blankForm = (reader: PageReader | undefined): SubscribeFormValues => ({
    account: 'new',
    email: '',
    billingName: reader?.name ?? '',
    billingState: '',
    coupon: '',
  });

  r.get('/subscribe', { schema: { querystring: SubscribeQuery } }, async (request, reply) => {
    const { plan: slug, checkout } = request.query;
    const returnTo = request.query.returnTo === undefined ? undefined : safeReturnTo(request.query.returnTo);
    const [reader, offered] = await Promise.all([readerOf(request, reply), plans.listActive()]);
    const chosen = slug === undefined ? undefined : offered.find((plan) => plan.slug === slug);
    const unknown = slug !== undefined && chosen === undefined;
    return renderSubscribe(reply, {
      reader,
      offered,
      chosen,
      returnTo,
      values: blankForm(reader),
      notice: unknown
        ? 'That plan is not on offer. These are the plans that are.'
        : checkout && checkoutNotices[checkout],
      status: unknown ? 404 : 200,
    });
  });

  r.post('/subscribe', async (request, reply) => {
    const posted = SubscribePosted.parse(request.body);
    const returnTo = posted.returnTo === '' ? undefined : safeReturnTo(posted.returnTo);
    let reader = await readerOf(request, reply);
    const offered = await plans.listActive();
    const chosen = offered.find((plan) => plan.slug === posted.plan);
    const values: SubscribeFormValues = {
      account: posted.account === 'existing' ? 'existing' : 'new',
      email: posted.email,
      billingName: posted.billingName,
      billingState: posted.billingState,
      coupon: posted.coupon,
    };
    const again = (status: number, problem: SubscribeProblem) =>
      renderSubscribe(reply, { reader, offered, chosen, returnTo, values, problem, status });

    if (!chosen) {
      return renderSubscribe(reply, {
        reader,
        offered,
        chosen: undefined,
        returnTo,
        values,
        notice: 'That plan is not on offer. Choose one of these.',
        status: 422,
      });
    }
    const billingFields = BillingFields.safeParse(posted);
    if (!billingFields.success) {
      const issue = billingFields.error.issues[0];
      const field = isField(issue?.path[0]) ? issue.path[0] : undefined;
      return again(422, {
        message: `${field ? `${fieldLabels[field]}: ` : ''}${issue?.message ?? 'check the form'}`,
        field,
      });
    }
    if (posted.billingState !== '' && !stateCodes.has(posted.billingState)) {
      return again(422, {
        message: 'State: choose one from the list, or leave it blank.',
        field: 'billingState',
      });
    }
    const { billingName, coupon } = billingFields.data;

    if (!reader) {
      const credentials = Credentials.safeParse(posted);
      if (!credentials.success) {
        const issue = credentials.error.issues[0];
        const field = isField(issue?.path[0]) ? issue.path[0] : undefined;
        return again(422, {
          message: `${field ? `${fieldLabels[field]}: ` : ''}${issue?.message ?? 'check the form'}`,
          field,
        });
      }
      try {
        const opened = await openSession(request, reply, values.account, {
          ...credentials.data,
          name: billingName,
        });
        reader = opened.account;
      } catch (error) {
        if (!isFormError(error)) throw error;
        const field = error.details?.field ?? (error.code === 'conflict' ? 'email' : undefined);
        const message =
          error.code === 'validation_failed' && isField(field)
            ? `${fieldLabels[field]}: ${error.message.replace(/^\w+: /, '')}`
            : error.message;
        return again(error.status, { message, field: isField(field) ? field : undefined });
      }
    }

    try {
      const started = await billing.startCheckout({
        account: reader,
        planId: chosen.id,
        coupon: coupon || undefined,
        returnTo: returnTo ?? accountWith('subscribed'),
        billingName: billingName || undefined,
        billingState: posted.billingState || null,
      });
      deps.checkoutStarts?.checkoutStarted({
        accountId: reader.id,
        deviceId: deps.anonymousReaderId(request),
        planId: chosen.id,
        returnTo: returnTo ?? accountWith('subscribed'),
      });
      return reply.redirect(started.checkoutUrl, 303);
    } catch (error) {
      if (!isFormError(error)) throw error;
      if (error.code === 'conflict') {
        return again(409, {
          message: error.message,
          link: { href: '/account', text: 'Go to your account' },
        });
      }
      const field = error.details?.field;
      return again(error.status, { message: error.message, field: isField(field) ? field : undefined });
    }
  });

  /** Signs the reader up or in from the subscribe form, with the same limits as `/login`. */
  const openSession = (
    request: FastifyRequest,
    reply: FastifyReply,
    kind: 'new' | 'existing',
    input: { email: string; password: string; name: string },
  ) => openFormSession(deps, request, reply, kind, input);

  // ─── /subscribe/return ────────────────────────────────────────────────────────────────────

  r.get('/subscribe/return', { schema: { querystring: ReturnQuery } }, async (request, reply) => {
    const id = request.query.checkout;
    // Only the reader who started a checkout learns anything about it, even that it exists.
    const reader = await readerOf(request, reply);
    const checkout =
      reader && id && checkoutId.test(id) ? await billing.findCheckout(reader.id, id) : undefined;
    if (!reader || !checkout) throw notFound('The checkout');
    const state = await billing.completeCheckout(checkout.id, `reader:${reader.id}`);
    if (state.status === 'completed') {
      const returnTo = safeReturnTo(state.returnTo);
      // The page they wanted (an article) says welcome once; the account page has its own notice.
      if (checkout.purpose === 'subscribe' && !returnTo.startsWith('/account'))
        setWelcome(reply, secureCookies);
      return reply.redirect(returnTo, 303);
    }
    const pageShell = await accountShell(reader, '/account');
    if (state.status === 'open') return html(reply, <CheckoutPendingPage shell={pageShell} />);
    const plan = checkout.planId
      ? (await plans.listActive()).find((p) => p.id === checkout.planId)
      : undefined;
    const retry =
      checkout.purpose === 'payment_method'
        ? '/account/payment-method'
        : plan
          ? subscribePath(plan.slug, safeReturnTo(state.returnTo))
          : subscribePath(undefined, safeReturnTo(state.returnTo));
    return html(
      reply,
      <CheckoutFailedPage
        shell={pageShell}
        reason={state.reason}
        retry={retry}
        expired={state.status === 'expired'}
      />,
    );
  });

  // ─── /account/subscription/cancel and /resume ─────────────────────────────────────────────

  async function renderCancel(
    reply: FastifyReply,
    reader: PageReader,
    sub: SubscriptionView,
    options: { chosen?: string; problem?: string; status?: number } = {},
  ) {
    const pageShell = await accountShell(reader, '/account/subscription/cancel');
    return html(
      reply,
      <CancelPage shell={pageShell} subscription={sub} chosen={options.chosen} problem={options.problem} />,
      options.status,
    );
  }

  r.get('/account/subscription/cancel', async (request, reply) =>
    signedIn(request, reply, '/account/subscription/cancel', async (reader) => {
      const sub = await billing.subscription(reader.id);
      if (!isLive(sub)) return reply.redirect('/account', 303);
      if (sub.status === 'canceling') return reply.redirect(accountWith('canceled'), 303);
      return renderCancel(reply, reader, sub);
    }),
  );

  r.post('/account/subscription/cancel', async (request, reply) =>
    signedIn(request, reply, '/account/subscription/cancel', async (reader) => {
      const { reason } = ReasonPosted.parse(request.body);
      const sub = await billing.subscription(reader.id);
      if (!isLive(sub)) return reply.redirect('/account', 303);
      if (reason !== '' && !isCancelReason(reason)) {
        return renderCancel(reply, reader, sub, {
          status: 422,
          problem: 'Choose one of the reasons, or none: the question is optional.',
        });
      }
      try {
        await billing.cancel(reader.id, reason || undefined);
      } catch (error) {
        if (!isFormError(error)) throw error;
        // Already cancelled (a second click, another tab): the account page says how things stand.
        if (sub.status === 'canceling') return reply.redirect(accountWith('canceled'), 303);
        return renderCancel(reply, reader, sub, {
          status: error.status,
          problem: error.message,
          chosen: reason,
        });
      }
      return reply.redirect(accountWith('canceled'), 303);
    }),
  );

  r.post('/account/subscription/resume', async (request, reply) =>
    signedIn(request, reply, '/account', async (reader) => {
      try {
        await billing.resume(reader.id);
      } catch (error) {
        if (!isFormError(error)) throw error;
        const pageShell = await accountShell(reader, '/account');
        return html(
          reply,
          <BillingProblemPage
            shell={pageShell}
            title="Your subscription was not resumed"
            message={error.message}
          />,
          error.status,
        );
      }
      return reply.redirect(accountWith('resumed'), 303);
    }),
  );

  // ─── /account/subscription/change ─────────────────────────────────────────────────────────

  /** Every plan the reader could move to, previewed; or why the plan cannot change now. */
  async function changeOptions(reader: PageReader, sub: SubscriptionView, offered: readonly Plan[]) {
    const options: ChangePreview[] = [];
    let blocked: string | undefined;
    for (const plan of offered) {
      if (plan.id === sub.plan.id && !sub.pendingChange) continue;
      try {
        options.push(await billing.previewChange(reader.id, plan.id));
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        // Overdue or cancelled: the same sentence for every plan. Anything else: not this plan.
        if (error.code === 'conflict') blocked = error.message;
      }
    }
    return { options: blocked ? [] : options, blocked };
  }

  async function renderChange(
    reply: FastifyReply,
    reader: PageReader,
    sub: SubscriptionView,
    options: { problem?: string; status?: number } = {},
  ) {
    const [pageShell, offered] = await Promise.all([
      accountShell(reader, '/account/subscription/change'),
      plans.listActive(),
    ]);
    const { options: previews, blocked } = await changeOptions(reader, sub, offered);
    const page = (
      <ChangePlanPage
        shell={pageShell}
        subscription={sub}
        options={previews}
        blocked={blocked}
        problem={options.problem}
      />
    );
    return html(reply, page, options.status);
  }

  r.get('/account/subscription/change', async (request, reply) =>
    signedIn(request, reply, '/account/subscription/change', async (reader) => {
      const sub = await billing.subscription(reader.id);
      if (!isLive(sub)) return reply.redirect('/account', 303);
      return renderChange(reply, reader, sub);
    }),
  );

  r.post('/account/subscription/change', async (request, reply) =>
    signedIn(request, reply, '/account/subscription/change', async (reader) => {
      const { plan: slug } = PlanPosted.parse(request.body);
      const sub = await billing.subscription(reader.id);
      if (!isLive(sub)) return reply.redirect('/account', 303);
      const plan = (await plans.listActive()).find((p) => p.slug === slug);
      if (!plan) {
        return renderChange(reply, reader, sub, { status: 422, problem: 'Choose one of the plans shown.' });
      }
      let changed: SubscriptionView;
      try {
        changed = (await billing.changePlan(reader.id, plan.id)).subscription;
      } catch (error) {
        // A declined upgrade (402) says why; the plan stays as it was.
        if (!(error instanceof AppError) || !(formErrors.has(error.code) || error.code === 'payment_failed'))
          throw error;
        const now = (await billing.subscription(reader.id)) ?? sub;
        return renderChange(reply, reader, isLive(now) ? now : sub, {
          status: error.status,
          problem: error.message,
        });
      }
      const notice: BillingNotice =
        changed.plan.id === plan.id && sub.plan.id !== plan.id
          ? 'changed'
          : changed.pendingChange?.planId === plan.id
            ? 'change_scheduled'
            : 'change_kept';
      return reply.redirect(accountWith(notice), 303);
    }),
  );

  // ─── /account/payment-method ──────────────────────────────────────────────────────────────

  r.get('/account/payment-method', async (request, reply) =>
    signedIn(request, reply, '/account/payment-method', async (reader) => {
      const [pageShell, sub] = await Promise.all([
        accountShell(reader, '/account/payment-method'),
        billing.subscription(reader.id),
      ]);
      return html(reply, <PaymentMethodPage shell={pageShell} subscription={sub} />);
    }),
  );

  r.post('/account/payment-method', async (request, reply) =>
    signedIn(request, reply, '/account/payment-method', async (reader) => {
      try {
        const started = await billing.startCardChange(reader, accountWith('card_saved'));
        return reply.redirect(started.checkoutUrl, 303);
      } catch (error) {
        if (!isFormError(error)) throw error;
        const pageShell = await accountShell(reader, '/account/payment-method');
        return html(
          reply,
          <BillingProblemPage shell={pageShell} title="Your card was not changed" message={error.message} />,
          error.status,
        );
      }
    }),
  );
}
