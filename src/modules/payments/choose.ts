import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { PaymentGatewayConfig } from '../../config/config.js';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import type { PeriodicJob } from '../../kernel/periodic-job.js';
import type { PaymentGateway } from './gateway.js';
import { createRazorpayGateway, type RazorpayGateway } from './razorpay.js';
import { razorpayRoutes } from './razorpay-routes.js';
import {
  createSandboxGateway,
  createSandboxProcessor,
  createSandboxWebhookDispatcher,
  httpDeliverer,
  sandboxRoutes,
  sandboxWebhookSecret,
  type SandboxProcessor,
  type SandboxWebhookDispatcher,
  type WebhookDeliverer,
} from './sandbox/index.js';
import { createStripeGateway } from './stripe.js';

/**
 * The configured gateway, with what its provider brings: the pages it serves on this site
 * (`routes`: the sandbox's card page, Razorpay's checkout page) and the work it needs done on
 * a timer (`jobs`: the sandbox's webhooks and lapsing checkouts). Stripe serves nothing here.
 */
export type ChosenGateway = {
  readonly routes: (app: FastifyInstance) => Promise<void>;
  readonly jobs: readonly PeriodicJob[];
} & (
  | {
      readonly gateway: PaymentGateway;
      readonly kind: 'sandbox';
      readonly processor: SandboxProcessor;
      readonly webhooks: SandboxWebhookDispatcher;
    }
  | { readonly gateway: PaymentGateway; readonly kind: 'stripe' }
  | { readonly gateway: RazorpayGateway; readonly kind: 'razorpay' }
);

export interface GatewayDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly publicUrl: string;
  readonly sessionSecret: string;
  /** The name on the provider's checkout page where Masthead draws it (Razorpay). */
  readonly publicationName: () => Promise<string>;
  /**
   * How the sandbox processor delivers its webhooks; by default an HTTP POST to
   * `PUBLIC_URL/webhooks/sandbox`, as a real processor would. Tests deliver through `inject`.
   */
  readonly deliverWebhook?: WebhookDeliverer | undefined;
}

export function choosePaymentGateway(config: PaymentGatewayConfig, deps: GatewayDeps): ChosenGateway {
  switch (config.name) {
    case 'sandbox': {
      const { db, clock, publicUrl } = deps;
      const processor = createSandboxProcessor({ db, clock });
      const secret = sandboxWebhookSecret(deps.sessionSecret);
      const webhooks = createSandboxWebhookDispatcher({
        db,
        clock,
        secret,
        deliver: deps.deliverWebhook ?? httpDeliverer(`${publicUrl}/webhooks/sandbox`),
      });
      return {
        kind: 'sandbox',
        processor,
        webhooks,
        gateway: createSandboxGateway({ processor, secret, publicUrl, clock }),
        routes: (app) => sandboxRoutes(app, { processor }),
        jobs: [
          // Asynchronous like a real processor's, and soon after the event, as theirs are.
          {
            name: 'sandbox:webhooks',
            everyMs: 1000,
            run: async () => ({ delivered: await webhooks.deliverDue() }),
          },
          // Abandoned card pages lapse, as a real processor's do.
          {
            name: 'sandbox:expire-checkouts',
            everyMs: 60_000,
            run: async () => ({ expired: await processor.expireDue() }),
          },
        ],
      };
    }
    case 'stripe':
      return { kind: 'stripe', gateway: createStripeGateway(config), routes: async () => {}, jobs: [] };
    case 'razorpay': {
      const gateway = createRazorpayGateway({ ...config, publicUrl: deps.publicUrl, clock: deps.clock });
      return {
        kind: 'razorpay',
        gateway,
        routes: (app) => razorpayRoutes(app, { gateway, publicationName: deps.publicationName }),
        jobs: [],
      };
    }
  }
}
