import type postgres from 'postgres';

type Sql = postgres.Sql<Record<string, never>>;
type Options = Parameters<Sql['unsafe']>[2];

/**
 * The client drizzle is given, with its `prepare` option honoured by every statement.
 *
 * drizzle-orm 0.45 runs each statement through `client.unsafe(text, params, { prepare: false })`
 * unless the query was made with `.prepare(name)` (drizzle-orm issue #6096). postgres-js then
 * sends a statement with parameters in two round trips, Parse/Describe and then Bind/Execute,
 * and sends nothing else on that connection in between: statements in one transaction that are
 * awaited together go one after another, and PostgreSQL parses and plans each one every time.
 * Prepared, a statement is parsed once per connection, costs one round trip, and the statements
 * of a step travel together.
 *
 * `prepare` stays postgres-js's own option: `?prepare=false` on DATABASE_URL turns it off for a
 * pooler that cannot keep prepared statements (PgBouncer in transaction mode before 1.21).
 * postgres-js closes each connection within an hour (`max_lifetime`), so its statements, one per
 * distinct SQL text, do not pile up.
 */
export function honourPrepareOption(client: Sql): Sql {
  return withPrepare(client, client.options.prepare);
}

function withPrepare<T extends Sql | postgres.TransactionSql<Record<string, never>>>(
  client: T,
  prepare: boolean,
): T {
  return new Proxy(client, {
    get(target, property, receiver) {
      if (property === 'unsafe') {
        return (text: string, params?: unknown[], options?: Options) =>
          target.unsafe(text, params as postgres.ParameterOrJSON<never>[], { ...options, prepare });
      }
      // A transaction's (and a savepoint's) statements run on a client of their own.
      if (property === 'begin' || property === 'savepoint') {
        return (...args: unknown[]) => {
          const body = args.pop() as (tx: postgres.TransactionSql<Record<string, never>>) => unknown;
          const open = Reflect.get(target, property, receiver) as (...a: unknown[]) => Promise<unknown>;
          return open.call(target, ...args, (tx: postgres.TransactionSql<Record<string, never>>) =>
            body(withPrepare(tx, prepare)),
          );
        };
      }
      return Reflect.get(target, property, receiver);
    },
  });
}
