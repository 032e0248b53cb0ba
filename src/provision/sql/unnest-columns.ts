import { pgArray } from './pg-array.js';

/** One column of a set-based statement over `unnest`: its name, its SQL type and how a row gives its value. */
export interface UnnestColumn<T> {
  readonly name: string;
  readonly type: 'text' | 'int' | 'bigint' | 'bool';
  readonly value: (row: T) => string | number | boolean | null;
}

/**
 * The pieces of `… FROM unnest($1::text[], $2::int[], …) AS t(a, b, …)` built
 * from one column table: the names, the `from` clause and the parameter arrays
 * always agree, so two columns cannot swap unnoticed (as parallel arrays written
 * by hand can).
 */
export function unnestColumns<T>(columns: readonly UnnestColumn<T>[], rows: readonly T[]): { names: string[]; from: string; params: unknown[] } {
  const names = columns.map((c) => c.name);
  const casts = columns.map((c, i) => `$${i + 1}::${c.type}[]`);
  return {
    names,
    from: `unnest(${casts.join(', ')}) AS t(${names.join(', ')})`,
    params: columns.map((c) => pgArray(rows.map(c.value))),
  };
}
