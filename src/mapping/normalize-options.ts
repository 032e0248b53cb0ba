import { OxprovError } from '../errors.js';
import type { PasswordPolicy } from '../model/password-policy.js';
import type { AttributeSchema } from './attribute-schema.js';
import { FIELDS, MANDATORY_FIELDS, isSecretField, type Field } from './fields.js';
import { nearest } from '../model/edit-distance.js';
import { EMPTY_MAPPING, type DateFormat, type Mapping } from './mapping-file.js';
import { SeenTracker } from './seen-tracker.js';
import { resolveTarget, type Target } from './target.js';
import { ITERATION_REF, type TemplatePart } from './template.js';
import { validateAttribute } from './validate-attribute.js';
import { validateField, type FieldEnv } from './validate-field.js';

/** Options of {@link createRowMapper}. */
export interface RowMapperOptions {
  /** Languages of the folder templates (`ImapFolders.xml`), e.g. `['EN', 'DE', 'FR']`. */
  languages: readonly string[];
  /** Folder styles of the templates, e.g. `DE_Thunderbird`; omitted, any well-formed style name passes. */
  imapStyles?: readonly string[];
  /** The directory's schema, for extra columns (the paper's `--anyattribute`). */
  schema: AttributeSchema;
  /** A parsed mapping file ({@link parseMapping}); omitted, headers are adduser options and attributes. */
  mapping?: Mapping;
  /** Passwords will be generated for rows without one, so `password` is not mandatory. */
  generatePasswords?: boolean;
  /** What a password must hold (default: DEFAULT_PASSWORD_POLICY). */
  passwordPolicy?: PasswordPolicy;
  /** Name, in each mapped row, the directory attributes whose column the file has but whose cell is empty (a sync's `--empty-clears`). */
  reportEmpty?: boolean;
  /**
   * The paper's mandatory fields are demanded (default). False for requests that
   * do not write the directory (`--source_only=sql`, …): then only the user name is.
   */
  requireUserData?: boolean;
  /** Run-wide defaults (e.g. from the config file); the mapping file's `defaults` win over them. */
  defaults?: Readonly<Record<string, string>>;
  /** Attributes oxprov writes itself and no column may set; see {@link RESERVED_ATTRIBUTES}. */
  reservedAttributes?: readonly string[];
  /** Shares the duplicate tracker with the caller, e.g. across the files of one run. */
  seen?: SeenTracker;
}

/** The attributes the LDAP back-end derives from the spec. */
export const RESERVED_ATTRIBUTES: readonly string[] = [
  'objectClass', 'uid', 'userPassword', 'sn', 'givenName', 'cn', 'mail', 'uidNumber', 'gidNumber',
  'homeDirectory', 'loginShell', 'oxprovFeed', 'oxprovKey', 'oxprovDisabledAt', 'oxprovSavedPassword', 'oxprovPending', 'oxprovImapStyle',
];

/** A derive rule with its references resolved to targets. */
export interface ResolvedRule {
  template: string;
  parts: readonly TemplatePart[];
  refs: ReadonlyMap<string, Target>;
}

/** The options as the mapper uses them: checked once, frozen. */
export interface NormalizedOptions {
  readonly env: FieldEnv;
  readonly schema: AttributeSchema;
  readonly reserved: ReadonlySet<string>;
  readonly ignore: ReadonlySet<string>;
  /** Mapping-file columns, keyed by lower-cased source header. */
  readonly columns: ReadonlyMap<string, { source: string; target: Target }>;
  readonly derive: ReadonlyMap<string, { target: Target; rule: ResolvedRule }>;
  readonly defaults: ReadonlyMap<string, { target: Target; value: string }>;
  readonly mandatory: readonly Field[];
  readonly seen: SeenTracker;
  /** Target key → value translations (lower-cased exported value → value), from the mapping's `values`. */
  readonly values: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Target key → the export's date format, from the mapping's `dates`. */
  readonly dates: ReadonlyMap<string, DateFormat>;
  readonly reportEmpty: boolean;
}

