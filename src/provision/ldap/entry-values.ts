/** ldapts returns an attribute as one value or an array of them: always an array. */
export function list(v: unknown): unknown[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** The first value of an attribute, whichever way ldapts returned it. */
export function first(v: unknown): unknown {
  return Array.isArray(v) ? v[0] : v;
}
