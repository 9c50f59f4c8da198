import { sql, type RawBuilder } from 'kysely';

/** `text` with LIKE's wildcards (and the escape character itself) escaped, so it matches only itself. */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * `column LIKE pattern ESCAPE '\'`: the same in SQLite and PostgreSQL. Build `pattern` from
 * `escapeLike` and the wildcards you mean.
 */
export function like(column: string, pattern: string): RawBuilder<boolean> {
  return sql<boolean>`${sql.ref(column)} like ${pattern} escape '\\'`;
}

/** `lower(column) LIKE pattern ESCAPE '\'`: a case-insensitive `like`; give `pattern` in lower case. */
export function likeLowered(column: string, pattern: string): RawBuilder<boolean> {
  return sql<boolean>`lower(${sql.ref(column)}) like ${pattern} escape '\\'`;
}
