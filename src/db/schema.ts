import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The tables, written once for SQLite and PostgreSQL: timestamps are ISO 8601 UTC text
 * (sortable and identical in both), booleans are 0/1 integers, JSON is text.
 */
export interface Database {
  comp_grants: CompGrantsTable;
  sections: SectionsTable;
  articles: ArticlesTable;
  article_search_docs: ArticleSearchDocsTable;
  meter_periods: MeterPeriodsTable;
  meter_reads: MeterReadsTable;
  plans: PlansTable;
  plan_prices: PlanPricesTable;
  settings: SettingsTable;
  api_keys: ApiKeysTable;
  mail_outbox: MailOutboxTable;
  rate_limit_windows: RateLimitWindowsTable;
  accounts: AccountsTable;
  account_sessions: AccountSessionsTable;
  refresh_tokens: RefreshTokensTable;
  account_links: AccountLinksTable;
  coupons: CouponsTable;
  coupon_redemptions: CouponRedemptionsTable;
  coupon_reservations: CouponReservationsTable;
  checkouts: CheckoutsTable;
  subscriptions: SubscriptionsTable;
  subscription_events: SubscriptionEventsTable;
  price_moves: PriceMovesTable;
  price_notices: PriceNoticesTable;
  payments: PaymentsTable;
  invoice_sequences: InvoiceSequencesTable;
  invoices: InvoicesTable;
  webhook_events: WebhookEventsTable;
  sandbox_sessions: SandboxSessionsTable;
  sandbox_payment_methods: SandboxPaymentMethodsTable;
  sandbox_charges: SandboxChargesTable;
  sandbox_refunds: SandboxRefundsTable;
  sandbox_webhooks: SandboxWebhooksTable;
  jobs: JobsTable;
  epaper_editions: EpaperEditionsTable;
  epaper_shares: EpaperSharesTable;
  partner_offers: PartnerOffersTable;
  partner_codes: PartnerCodesTable;
  newsletters: NewslettersTable;
  newsletter_subscriptions: NewsletterSubscriptionsTable;
  newsletter_issues: NewsletterIssuesTable;
  newsletter_deliveries: NewsletterDeliveriesTable;
  analytics_events: AnalyticsEventsTable;
  staff_members: StaffMembersTable;
  staff_sessions: StaffSessionsTable;
  staff_invitations: StaffInvitationsTable;
  staff_recovery_codes: StaffRecoveryCodesTable;
  audit_log: AuditLogTable;
  refunds: RefundsTable;
  credit_note_sequences: CreditNoteSequencesTable;
  credit_notes: CreditNotesTable;
}

