import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { OxprovError } from '../errors.js';
import { nearest } from '../model/edit-distance.js';
import { ConfigFileSchema, plainSchema, type ConfigFile } from './config-schema.js';

/** Problems of a file shown in one message; the rest are counted. */
const SHOWN = 10;

/** Values never echoed in a message: they may be, or hold, a secret (a SQL URL holds its password). */
const SECRET_KEY = /password|apikey|^url$|^ca$/i;

let validator: ValidateFunction | undefined;

/**
 * Checks a config file's contents against the schema (src/config/config-schema.ts)
 * with Ajv, once, at load. Every problem is named by its path: an unknown key
 * with the nearest known one (`ldap.bindPasword: unknown key; did you mean
 * ldap.bindPassword?`, a whole section too), a wrong type with the type expected.
 * @throws CFG_UNKNOWN_KEY when the first problem is an unknown key, else CFG_INVALID.
 */
export function checkConfigFile(data: unknown, source: string): ConfigFile {
  validator ??= new Ajv({ allErrors: true, strict: false }).compile(plainSchema());
  if (validator(data)) return data as ConfigFile;
  const problems = describe(validator.errors ?? [], data);
  const first = problems[0];
  const more = problems.length > SHOWN ? `; and ${problems.length - SHOWN} more` : '';
  throw new OxprovError(first.unknown ? 'CFG_UNKNOWN_KEY' : 'CFG_INVALID', `${source}: ${problems.slice(0, SHOWN).map((p) => p.text).join('; ')}${more}`, { field: first.path });
}

interface Problem { path: string; text: string; unknown: boolean }

/** Ajv's errors as one sentence each, by path; the branches of a union as one "must be one of". */
function describe(errors: readonly ErrorObject[], data: unknown): Problem[] {
  const out: Problem[] = [];
  const seen = new Set<string>();
  for (const e of errors) {
    const at = dotted(e.instancePath);
    if (e.keyword === 'additionalProperties') {
      const key = String((e.params as { additionalProperty: string }).additionalProperty);
      const path = at ? `${at}.${key}` : key;
      const known = knownKeys(e.instancePath);
      const near = nearest(key, known);
      out.push({ path, unknown: true, text: `${path}: unknown key${near ? `; did you mean ${at ? `${at}.` : ''}${near}?` : ` (known here: ${known.join(', ')})`}` });
      continue;
    }
    // A union's branches each fail on their own: say once which values it takes.
    if (seen.has(at)) continue;
    const union = unionOf(e.schemaPath);
    const got = shown(at, valueAt(data, e.instancePath));
    if (union) {
      seen.add(at);
      out.push({ path: at, unknown: false, text: `${at}: must be one of ${union.join(', ')}, got ${got}` });
      continue;
    }
    seen.add(at);
    const p = e.params as Record<string, unknown>;
    const expected = e.keyword === 'type' ? `a${/^[aeiou]/.test(String(p.type)) ? 'n' : ''} ${String(p.type)}`
      : e.keyword === 'minimum' ? `at least ${String(p.limit)}` : e.keyword === 'maximum' ? `at most ${String(p.limit)}`
        : e.keyword === 'pattern' ? `of the form ${String(p.pattern)}` : e.keyword === 'required' ? '' : (e.message ?? 'valid');
    if (e.keyword === 'required') {
      out.push({ path: `${at}.${String(p.missingProperty)}`, unknown: false, text: `${at ? `${at}.` : ''}${String(p.missingProperty)} is required` });
      continue;
    }
    out.push({ path: at, unknown: false, text: `${at}: must be ${expected}, got ${got}` });
  }
  // Unknown keys first: a typo explains the rest.
  return out.sort((a, b) => Number(b.unknown) - Number(a.unknown));
}

/** `/mail/servers/0/port` → `mail.servers[0].port`. */
function dotted(pointer: string): string {
  return pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((acc, s) => (/^\d+$/.test(s) ? `${acc}[${s}]` : acc ? `${acc}.${s}` : s), '');
}

function valueAt(data: unknown, pointer: string): unknown {
  let v: unknown = data;
  for (const s of pointer.split('/').slice(1)) v = v && typeof v === 'object' ? (v as Record<string, unknown>)[s.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  return v;
}

function shown(path: string, value: unknown): string {
  const key = path.split(/[.[]/).pop() ?? '';
  if (SECRET_KEY.test(key)) return `a ${Array.isArray(value) ? 'list' : typeof value}`;
  const text = JSON.stringify(value);
  return text === undefined ? String(value) : text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

/** The schema's object at an instance path. */
function schemaAt(pointer: string): Record<string, unknown> | undefined {
  let s: Record<string, unknown> | undefined = plainSchema(ConfigFileSchema);
  for (const part of pointer.split('/').slice(1)) {
    if (!s) return undefined;
    s = /^\d+$/.test(part) ? s.items as Record<string, unknown> | undefined : (s.properties as Record<string, Record<string, unknown>> | undefined)?.[part];
  }
  return s;
}

function knownKeys(pointer: string): string[] {
  return Object.keys((schemaAt(pointer)?.properties as Record<string, unknown> | undefined) ?? {});
}

/** The literal values of the union an error's schema path runs through, if it does. */
function unionOf(schemaPath: string): string[] | undefined {
  const m = /^(.*)\/anyOf\//.exec(schemaPath);
  if (!m) return undefined;
  let s: unknown = plainSchema(ConfigFileSchema);
  for (const part of m[1].split('/').slice(1)) s = s && typeof s === 'object' ? (s as Record<string, unknown>)[part] : undefined;
  const branches = (s as { anyOf?: { const?: unknown }[] } | undefined)?.anyOf;
  return branches?.every((b) => typeof b.const === 'string') ? branches.map((b) => String(b.const)) : undefined;
}
