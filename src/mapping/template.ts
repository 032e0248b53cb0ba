import { toAscii } from './transliterate.js';

/** The filters a derive template may apply, in the order written: `{givenname|ascii|lower}`. */
export const TEMPLATE_FILTERS = {
  ascii: toAscii,
  lower: (v: string) => v.toLowerCase(),
  upper: (v: string) => v.toUpperCase(),
  /** First character, for logins like `j.doe`. Code points, so an emoji or a surrogate pair stays whole. */
  initial: (v: string) => Array.from(v)[0] ?? '',
} as const satisfies Record<string, (value: string) => string>;
export type TemplateFilter = keyof typeof TEMPLATE_FILTERS;

/**
 * The reference that places the iteration token in a template (`{givenname}.{surname}{n}`):
 * nothing for a row's first choice, then `2`, `3`, … when its derived names clash (see
 * src/mapping/claim-names.ts).
 */
export const ITERATION_REF = 'n';

/** A parsed derive template: literal text and references to other fields. */
export type TemplatePart = string | { ref: string; filters: TemplateFilter[] };

export class TemplateSyntaxError extends Error {}

/** Parses `text{field|filter}text`; braces cannot be escaped because no field value needs them. */
export function parseTemplate(text: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  const re = /\{([^{}]*)\}/g;
  let last = 0;
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    pushLiteral(parts, text.slice(last, m.index));
    const [ref, ...filters] = m[1].split('|').map((s) => s.trim());
    if (!/^[A-Za-z][A-Za-z0-9_-]*$/.test(ref)) throw new TemplateSyntaxError(`bad field reference "{${m[1]}}"`);
    for (const f of filters) {
      if (!Object.hasOwn(TEMPLATE_FILTERS, f)) {
        throw new TemplateSyntaxError(`unknown filter "${f}" (known: ${Object.keys(TEMPLATE_FILTERS).join(', ')})`);
      }
    }
    parts.push({ ref, filters: filters as TemplateFilter[] });
    last = re.lastIndex;
  }
  pushLiteral(parts, text.slice(last));
  if (!parts.some((p) => typeof p !== 'string')) throw new TemplateSyntaxError('references no field');
  return parts;
}

function pushLiteral(parts: TemplatePart[], literal: string): void {
  if (literal === '') return;
  if (/[{}]/.test(literal)) throw new TemplateSyntaxError(`unbalanced brace in "${literal}"`);
  parts.push(literal);
}

/** The references of a template, for dependency checks. */
export function templateRefs(parts: readonly TemplatePart[]): string[] {
  return parts.flatMap((p) => (typeof p === 'string' ? [] : [p.ref]));
}

/**
 * Renders a template; `lookup` gives a referenced value or undefined. Returns the
 * missing references instead when one is absent or filters to nothing, because
 * "hans." is worse than no user name.
 */
export function renderTemplate(
  parts: readonly TemplatePart[],
  lookup: (ref: string) => string | undefined,
): { value: string } | { missing: string[] } {
  const missing: string[] = [];
  let out = '';
  for (const p of parts) {
    if (typeof p === 'string') { out += p; continue; }
    const raw = lookup(p.ref);
    const v = raw === undefined ? '' : p.filters.reduce((acc, f) => TEMPLATE_FILTERS[f](acc), raw);
    // The iteration token is empty at a row's first choice: that is not a missing value.
    if (v === '' && p.ref !== ITERATION_REF) missing.push(p.ref);
    out += v;
  }
  return missing.length > 0 ? { missing } : { value: out };
}