/** Checks the options and the mapping against the schema; throws `CFG_INVALID` or `MAP_INVALID_MAPPING`. */
export function normalizeOptions(options: RowMapperOptions): NormalizedOptions {
  const languages = options.languages.map((l) => l.trim().toUpperCase()).filter((l) => l !== '');
  if (languages.length === 0) {
    throw new OxprovError('CFG_INVALID', 'languages: at least one template language is needed, got none', { field: 'languages' });
  }
  const imapStyles = options.imapStyles === undefined
    ? undefined
    : new Map(options.imapStyles.map((s) => [s.toLowerCase(), s]));
  const env: FieldEnv = Object.freeze({ languages: Object.freeze(languages), imapStyles, passwordPolicy: options.passwordPolicy });
  const reserved = new Set((options.reservedAttributes ?? RESERVED_ATTRIBUTES).map((a) => a.toLowerCase()));
  const mapping = options.mapping ?? EMPTY_MAPPING;
  const target = (name: string, key: string): Target => {
    const t = resolveTarget(name, options.schema, reserved);
    if (t === 'unknown') {
      const near = nearest(name, FIELDS);
      throw invalid(key, `"${name}" is neither an adduser field nor an attribute of the directory's schema${near ? `; did you mean ${near}?` : ''}`, name);
    }
    if (t === 'reserved') throw invalid(key, `"${name}" is set by oxprov itself and cannot be mapped`, name);
    return t;
  };

  const columns = new Map([...mapping.columns].map(([lower, c]) => [lower, { source: c.source, target: target(c.target, `columns.${c.source}`) }]));
  const derive = new Map<string, { target: Target; rule: ResolvedRule }>();
  for (const [name, rule] of mapping.derive) {
    const t = target(name, `derive.${name}`);
    const refs = new Map<string, Target>();
    for (const part of rule.parts) {
      if (typeof part !== 'string' && part.ref !== ITERATION_REF) refs.set(part.ref, target(part.ref, `derive.${name}`));
    }
    derive.set(t.key, { target: t, rule: { template: rule.template, parts: rule.parts, refs } });
  }
  const defaults = new Map<string, { target: Target; value: string }>();
  const defaultEntries: [string, string, string][] = [
    ...Object.entries(options.defaults ?? {}).map(([n, v]): [string, string, string] => [n, v.trim(), `options.defaults.${n}`]),
    ...[...mapping.defaults].map(([n, v]): [string, string, string] => [n, v, `defaults.${n}`]),
  ];
  for (const [name, value, key] of defaultEntries) {
    const t = target(name, key);
    if (t.kind === 'field' && isSecretField(t.field)) throw invalid(key, 'a default password is not allowed');
    if (value === '') continue;
    checkDefault(t, value, env, key);
    defaults.set(t.key, { target: t, value });
  }
  const values = new Map([...mapping.values].map(([name, table]) => [target(name, `values.${name}`).key, table]));
  const dates = new Map([...mapping.dates].map(([name, format]) => [target(name, `dates.${name}`).key, format]));
  const mandatory: Field[] = options.requireUserData === false ? ['username']
    : options.generatePasswords ? [...MANDATORY_FIELDS] : [...MANDATORY_FIELDS, 'password'];
  return Object.freeze({
    env, schema: options.schema, reserved, ignore: mapping.ignore, columns, derive, defaults,
    mandatory: Object.freeze(mandatory), seen: options.seen ?? new SeenTracker(), values, dates, reportEmpty: options.reportEmpty ?? false,
  });
}

/** A bad default would fail every row; say so once, up front. */
function checkDefault(t: Target, value: string, env: FieldEnv, key: string): void {
  const issues = t.kind === 'field'
    ? validateField(t.field, value, env, { field: key }).issues
    : validateAttribute(t.info, value, { field: key }).issues;
  if (issues.length > 0) throw invalid(key, issues[0].message, value, issues[0]);
}

function invalid(field: string, message: string, value?: string, cause?: unknown): OxprovError {
  return new OxprovError('MAP_INVALID_MAPPING', `mapping, ${field}: ${message}`, { field, value, cause });
}
