import { type SQL, sql } from 'drizzle-orm';

/** The rows of `db.execute`'s answer: postgres-js answers with the rows, PGlite with `{ rows }`. */
export function rowsOf<T>(result: unknown): T[] {
  return (Array.isArray(result) ? result : (result as { rows: T[] }).rows) as T[];
}

/**
 * A value as one `jsonb` parameter of a statement, sent as text: the way a batch's rows go to
 * PostgreSQL in one statement (`jsonb_to_recordset(...)`), alike on postgres-js and PGlite.
 */
export function jsonParam(value: unknown): SQL {
  return sql`${JSON.stringify(value)}::text::jsonb`;
}
