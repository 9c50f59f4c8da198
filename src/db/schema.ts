import type { ColumnType, Insertable, Selectable, Updateable } from 'kysely';

/**
 * The tables, written once for SQLite and PostgreSQL: timestamps are ISO 8601 UTC text
 * (sortable and identical in both), booleans are 0/1 integers, JSON is text.
 */
export interface Database {
  sections: SectionsTable;
  articles: ArticlesTable;
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
}

export interface SectionsTable {
  id: string;
  slug: string;
  name: string;
  position: number;
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
  published_at: string;
  created_at: string;
  updated_at: string;
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
