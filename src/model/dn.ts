/** A DN compared without case and without spaces after the commas (how servers and files differ). */
export function normalDn(dn: string): string {
  return dn.replace(/,\s+/g, ',').toLowerCase();
}

/** True when `dn` is an entry under `base` (not `base` itself). */
export function isBelow(dn: string, base: string): boolean {
  return normalDn(dn).endsWith(`,${normalDn(base)}`);
}