export interface SectionsTable {
  id: string;
  slug: string;
  name: string;
  position: number;
  /** The benefit every article of this section needs (a premium vertical), or null. */
  required_benefit: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface ArticlesTable {
  id: string;
  slug: string;
  headline: string;
  standfirst: string;
  byline: string;
  section_id: string;
  access: 'free' | 'metered' | 'premium';
  syndicated_agency: string | null;
  /** The opening of the body: all a refused reader may ever receive. */
  teaser_html: string;
  /** The whole body, loaded only for a reader granted access. */
  body_html: string;
  /** Lower-cased headline, standfirst and teaser: public search never matches hidden text. */
  search_text: string;
  /** Which preparation of the body (`bodyFormat` in content) wrote body, teaser and search text. */
  body_format: number;
  /**
   * The Markdown the body was written in (0023); null for a body written in HTML. The body and
   * teaser above are always prepared from it when it is set.
   */
  body_markdown: ColumnType<string | null, string | null | undefined, string | null>;
  /**
   * `draft`, `published` (shown from `published_at`; a future one is scheduled) or
   * `unpublished` (taken down). Readers only ever see `published` articles.
   */
  status: ColumnType<
    'draft' | 'published' | 'unpublished',
    'draft' | 'published' | 'unpublished' | undefined
  >;
  /**
   * A benefit key the article itself needs (`epaper`, `market-analysis`), besides its section's
   * if any, or null (0022).
   */
  required_benefit: ColumnType<string | null, string | null | undefined, string | null>;
  /** The feed item's GUID an imported article came from (unique), or null. */
  wire_guid: ColumnType<string | null, string | null | undefined, string | null>;
  published_at: string;
  created_at: string;
  updated_at: string;
}

/**
 * What full-text search matches and quotes: headline, standfirst and the teaser as plain text,
 * never the rest of the body. SQLite indexes it with FTS5 (`article_search`), PostgreSQL with
 * a generated tsvector (`document`), both kept in step by the database itself.
 */
export interface ArticleSearchDocsTable {
  doc: Generated<number>;
  article_id: string;
  section_id: string;
  published_at: string;
  headline: string;
  standfirst: string;
  teaser: string;
}

export interface MeterPeriodsTable {
  reader_id: string;
  period: string;
  used: number;
}

export interface MeterReadsTable {
  reader_id: string;
  period: string;
  article_id: string;
  read_at: string;
}

export interface PlansTable {
  id: string;
  slug: string;
  name: string;
  interval_unit: 'month' | 'year';
  interval_count: number;
  trial_days: number;
  /** JSON array of benefit keys. */
  benefits: string;
  active: ColumnType<number, number | undefined, number>;
  position: number;
  created_at: string;
}

export interface PlanPricesTable {
  id: string;
  plan_id: string;
  currency: string;
  amount_minor: number;
  created_at: string;
  /** Set when a newer price replaced this one; its subscribers keep it until told. */
  superseded_at: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface SettingsTable {
  key: string;
  /** JSON. */
  value: string;
  updated_at: string;
}

export interface ApiKeysTable {
  id: string;
  name: string;
  scope: 'admin';
  /** The staff role the key acts with: `owner`, `editor`, `marketer` or `support`. */
  role: ColumnType<string, string | undefined, string>;
  /** SHA-256 of the key; the key itself is shown once and never stored. */
  key_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface RateLimitWindowsTable {
  /** The rule's name and the limited key (an IP, an email), e.g. `sign-in:ip 203.0.113.7`. */
  key: string;
  /** Attempts in the window, refused ones included. */
  count: number;
  window_started_at: string;
  expires_at: string;
}

/** Mail kept instead of sent (no SMTP), and the log of mail sent over SMTP. */
export interface MailOutboxTable {
  id: string;
  to_address: string;
  subject: string;
  text_body: string;
  html_body: string;
  template: string;
  created_at: string;
  /** When the SMTP server accepted it; null in the outbox or when it failed. */
  sent_at: string | null;
  /** Why the SMTP server did not accept it. */
  error: string | null;
  /** A queued message waiting for delivery, not before this moment; null once sent or given up. */
  deliver_after: ColumnType<string | null, string | null | undefined, string | null>;
  /** Delivery attempts made for a queued message. */
  attempts: ColumnType<number, number | undefined, number>;
}

export type ArticleRow = Selectable<ArticlesTable>;
export type NewArticleRow = Insertable<ArticlesTable>;
export type ArticleUpdate = Updateable<ArticlesTable>;
export type SectionRow = Selectable<SectionsTable>;
export type PlanRow = Selectable<PlansTable>;
export type PlanPriceRow = Selectable<PlanPricesTable>;
export type MailOutboxRow = Selectable<MailOutboxTable>;
export type NewMailOutboxRow = Insertable<MailOutboxTable>;

export interface AccountsTable {
  id: string;
  /** Lower-cased. */
  email: string;
  name: string;
  /** argon2id; null for an account that signs in by emailed link only. */
  password_hash: string | null;
  email_verified_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface AccountSessionsTable {
  id: string;
  account_id: string;
  kind: 'web' | 'app';
  /** SHA-256 of the session cookie (web) or of the current access token (app). */
  token_hash: string;
  token_expires_at: string;
  user_agent: string;
  ip: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ended_at: string | null;
  end_reason: string | null;
}

export interface RefreshTokensTable {
  id: string;
  session_id: string;
  /** SHA-256 of the refresh token. */
  token_hash: string;
  created_at: string;
  /** Set when exchanged; a second use ends the session (the token was copied). */
  used_at: string | null;
}

/** A one-time link mailed to a reader: it confirms the address, signs in, or resets the password. */
export interface AccountLinksTable {
  id: string;
  account_id: string;
  purpose: 'confirm_email' | 'sign_in' | 'password_reset';
  /** SHA-256 of the token in the link; the token itself is only ever in the mail. */
  token_hash: string;
  created_at: string;
  /** When it stops working: its lifetime after `created_at`, or sooner if a newer link of the same purpose was issued. */
  expires_at: string;
  /** Set when the link was used; a link works once. */
  used_at: string | null;
}

/** A discount code. Percent coupons carry `percent_off`; amount coupons `amount_off_minor` + `currency`. */
export interface CouponsTable {
  id: string;
  /** Upper-cased. */
  code: string;
  kind: 'percent' | 'amount';
  percent_off: number | null;
  amount_off_minor: number | null;
  currency: string | null;
  /** `once`: the first term only; `forever`: every term. */
  duration: 'once' | 'forever';
  /** JSON array of plan ids it applies to; null for every plan. */
  plan_ids: string | null;
  expires_at: string | null;
  max_redemptions: number | null;
  redemptions: ColumnType<number, number | undefined, number>;
  /** Uses held by open checkouts; the limit caps `redemptions + reserved`. */
  reserved: ColumnType<number, number | undefined, number>;
  active: ColumnType<number, number | undefined, number>;
  created_at: string;
}

export interface CouponRedemptionsTable {
  id: string;
  coupon_id: string;
  account_id: string;
  subscription_id: string;
  created_at: string;
}

/** A coupon use held for a reader while their checkout is open (one per coupon and account). */
export interface CouponReservationsTable {
  id: string;
  coupon_id: string;
  account_id: string;
  /** The reader's latest checkout with the code; its failure or expiry releases the hold. */
  checkout_id: string;
  expires_at: string;
  created_at: string;
}

/** One attempt to pay at the gateway: to subscribe, or to replace the card on file. */
export interface CheckoutsTable {
  id: string;
  account_id: string;
  purpose: 'subscribe' | 'payment_method';
  plan_id: string | null;
  price_id: string | null;
  /** For `payment_method`: the subscription whose card is replaced. */
  subscription_id: string | null;
  /** JSON snapshot of the coupon applied (see coupons' `Discount`), or null. */
  discount: string | null;
  /** Due now: the first term after the discount; 0 for a trial or a card change. */
  amount_minor: number;
  currency: string;
  trial_days: number;
  billing_name: string;
  /** Indian state code (GST place of supply); null when not given. */
  billing_state: string | null;
  /** Where the reader goes afterwards: a path on this site. */
  return_to: string;
  gateway: string;
  gateway_session: string | null;
  status: 'open' | 'completed' | 'failed' | 'expired';
  failure_reason: string | null;
  created_at: string;
  expires_at: string;
  completed_at: string | null;
}

export type SubscriptionStatus = 'trialing' | 'active' | 'past_due' | 'canceling' | 'expired';

export interface SubscriptionsTable {
  id: string;
  account_id: string;
  plan_id: string;
  /** The price version the reader pays; a newer price reaches them only when they are told. */
  price_id: string;
  status: SubscriptionStatus;
  currency: string;
  /** JSON snapshot of a coupon that still applies to renewals, or null. */
  discount: string | null;
  billing_name: string;
  billing_state: string | null;
  gateway: string;
  gateway_customer: string | null;
  /** The gateway's token for the saved card, charged off-session at renewal. */
  payment_method_ref: string | null;
  /** What the reader sees, e.g. `Visa •••• 4242`. */
  payment_method_label: string | null;
  current_period_start: string;
  current_period_end: string;
  trial_ends_at: string | null;
  cancel_requested_at: string | null;
  cancel_reason: string | null;
  /** A downgrade waiting for the next renewal. */
  pending_plan_id: string | null;
  pending_price_id: string | null;
  /** Failed charges for the current period. */
  renewal_attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: string | null;
  /** The period end the renewal reminder was sent for, and when. */
  reminded_for: string | null;
  reminded_at: string | null;
  ended_at: string | null;
  /** Bumped by every change: a change made from a stale read updates nothing. */
  version: ColumnType<number, number | undefined, number>;
  created_at: string;
  updated_at: string;
}

export interface SubscriptionEventsTable {
  id: string;
  subscription_id: string;
  kind: string;
  from_status: SubscriptionStatus | null;
  to_status: SubscriptionStatus;
  /** Who or what caused it: `reader:acc_…`, `admin:key_…`, `billing-run`, `gateway:evt_…`. */
  actor: string;
  /** JSON. */
  detail: string;
  created_at: string;
}

/** A move of a plan's subscribers to a newer price version, with notice. */
export interface PriceMovesTable {
  id: string;
  plan_id: string;
  /** The price version subscribers move to; one move per version (unique with the plan). */
  price_id: string;
  currency: string;
  /** How many days after its notice a subscription may first be charged the new price. */
  notice_days: number;
  /** Who made it: `admin:key_…`, `staff:stf_…`. */
  actor: string;
  created_at: string;
}

/** One subscription told of a price move: once per move and subscription (unique). */
export interface PriceNoticesTable {
  id: string;
  move_id: string;
  subscription_id: string;
  plan_id: string;
  currency: string;
  from_price_id: string;
  to_price_id: string;
  notified_at: string;
  /** No renewal before this moment is charged the new price. */
  effective_at: string;
  /** When a renewal first charged the new price; null until then. */
  moved_at: string | null;
}

export type PriceMoveRow = Selectable<PriceMovesTable>;
export type PriceNoticeRow = Selectable<PriceNoticesTable>;

export interface PaymentsTable {
  id: string;
  account_id: string;
  subscription_id: string | null;
  checkout_id: string | null;
  /** The plan and price version this payment pays for. */
  plan_id: string | null;
  price_id: string | null;
  kind: 'initial' | 'renewal' | 'upgrade';
  status: 'pending' | 'succeeded' | 'failed' | 'refunded';
  amount_minor: number;
  currency: string;
  /** Sent to the gateway with the charge: the same key never charges twice. */
  idempotency_key: string;
  gateway: string;
  gateway_ref: string | null;
  failure_reason: string | null;
  /** The term this payment pays for. */
  period_start: string | null;
  period_end: string | null;
  attempt: ColumnType<number, number | undefined, number>;
  /**
   * Set by whoever is charging a pending payment, until when they may: a retry of a pending
   * payment waits for it to pass, so two processes never send one charge at once.
   */
  charging_until: ColumnType<string | null, string | null | undefined, string | null>;
  refunded_minor: ColumnType<number, number | undefined, number>;
  created_at: string;
  settled_at: string | null;
}

export interface InvoiceSequencesTable {
  /** `2026-27`: India's financial year, April to March. */
  financial_year: string;
  last_number: number;
}

/** A GST tax invoice for one payment; every figure computed once and stored. */
export interface InvoicesTable {
  id: string;
  /** At most 16 characters, unique within the financial year (GST rule 46). */
  number: string;
  financial_year: string;
  sequence: number;
  payment_id: string;
  account_id: string;
  subscription_id: string | null;
  issued_at: string;
  currency: string;
  taxable_minor: number;
  cgst_minor: number;
  sgst_minor: number;
  igst_minor: number;
  total_minor: number;
  /** Basis points: 1800 is 18%. */
  tax_rate_bp: number;
  tax_inclusive: number;
  /** State code and name, e.g. `27-Maharashtra`. */
  place_of_supply: string;
  /** JSON: the publisher's legal name, address, GSTIN and state at issue time. */
  seller: string;
  /** JSON: the reader's name, email and state. */
  buyer: string;
  /** JSON array of lines: description, SAC, amounts. */
  lines: string;
}

export interface WebhookEventsTable {
  provider: string;
  event_id: string;
  type: string;
  received_at: string;
}

export interface SandboxSessionsTable {
  id: string;
  /** `payment` takes money now and saves the card; `setup` only saves the card. */
  mode: 'payment' | 'setup';
  amount_minor: number;
  currency: string;
  description: string;
  customer_ref: string;
  /** The merchant's own reference (Masthead's checkout id). */
  reference: string;
  success_url: string;
  cancel_url: string;
  status: 'open' | 'requires_action' | 'paid' | 'failed' | 'expired';
  failure_reason: string | null;
  payment_method_id: string | null;
  charge_id: string | null;
  created_at: string;
  expires_at: string;
  completed_at: string | null;
}

export interface SandboxPaymentMethodsTable {
  id: string;
  customer_ref: string;
  brand: string;
  last4: string;
  /** How the test card behaves later: `ok`, or `renewals_fail` for 4000 0000 0000 0341. */
  behaviour: string;
  created_at: string;
}

export interface SandboxChargesTable {
  id: string;
  idempotency_key: string;
  payment_method_id: string;
  amount_minor: number;
  currency: string;
  reference: string;
  status: 'succeeded' | 'failed';
  failure_reason: string | null;
  refunded_minor: ColumnType<number, number | undefined, number>;
  created_at: string;
}

export interface SandboxRefundsTable {
  id: string;
  idempotency_key: string;
  charge_id: string;
  amount_minor: number;
  created_at: string;
}

export interface SandboxWebhooksTable {
  id: string;
  type: string;
  /** The JSON body, exactly as signed and sent. */
  payload: string;
  attempts: ColumnType<number, number | undefined, number>;
  next_attempt_at: string;
  delivered_at: string | null;
  last_error: string | null;
  created_at: string;
}

/** A partner's offer to subscribers (complimentary access), fulfilled with activation codes. */
export interface PartnerOffersTable {
  id: string;
  name: string;
  partner: string;
  /** Plain text: how to use the code at the partner. */
  instructions: string;
  active: ColumnType<number, number | undefined, number>;
  /** Staff are warned when the unclaimed codes fall to this many. */
  low_code_threshold: number;
  /** When staff were last warned that codes run low; null once an upload lifts them again. */
  low_warned_at: string | null;
  created_at: string;
}

/** One activation code of an offer; `account_id` and `claimed_at` once a reader claimed it. */
export interface PartnerCodesTable {
  id: string;
  offer_id: string;
  code: string;
  account_id: string | null;
  claimed_at: string | null;
  created_at: string;
}

export type SubscriptionRow = Selectable<SubscriptionsTable>;
export type CheckoutRow = Selectable<CheckoutsTable>;
export type PaymentRow = Selectable<PaymentsTable>;
export type InvoiceRow = Selectable<InvoicesTable>;
export type CouponRow = Selectable<CouponsTable>;
export type CouponReservationRow = Selectable<CouponReservationsTable>;

/** The durable job queue (src/modules/queue). */
export interface JobsTable {
  id: string;
  kind: string;
  key: string | null;
  /** JSON. */
  payload: string;
  status: 'queued' | 'running' | 'done' | 'dead';
  attempts: number;
  max_attempts: number;
  run_after: string;
  lease_token: string | null;
  lease_until: string | null;
  /** JSON `{done, total, note?}`. */
  progress: string | null;
  last_error: string | null;
  created_at: string;
  updated_at: string;
  finished_at: string | null;
}
export type JobRow = Selectable<JobsTable>;
export interface EpaperEditionsTable {
  id: string;
  /** YYYY-MM-DD, the publication's calendar. */
  date: string;
  name: string;
  /** The name lower-cased and trimmed; unique with the date. */
  name_key: string;
  status: 'queued' | 'processing' | 'ready' | 'failed';
  file_bytes: number;
  page_count: number | null;
  pages_done: number;
  error: string | null;
  job_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface EpaperSharesTable {
  id: string;
  /** SHA-256 (hex) of the link's token. */
  token_hash: string;
  edition_id: string;
  page: number;
  account_id: string;
  expires_at: string;
  created_at: string;
}
export type PartnerOfferRow = Selectable<PartnerOffersTable>;

/** Curated newsletters (src/modules/newsletters). */
export interface NewslettersTable {
  id: string;
  slug: string;
  name: string;
  description: string;
  access: 'free' | 'subscribers';
  created_at: string;
  updated_at: string;
}
export type NewsletterRow = Selectable<NewslettersTable>;

export interface NewsletterSubscriptionsTable {
  id: string;
  newsletter_id: string;
  /** Lower-cased. */
  email: string;
  account_id: string | null;
  status: 'pending' | 'active' | 'unsubscribed';
  /** SHA-256 (hex) of the confirmation link's token, while pending. */
  confirm_token_hash: string | null;
  confirm_expires_at: string | null;
  created_at: string;
  confirmed_at: string | null;
  unsubscribed_at: string | null;
  updated_at: string;
}
export type NewsletterSubscriptionRow = Selectable<NewsletterSubscriptionsTable>;

export interface NewsletterIssuesTable {
  id: string;
  newsletter_id: string;
  subject: string;
  intro: string;
  /** JSON array of article ids. */
  article_ids: string;
  status: 'draft' | 'scheduled' | 'sending' | 'sent';
  send_at: string | null;
  job_id: string | null;
  /** JSON: the issue as rendered when its send started. */
  rendered: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  updated_at: string;
}
export type NewsletterIssueRow = Selectable<NewsletterIssuesTable>;

export interface NewsletterDeliveriesTable {
  issue_id: string;
  subscription_id: string;
  email: string;
  status: 'pending' | 'sending' | 'sent' | 'failed';
  attempts: ColumnType<number, number | undefined, number>;
  error: string | null;
  sent_at: string | null;
}

/** Paywall impressions and checkout starts (the analytics module's, written in batches). */
export interface AnalyticsEventsTable {
  id: string;
  kind: 'paywall_impression' | 'checkout_start';
  /** The identity the meter counts by: the account when signed in, else the device's `rdr_…`. */
  reader_id: string;
  /** The device's anonymous id, when it carries one. */
  device_id: string | null;
  account_id: string | null;
  article_id: string | null;
  plan_id: string | null;
  at: string;
}

export type AnalyticsEventRow = Selectable<AnalyticsEventsTable>;
/** A comp: a free term of benefits support gave a reader (0016). Not a subscription. */
export interface CompGrantsTable {
  id: string;
  account_id: string;
  plan_id: string | null;
  /** JSON array of benefit keys. */
  benefits: string;
  starts_at: string;
  ends_at: string;
  granted_by: string;
  granted_at: string;
}

/** A member of the publisher's staff. */
export interface StaffMembersTable {
  id: string;
  /** Lower-cased. */
  email: string;
  name: string;
  /** `owner`, `editor`, `marketer` or `support`. */
  role: string;
  password_hash: string;
  /** Base32 TOTP secret once two-factor sign-in is confirmed. */
  totp_secret: string | null;
  /** A secret being enrolled, until its first code confirms it. */
  totp_pending_secret: string | null;
  /** The last 30-second step a code was accepted for: each code works once. */
  totp_last_step: number | null;
  created_at: string;
  removed_at: string | null;
}

export interface StaffSessionsTable {
  id: string;
  staff_id: string;
  /** SHA-256 of the cookie's token. */
  token_hash: string;
  /** `password`: waiting for the second factor; `full`: signed in. */
  stage: 'password' | 'full';
  ip: string;
  user_agent: string;
  created_at: string;
  last_seen_at: string;
  expires_at: string;
  ended_at: string | null;
}

export interface StaffInvitationsTable {
  id: string;
  email: string;
  role: string;
  /** SHA-256 of the token in the emailed link. */
  token_hash: string;
  /** The inviting principal's id (`stf_…` or `key_…`). */
  invited_by: string;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
  revoked_at: string | null;
}

export interface StaffRecoveryCodesTable {
  id: string;
  staff_id: string;
  /** SHA-256 of the code. */
  code_hash: string;
  used_at: string | null;
}

/** One admin action: who (a staff member or an API key), what, when, before and after. */
export interface AuditLogTable {
  id: string;
  at: string;
  actor_kind: 'staff' | 'api-key';
  actor_id: string;
  actor_label: string;
  action: string;
  target: string | null;
  /** JSON or null. */
  before: string | null;
  after: string | null;
}

/** A refund of all or part of a payment (0021), asked for by support. */
export interface RefundsTable {
  id: string;
  payment_id: string;
  account_id: string;
  subscription_id: string | null;
  plan_id: string | null;
  amount_minor: number;
  currency: string;
  /** `pending` while the gateway is asked (its amount reserved on the payment). */
  status: 'pending' | 'succeeded' | 'failed';
  idempotency_key: string;
  gateway: string;
  gateway_ref: string | null;
  failure_reason: string | null;
  actor: string;
  created_at: string;
  settled_at: string | null;
}

export type RefundRow = Selectable<RefundsTable>;

export interface CreditNoteSequencesTable {
  /** `2026-27`: the credit notes' own series, apart from the invoices'. */
  financial_year: string;
  last_number: number;
}

/** A GST credit note (0021): one per refund, against the refunded payment's invoice. */
export interface CreditNotesTable {
  id: string;
  number: string;
  financial_year: string;
  sequence: number;
  refund_id: string;
  invoice_id: string;
  payment_id: string;
  account_id: string;
  issued_at: string;
  currency: string;
  taxable_minor: number;
  cgst_minor: number;
  sgst_minor: number;
  igst_minor: number;
  total_minor: number;
  reason: string;
}

export type CreditNoteRow = Selectable<CreditNotesTable>;
