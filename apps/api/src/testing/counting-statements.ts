import type { Db } from '@voicedesk/db';

const STATEMENTS = new Set(['execute', 'select', 'insert', 'update', 'delete']);

/**
 * The database handle, counting the statements begun on it and inside its transactions (each
 * call of `execute` or a query builder). A statement issued some other way is not counted.
 */
export function countingStatements(db: Db): {
  db: Db;
  statements: () => number;
  outsideTransactions: () => number;
} {
  let inside = 0;
  let outside = 0;
  const counting = <T extends object>(target: T, inTransaction: boolean): T =>
    new Proxy(target, {
      get(inner, prop) {
        const value = Reflect.get(inner, prop, inner);
        if (typeof prop !== 'string' || typeof value !== 'function') return value;
        if (STATEMENTS.has(prop)) {
          return (...args: unknown[]) => {
            if (inTransaction) inside++;
            else outside++;
            return value.apply(inner, args);
          };
        }
        if (prop === 'transaction') {
          return (body: (tx: unknown) => unknown, ...rest: unknown[]) =>
            value.call(inner, (tx: object) => body(counting(tx, true)), ...rest);
        }
        return value;
      },
    });
  return { db: counting(db, false), statements: () => inside + outside, outsideTransactions: () => outside };
}
