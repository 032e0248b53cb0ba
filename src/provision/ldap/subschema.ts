import type { AttributeInfo, AttributeSchema, AttributeSyntax } from '../../model/attribute-schema.js';
import type { LdapConnection } from './ldap-connection.js';

const SYNTAX: Record<string, AttributeSyntax> = {
  '1.3.6.1.4.1.1466.115.121.1.27': 'integer',
  '1.3.6.1.4.1.1466.115.121.1.7': 'boolean',
  '1.3.6.1.4.1.1466.115.121.1.24': 'date', // GeneralizedTime
};

interface RawType { names: string[]; sup?: string; syntax?: string; maxLength?: number; singleValue: boolean }

/** Parses one RFC 4512 AttributeTypeDescription, as slapd returns it in `attributeTypes`. */
export function parseAttributeType(text: string): RawType | undefined {
  const nameMatch = /\bNAME\s+(?:'([^']+)'|\(\s*((?:'[^']+'\s*)+)\))/.exec(text);
  if (!nameMatch) return undefined;
  const names = nameMatch[1] ? [nameMatch[1]] : [...nameMatch[2].matchAll(/'([^']+)'/g)].map((m) => m[1]);
  const syntax = /\bSYNTAX\s+'?([\d.]+)(?:\{(\d+)\})?/.exec(text);
  return {
    names,
    sup: /\bSUP\s+'?([\w.-]+)/.exec(text)?.[1],
    syntax: syntax?.[1],
    maxLength: syntax?.[2] ? Number(syntax[2]) : undefined,
    singleValue: /\bSINGLE-VALUE\b/.test(text),
  };
}

/** The directory's attribute types, read once from the subschema entry (`cn=Subschema`). */
export class LdapAttributeSchema implements AttributeSchema {
  private constructor(private readonly byName: ReadonlyMap<string, AttributeInfo>) {}

  static fromDescriptions(descriptions: readonly string[]): LdapAttributeSchema {
    const raw = new Map<string, RawType>();
    for (const d of descriptions) {
      const t = parseAttributeType(d);
      if (t) for (const n of t.names) raw.set(n.toLowerCase(), t);
    }
    // Syntax is inherited through SUP (e.g. `cn SUP name`).
    const resolve = (t: RawType, depth = 0): RawType =>
      t.syntax || !t.sup || depth > 16 ? t : { ...t, syntax: resolve(raw.get(t.sup.toLowerCase()) ?? t, depth + 1).syntax };
    const byName = new Map<string, AttributeInfo>();
    for (const [key, t] of raw) {
      const r = resolve(t);
      byName.set(key, Object.freeze({ name: t.names[0], singleValue: t.singleValue, syntax: (r.syntax && SYNTAX[r.syntax]) || 'string', maxLength: t.maxLength }));
    }
    return new LdapAttributeSchema(byName);
  }

  static async read(client: LdapConnection): Promise<LdapAttributeSchema> {
    const root = await client.search('', { scope: 'base', filter: '(objectClass=*)', attributes: ['subschemaSubentry'] });
    const dn = String(root.searchEntries[0]?.subschemaSubentry ?? 'cn=Subschema');
    const { searchEntries } = await client.search(dn, { scope: 'base', filter: '(objectClass=subschema)', attributes: ['attributeTypes'] });
    const types = searchEntries[0]?.attributeTypes ?? [];
    return LdapAttributeSchema.fromDescriptions((Array.isArray(types) ? types : [types]).map(String));
  }

  attribute(name: string): AttributeInfo | undefined {
    return this.byName.get(name.toLowerCase());
  }
}
