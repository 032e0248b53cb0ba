/**
 * A parameter array as PostgreSQL's array literal, made by `JSON.stringify` in one
 * native call: `{"a","b\"c",NULL,7,true}`. node-postgres builds the same literal
 * element by element in JavaScript (two `replace` calls, a quoted copy and a growing
 * string each), which was a tenth of what an import of rows already there allocated:
 * its ledger is written as a dozen arrays of a thousand values.
 *
 * JSON's escapes of `"` and `\` are the literal's own; only its escapes of control
 * characters and unpaired surrogates (`\n`, `\u0001`, `\ud800`, …) are not, so an array
 * whose text has any backslash followed by one of `bfnrtu`, or that holds anything but
 * strings, finite numbers, booleans and null, is returned as it is, for node-postgres to
 * write. A backslash the text already had makes that test true too: such arrays simply
 * take the slower way.
 */
export function pgArray(values: readonly unknown[]): string | readonly unknown[] {
  for (const v of values) {
    if (v === null || v === undefined || typeof v === 'string' || typeof v === 'boolean') continue;
    if (typeof v === 'number' && Number.isFinite(v)) continue;
    return values;
  }
  const json = JSON.stringify(values);
  if (ESCAPES_OF_JSON_ONLY.test(json)) return values;
  // `[`…`]` become `{`…`}`; JSON's unquoted null is the literal's NULL (read without regard to case).
  return `{${json.slice(1, -1)}}`;
}

const ESCAPES_OF_JSON_ONLY = /\\[bfnrtu]/;

/** Every array among query parameters as {@link pgArray} writes it. */
export function pgParams(params: readonly unknown[]): unknown[] {
  return params.map((p) => (Array.isArray(p) ? pgArray(p) : p));
}
