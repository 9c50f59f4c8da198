export { createCouponService, type CouponService, type CouponInput, type CouponPatch } from './service.js';
export {
  applyDiscount,
  appliesToRenewals,
  describeDiscount,
  discountJson,
  parseDiscount,
  normaliseCode,
  type Coupon,
  type CouponDuration,
  type CouponKind,
  type CouponRefusal,
  type Discount,
  type Quote,
} from './domain.js';
export { couponJson } from './serializers.js';
export { adminCouponRoutes } from './routes-admin.js';
export { couponPageRoutes } from './routes-pages.js';
