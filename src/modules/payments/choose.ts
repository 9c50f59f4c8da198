import type { Kysely } from 'kysely';
import type { PaymentGatewayConfig } from '../../config/config.js';
import type { Database } from '../../db/schema.js';
import type { Clock } from '../../kernel/clock.js';
import type { PaymentGateway } from './gateway.js';
import { createRazorpayGateway, type RazorpayGateway } from './razorpay.js';
import {
  createSandboxGateway,
  createSandboxProcessor,
  sandboxWebhookSecret,
  type SandboxProcessor,
} from './sandbox/index.js';
import { createStripeGateway } from './stripe.js';

/** The configured gateway, and the extra parts its provider needs served (pages, a processor). */
export type ChosenGateway =
  | {
      readonly gateway: PaymentGateway;
      readonly kind: 'sandbox';
      readonly processor: SandboxProcessor;
      readonly secret: string;
    }
  | { readonly gateway: PaymentGateway; readonly kind: 'stripe' }
  | { readonly gateway: RazorpayGateway; readonly kind: 'razorpay' };

export function choosePaymentGateway(
  config: PaymentGatewayConfig,
  deps: { db: Kysely<Database>; clock: Clock; publicUrl: string; sessionSecret: string },
): ChosenGateway {
  switch (config.name) {
    case 'sandbox': {
      const processor = createSandboxProcessor({ db: deps.db, clock: deps.clock });
      const secret = sandboxWebhookSecret(deps.sessionSecret);
      return {
        kind: 'sandbox',
        processor,
        secret,
        gateway: createSandboxGateway({ processor, secret, publicUrl: deps.publicUrl, clock: deps.clock }),
      };
    }
    case 'stripe':
      return { kind: 'stripe', gateway: createStripeGateway(config) };
    case 'razorpay':
      return {
        kind: 'razorpay',
        gateway: createRazorpayGateway({ ...config, publicUrl: deps.publicUrl, clock: deps.clock }),
      };
  }
}
