/** Result of splitting one logical record into fields. */
export type SplitResult =
  | { kind: 'fields'; fields: string[] }
  /** The text ends inside a quoted field: the record continues on the next line. */
  | { kind: 'open' }
  /** Text after a closing quote; `fields` holds a lenient reading, `column` is 1-based. */
  | { kind: 'junk'; fields: string[]; column: number };

/**
 * Splits one logical record (physical lines joined with their line breaks) into
 * fields, RFC 4180 style: a field is quoted when its first non-blank character is
 * `"`; inside, `""` is a quote and line breaks are kept as they are. Unquoted values
 * are trimmed; quoted values keep their spaces (quoting is how a user asks for them).
 * A quote inside an unquoted field is an ordinary character, as in Excel.
 */
export function splitFields(text: string, delimiter: string): SplitResult {
  // Most rows of a user list hold no quote at all: split them natively.
  if (text.indexOf('"') === -1) {
    const fields = text.split(delimiter);
    for (let i = 0; i < fields.length; i++) fields[i] = fields[i].trim();
    return { kind: 'fields', fields };
  }
  const fields: string[] = [];
  const n = text.length;
  let junkColumn = 0;
  let i = 0;
  for (;;) {
    let j = i;
    while (j < n && isBlank(text.charCodeAt(j)) && text[j] !== delimiter) j++;
    if (text[j] !== '"') {
      const d = text.indexOf(delimiter, i);
      fields.push(text.slice(i, d === -1 ? n : d).trim());
      if (d === -1) break;
      i = d + 1;
      continue;
    }
    let value = '';
    let from = ++j;
    for (;;) {
      const q = text.indexOf('"', j);
      if (q === -1) return { kind: 'open' };
      if (text[q + 1] === '"') {
        value += text.slice(from, q + 1);
        j = from = q + 2;
        continue;
      }
      value += text.slice(from, q);
      j = q + 1;
      break;
    }
    while (j < n && isBlank(text.charCodeAt(j)) && text[j] !== delimiter) j++;
    if (j < n && text[j] !== delimiter) {
      // `"abc"def`: keep reading leniently so the row still ends where it should, but reject it.
      if (junkColumn === 0) junkColumn = fields.length + 1;
      const d = text.indexOf(delimiter, j);
      value += text.slice(j, d === -1 ? n : d).trimEnd();
      j = d === -1 ? n : d;
    }
    fields.push(value);
    if (j >= n) break;
    i = j + 1;
  }
  return junkColumn === 0 ? { kind: 'fields', fields } : { kind: 'junk', fields, column: junkColumn };
}

/** Space, tab and no-break space (Excel pads with U+00A0 more often than one would think). */
function isBlank(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0xa0;
}
