import { DirectoryEntryReader, type DirectoryReadOptions } from '../service/company-directory.js';
import { normalDn } from '../model/dn.js';
import { csvDataRow } from './csv-write.js';
import type { DirectorySourceOptions } from './import-options.js';
import type { Config } from '../config/config.js';
import { DN_COLUMN, type DirectoryColumns } from './directory-mapping.js';
import type { RowSource, SourceRow } from './source.js';

/** A company directory opened for reading: rows like a CSV file's, one per entry. */
export interface DirectorySource extends RowSource {
  /** Entries read so far. */
  readonly entries: number;
}

/**
 * Opens a company directory as a row source (`--from-ldap`). Each entry is a
 * row keyed by the attributes of `columns` (the DN in `dn`); an attribute with
 * several values arrives as a list (`a,b`), and the further values of the
 * attribute that gives `mail` go to the aliases: all of a person's addresses
 * are the person's. `line` is the entry's number in the order read; the DN
 * names the row in the report. `onlyDns` (`--retry-failed`) keeps those entries.
 *
 * Binds and reads the first page before returning: a source that is down or
 * refuses the bind fails here, before anything is written.
 */
export async function openDirectory(source: DirectorySourceOptions, config: Readonly<Config>, columns: DirectoryColumns, onlyDns?: ReadonlySet<string>): Promise<DirectorySource> {
  const reader = await DirectoryEntryReader.open({ ...directoryRead(source, config), attributes: [...columns.attributes, 'userPassword'] });
  const wanted = onlyDns && new Set([...onlyDns].map(normalDn));
  let count = 0;
  async function* rows(): AsyncGenerator<SourceRow> {
    try {
      for await (const page of reader.pages()) {
        for (const entry of page) {
          const line = ++count;
          if (wanted && !wanted.has(normalDn(entry.dn))) continue;
          const record: Record<string, string> = {};
          const values = new Map(Object.entries(entry.attributes).map(([k, v]) => [k.toLowerCase(), v]));
          for (const name of columns.header) record[name] = (values.get(name.toLowerCase()) ?? []).join(',');
          record[DN_COLUMN] = entry.dn;
          const mails = columns.mailAttribute === undefined ? [] : values.get(columns.mailAttribute.toLowerCase()) ?? [];
          if (mails.length > 1) {
            record[columns.mailAttribute!] = mails[0];
            record[columns.aliasColumn] = [...(record[columns.aliasColumn] ? record[columns.aliasColumn].split(',') : []), ...mails.slice(1)].join(',');
          }
          const hash = values.get('userpassword')?.[0];
          yield { line, record, raw: csvDataRow(columns.header.map((h) => record[h])), passwordHash: hash !== undefined && /^\{[A-Za-z0-9.-]+\}/.test(hash) ? hash : undefined };
        }
      }
    } finally {
      await reader.close();
    }
  }
  return { header: columns.header, rows: rows(), close: () => reader.close(), get entries() { return count; } };
}

/**
 * Where to read a company's people. Reading the groupware's own directory (the same URL) binds as
 * oxprov does unless another account is given; another directory binds as given, or anonymously.
 */
function directoryRead(d: DirectorySourceOptions, config: Readonly<Config>): Omit<DirectoryReadOptions, 'attributes'> {
  const own = d.url.toLowerCase() === config.ldap.url.replace(/\/$/, '').toLowerCase();
  const bind = d.bindDn !== undefined ? { bindDn: d.bindDn, bindPassword: d.bindPassword } : own ? { bindDn: config.ldap.bindDn, bindPassword: config.ldap.bindPassword } : {};
  return {
    url: d.url, base: d.base, scope: d.scope, filter: d.filter, ...bind, timeoutMs: config.ldap.timeoutMs,
    startTls: own ? config.ldap.startTls : undefined, ca: own ? config.ldap.ca : undefined,
  };
}
