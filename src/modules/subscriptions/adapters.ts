import { paymentJson, subscriptionJson } from './routes.js';
import type { Billing } from './service.js';

/**
 * What the accounts module shows of a reader's membership (`GET /api/v1/me`, the account
 * page): the benefits granted now and the subscription, as the API describes them.
 */
export function accountMembership(billing: Pick<Billing, 'entitlements' | 'subscription'>) {
  return async (accountId: string) => {
    const [entitlements, subscription] = await Promise.all([
      billing.entitlements(accountId),
      billing.subscription(accountId),
    ]);
    return { entitlements: [...entitlements], subscription: subscription && subscriptionJson(subscription) };
  };
}

/**
 * The billing part of a reader's data export and of deleting an account: the subscription and
 * payments from billing, the invoices from the invoices module.
 */
export function billingPrivacy(deps: {
  billing: Pick<Billing, 'subscription' | 'payments' | 'endForDeletedAccount'>;
  invoices: { exportOf(accountId: string): Promise<readonly object[]> };
}) {
  const { billing, invoices } = deps;
  return {
    async recordsOf(accountId: string) {
      const [subscription, payments, invoiceList] = await Promise.all([
        billing.subscription(accountId),
        billing.payments(accountId),
        invoices.exportOf(accountId),
      ]);
      return {
        subscription: subscription && subscriptionJson(subscription),
        payments: payments.map(paymentJson),
        invoices: invoiceList,
      };
    },
    endForDeletedAccount: (accountId: string) => billing.endForDeletedAccount(accountId),
  };
}
