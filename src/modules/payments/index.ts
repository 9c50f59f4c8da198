export {
  WebhookPayloadError,
  WebhookSignatureError,
  type ChargeRequest,
  type ChargeResult,
  type CheckoutOutcome,
  type CheckoutRequest,
  type GatewayName,
  type PaymentGateway,
  type RefundRequest,
  type RefundResult,
  type SavedPaymentMethod,
  type WebhookEvent,
} from './gateway.js';
// The sandbox card processor: Masthead's default gateway, its hosted pages and its webhooks.
export * from './sandbox/index.js';
export { choosePaymentGateway, type ChosenGateway, type GatewayDeps } from './choose.js';
export { razorpayRoutes } from './razorpay-routes.js';
