import { plainSchema } from './config-schema.js';

interface Node { type?: string; description?: string; properties?: Record<string, Node>; items?: Node; anyOf?: { const?: string }[]; minimum?: number; maximum?: number; pattern?: string }

/**
 * The configuration reference (docs/configuration.md) generated from the schema
 * that checks every config file, so that the two cannot drift: one table row
 * per key, with its type and what it is for.
 */
export function configReference(): string {
  const rows: string[] = [];
  const typeOf = (n: Node): string => {
    if (n.anyOf) return n.anyOf.map((b) => `\`${b.const}\``).join(' \\| ');
    if (n.type === 'array') return `list of ${n.items?.type === 'object' ? 'objects' : `${n.items?.type ?? 'value'}s`}`;
    const range = n.minimum !== undefined ? ` ${n.minimum}${n.maximum !== undefined ? `–${n.maximum}` : ' or more'}` : '';
    return `${n.type ?? 'any'}${range}`;
  };
  const walk = (n: Node, path: string) => {
    for (const [key, child] of Object.entries(n.properties ?? {})) {
      const at = path ? `${path}.${key}` : key;
      rows.push(`| \`${at}\` | ${child.type === 'object' ? 'section' : typeOf(child)} | ${(child.description ?? '').replace(/\|/g, '\\|')} |`);
      if (child.type === 'object') walk(child, at);
      if (child.type === 'array' && child.items?.type === 'object') walk(child.items, `${at}[]`);
    }
  };
  walk(plainSchema() as Node, '');
  return [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/config-schema.ts by `oxprov config reference`; test/unit/config/config-schema.test.ts keeps it so. -->',
    '',
    'A config file (`--config FILE` or `OXPROV_CONFIG`) is JSON. Every key is checked when it is read: an',
    'unknown key is refused (`CFG_UNKNOWN_KEY`) with the nearest known one, a wrong type names the key and',
    'the type expected (`CFG_INVALID`). With a config file, `ldap.url`, `ldap.baseDn`, `sql.url` and',
    '`imap.host` (or `mail.servers`) must be set, in the file or the environment (`CFG_MISSING`): nothing',
    'falls back to the local stack\'s servers. Keys starting with `$` are comments. `oxprov config check`',
    'checks a file and then tries each back-end with it.',
    '',
    '| key | type | what it is for |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
