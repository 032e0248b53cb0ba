import type { Mapping } from '../mapping/index.js';

/**
 * The paper's `ldap.properties` as a mapping: which attribute of a company's
 * directory gives which field. The built-in part reads a plain inetOrgPerson;
 * a mapping file's `columns` name the company's own attributes instead (the
 * paper's example: `"firstName": "givenname"`), and its `derive`, `defaults`,
 * `values` and `ignore` work as for a CSV file.
 */
const BUILT_IN: Readonly<Record<string, string>> = {
  uid: 'username', sn: 'surname', givenName: 'givenname', mail: 'mail', preferredLanguage: 'language', c: 'country',
};
/** Attributes of an inetOrgPerson copied as they are, when the entry has them (and the file does not ignore them). */
const COPIED = ['employeeNumber', 'telephoneNumber', 'mobile', 'title', 'departmentNumber'];
/** The column that carries a person's further addresses (a `mail` with several values) to the aliases. */
export const MORE_ADDRESSES = 'oxprov_more_addresses';
/** The column of the entry's DN: names the row in the report, never data of the user. */
export const DN_COLUMN = 'dn';

export interface DirectoryColumns {
  /** The mapping to use: the built-in one completed with, and overridden by, the file's. */
  readonly mapping: Mapping;
  /** The attributes to read, in header order (after `dn`). */
  readonly attributes: readonly string[];
  /** The header of the rows: `dn`, the attributes, and the column of further addresses. */
  readonly header: readonly string[];
  /** The attribute that gives `mail`, and the column its further values go to. */
  readonly mailAttribute?: string;
  readonly aliasColumn: string;
}

export function directoryColumns(given?: Mapping): DirectoryColumns {
  const columns = new Map(given?.columns ?? []);
  const targets = new Set([...columns.values()].map((c) => c.target.toLowerCase()));
  const ignored = given?.ignore ?? new Set<string>();
  for (const [source, target] of Object.entries(BUILT_IN)) {
    const lower = source.toLowerCase();
    if (columns.has(lower) || ignored.has(lower) || targets.has(target)) continue;
    columns.set(lower, { source, target });
    targets.add(target);
  }
  // colocRouteAddr needs no rule: the user service derives it from the user's mail server.
  const derive = new Map(given?.derive ?? []);
  const mailAttribute = [...columns.values()].find((c) => c.target.toLowerCase() === 'mail')?.source;
  let aliasColumn = [...columns.values()].find((c) => c.target.toLowerCase() === 'alias')?.source;
  if (aliasColumn === undefined) {
    aliasColumn = MORE_ADDRESSES;
    columns.set(MORE_ADDRESSES, { source: MORE_ADDRESSES, target: 'alias' });
  }
  const attributes = [...new Set([
    ...[...columns.values()].map((c) => c.source).filter((s) => s !== MORE_ADDRESSES),
    ...COPIED.filter((a) => !ignored.has(a.toLowerCase()) && !columns.has(a.toLowerCase())),
  ])];
  const mapping: Mapping = {
    columns, derive, defaults: given?.defaults ?? new Map(), ignore: new Set([...ignored, DN_COLUMN]),
    values: given?.values ?? new Map(), dates: given?.dates ?? new Map(),
  };
  const header = [DN_COLUMN, ...attributes, ...(aliasColumn === MORE_ADDRESSES ? [MORE_ADDRESSES] : [])];
  return { mapping, attributes, header, mailAttribute, aliasColumn };
}
