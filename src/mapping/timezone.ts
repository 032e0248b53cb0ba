// Regular expressions as constants: a literal in a function body is a new RegExp object per call.
const LETTER_FIRST_RE = /^[A-Za-z]/;

const LISTED = new Map(Intl.supportedValuesOf('timeZone').map((z) => [z.toLowerCase(), z]));

/**
 * The IANA time zone named by `value`, spelled as the zone database spells it,
 * or undefined. Intl lists only canonical names, so links such as `Etc/UTC`,
 * `UTC` or `Asia/Calcutta` are accepted when the runtime's time-zone data knows
 * them; offsets like `+01:00` are refused because OX expects zone names.
 */
export function resolveTimeZone(value: string): string | undefined {
  const listed = LISTED.get(value.toLowerCase());
  if (listed !== undefined) return listed;
  if (!LETTER_FIRST_RE.test(value)) return undefined;
  try {
    const resolved = new Intl.DateTimeFormat('en', { timeZone: value }).resolvedOptions().timeZone;
    return resolved.toLowerCase() === value.toLowerCase() ? resolved : value;
  } catch {
    return undefined;
  }
}
