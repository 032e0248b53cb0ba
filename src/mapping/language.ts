// Regular expressions as constants: a literal in a function body is a new RegExp object per call.
const PRIMARY_RE = /^[a-z]{2,3}$/;

/** Per list of template languages: lower-cased name → name as spelled, first one wins. */
const BY_LOWER = new WeakMap<readonly string[], Map<string, string>>();

/**
 * The template language `value` names, as the template spells it (e.g. `DE`),
 * or undefined. A locale such as `de_DE` or `de-AT` counts as its language,
 * since HR systems export locales.
 */
export function resolveLanguage(value: string, languages: readonly string[]): string | undefined {
  let end = value.length;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x2d || c === 0x5f) {
      end = i;
      break;
    }
  }
  const primary = (end === value.length ? value : value.slice(0, end)).toLowerCase();
  if (!PRIMARY_RE.test(primary)) return undefined;
  let byLower = BY_LOWER.get(languages);
  if (byLower === undefined) {
    byLower = new Map();
    for (const l of languages) {
      const key = l.toLowerCase();
      if (!byLower.has(key)) byLower.set(key, l);
    }
    BY_LOWER.set(languages, byLower);
  }
  return byLower.get(primary);
}
