/**
 * Escaping for values placed into LDAP DNs (RFC 4514) and filters (RFC 4515).
 * Every value from input goes through one of these; nothing is concatenated raw.
 */
export function escapeDnValue(value: string): string {
  let out = value.replace(/[\\,+"<>;=#\0]/g, (c) => (c === '\0' ? '\\00' : `\\${c}`));
  if (out.startsWith(' ')) out = `\\ ${out.slice(1)}`;
  if (out.length > 1 && out.endsWith(' ') && !out.endsWith('\\ ')) out = `${out.slice(0, -1)}\\ `;
  return out;
}

export function escapeFilterValue(value: string): string {
  return value.replace(/[*()\\\0]/g, (c) => `\\${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}
