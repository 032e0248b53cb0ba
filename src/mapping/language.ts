/**
 * The template language `value` names, as the template spells it (e.g. `DE`),
 * or undefined. A locale such as `de_DE` or `de-AT` counts as its language,
 * since HR systems export locales.
 */
export function resolveLanguage(value: string, languages: readonly string[]): string | undefined {
  const primary = value.split(/[-_]/)[0].toLowerCase();
  if (!/^[a-z]{2,3}$/.test(primary)) return undefined;
  return languages.find((l) => l.toLowerCase() === primary);
}
