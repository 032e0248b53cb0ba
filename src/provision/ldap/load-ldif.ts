import fs from 'node:fs';
import { OxprovError } from '../../errors.js';
import { LdapConnection, type LdapEndpoint } from './ldap-connection.js';
import { ldapError, ldapResultCode } from './ldap-errors.js';

/** One entry of an LDIF file: its DN and its attributes (values as text). */
export interface LdifEntry {
  readonly dn: string;
  readonly attributes: Readonly<Record<string, string[]>>;
  /** Line of the file where the entry starts. */
  readonly line: number;
}

/**
 * The entries of an LDIF file of additions (RFC 2849 content records: `attr: value`,
 * `attr:: base64`, folded lines, `#` comments). Change records are refused: this
 * reads data files such as samples/company.ldif, not patches (ldapmodify reads those).
 */
export function parseLdif(text: string, file = 'the LDIF file'): LdifEntry[] {
  const entries: LdifEntry[] = [];
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  // Unfold: a line starting with one space continues the one before.
  const logical: { text: string; line: number }[] = [];
  lines.forEach((l, i) => {
    if (l.startsWith(' ') && logical.length && logical[logical.length - 1].text !== '') logical[logical.length - 1].text += l.slice(1);
    else logical.push({ text: l, line: i + 1 });
  });
  let current: { dn: string; attributes: Record<string, string[]>; line: number } | undefined;
  const end = () => {
    if (current) entries.push(current);
    current = undefined;
  };
  for (const { text: l, line } of logical) {
    if (l === '') { end(); continue; }
    if (l.startsWith('#')) continue;
    const m = /^([A-Za-z][\w;-]*)(::?)\s*(.*)$/.exec(l);
    if (!m) throw new OxprovError('CFG_INVALID', `${file}, line ${line}: not an LDIF line`, { line });
    const [, name, sep, raw] = m;
    const value = sep === '::' ? Buffer.from(raw, 'base64').toString('utf8') : raw;
    if (name.toLowerCase() === 'version' && current === undefined) continue;
    if (name.toLowerCase() === 'dn') {
      end();
      current = { dn: value, attributes: {}, line };
      continue;
    }
    if (current === undefined) throw new OxprovError('CFG_INVALID', `${file}, line ${line}: an attribute before the first dn:`, { line });
    if (name.toLowerCase() === 'changetype') throw new OxprovError('CFG_INVALID', `${file}, line ${line}: a change record; load changes with ldapmodify`, { line });
    (current.attributes[name] ??= []).push(value);
  }
  end();
  return entries;
}

/**
 * Adds the entries of an LDIF file, in order (parents first, as the file lists
 * them). An entry that is there already is a result: loading the same file
 * twice adds nothing and succeeds.
 */
export async function loadLdif(file: string, endpoint: LdapEndpoint): Promise<{ added: number; existing: number }> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (cause) {
    throw new OxprovError('CFG_FILE_UNREADABLE', `cannot read ${file}`, { cause });
  }
  const entries = parseLdif(text, file);
  const client = await LdapConnection.open(endpoint).catch((err) => { throw ldapError(err, `binding to ${endpoint.url}`); });
  let added = 0;
  let existing = 0;
  try {
    for (const e of entries) {
      try {
        await client.add(e.dn, e.attributes);
        added++;
      } catch (err) {
        if (ldapResultCode(err) === 68) existing++;
        else throw ldapError(err, `${file}, line ${e.line}: adding ${e.dn}`);
      }
    }
  } finally {
    await client.close();
  }
  return { added, existing };
}
