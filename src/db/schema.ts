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

export type ArticleRow = Selectable<ArticlesTable>;
export type NewArticleRow = Insertable<ArticlesTable>;
export type ArticleUpdate = Updateable<ArticlesTable>;
export type SectionRow = Selectable<SectionsTable>;
export type PlanRow = Selectable<PlansTable>;
export type PlanPriceRow = Selectable<PlanPricesTable>;
