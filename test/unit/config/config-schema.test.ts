import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { configReference } from '../../../src/config/config-reference.js';
import { loadConfig } from '../../../src/config/load-config.js';
import { parseMapping } from '../../../src/mapping/index.js';

/** The config file's schema, checked once at load: every typo and wrong type refused, by key. */

const BASE = { ldap: { url: 'ldap://ldap.example.org', baseDn: 'dc=example,dc=org' }, sql: { url: 'postgres://oxprov:Db-Secret-9@db.example.org/groupware' }, imap: { host: 'imap.example.org' } };

function file(data: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oxprov-schema-'));
  const f = path.join(dir, 'config.json');
  fs.writeFileSync(f, JSON.stringify(data));
  return f;
}
const refusal = (data: unknown, env: NodeJS.ProcessEnv = {}) => {
  try {
    loadConfig({ file: file(data), env });
    return undefined;
  } catch (e) {
    const err = e as { code: string; field?: string; message: string };
    return { code: err.code, field: err.field, message: err.message };
  }
};
const merged = (patch: Record<string, Record<string, unknown>>) => Object.fromEntries(Object.entries({ ...BASE, ...patch }).map(([k, v]) => [k, { ...(BASE as Record<string, object>)[k], ...v }]));

describe('the config file is checked against its schema', () => {
  it.each([
    [{ ldap: { bindPasword: 'x' } }, 'ldap.bindPasword', 'did you mean ldap.bindPassword?'],
    [{ ldap: { startTLS: true } }, 'ldap.startTLS', 'did you mean ldap.startTls?'],
    [{ passwords: { minLenght: 12 } }, 'passwords.minLenght', 'did you mean passwords.minLength?'],
    [{ defualts: { timezone: 'UTC' } }, 'defualts', 'did you mean defaults?'],
    [{ ldpa: { url: 'ldap://other:389' } }, 'ldpa', 'did you mean ldap?'],
  ])('an unknown key is refused with the nearest known one: %j', (patch, field, hint) => {
    const r = refusal({ ...merged({}), ...patch, ...(patch as { ldap?: object }).ldap ? { ldap: { ...BASE.ldap, ...(patch as { ldap: object }).ldap } } : {} });
    expect(r).toMatchObject({ code: 'CFG_UNKNOWN_KEY', field });
    expect(r!.message).toContain(`${field}: unknown key; ${hint}`);
  });

  it('a key of another case, with no near neighbour, lists the keys known there', () => {
    expect(refusal({ ...merged({}), baseDN: 'dc=x' })!.message).toContain('baseDN: unknown key (known here: passwords, ldap, sql, runs, queue, imap, mail, templates, defaults)');
  });

  it('a wrong type names the key and the type it must be, before anything connects', () => {
    expect(refusal(merged({ imap: { port: 'abc' } }))).toMatchObject({ code: 'CFG_INVALID', field: 'imap.port', message: expect.stringContaining('imap.port: must be an integer, got "abc"') });
    expect(refusal(merged({ ldap: { timeoutMs: 'fast' } }))!.message).toContain('ldap.timeoutMs: must be an integer, got "fast"');
    expect(refusal(merged({ imap: { folders: 'lazy' } }))!.message).toContain('imap.folders: must be one of eager, on-demand, ondemand, got "lazy"');
    expect(refusal(merged({ mail: { servers: [{ name: 'a', port: 70000 }] } }))!.message).toContain('mail.servers[0].port: must be at most 65535, got 70000');
  });

  it('a secret in a wrong place is never shown', () => {
    const r = refusal(merged({ sql: { url: 42 }, imap: { masterPassword: ['Imap-Secret-9'] } }))!;
    expect(r.message).toContain('sql.url: must be a string, got a number');
    expect(r.message).toContain('imap.masterPassword: must be a string, got a list');
    expect(r.message).not.toMatch(/Imap-Secret-9|Db-Secret-9/);
  });

  it('every problem of a file at once, unknown keys first', () => {
    const r = refusal({ ...merged({ ldap: { timeoutMs: 'fast', bindPasword: 'x' } }), ldpa: {} })!;
    expect(r.code).toBe('CFG_UNKNOWN_KEY');
    expect(r.message.indexOf('ldpa: unknown key')).toBeLessThan(r.message.indexOf('ldap.timeoutMs'));
    expect(r.message).toContain('ldap.bindPasword: unknown key');
  });

  it('with a config file nothing falls back to the local stack\'s servers: a section left out is CFG_MISSING', () => {
    expect(refusal({ ldap: BASE.ldap })).toMatchObject({ code: 'CFG_MISSING', field: 'sql.url', message: expect.stringContaining('sql.url (or OXPROV_PG_URL), imap.host (or OXPROV_IMAP_HOST)') });
    expect(refusal({ sql: BASE.sql, imap: BASE.imap })).toMatchObject({ code: 'CFG_MISSING', field: 'ldap.url' });
    // The environment may give them.
    expect(refusal({ ldap: BASE.ldap }, { OXPROV_PG_URL: 'postgres://x@y/z', OXPROV_IMAP_HOST: 'imap' })).toBeUndefined();
    expect(refusal({ ...BASE, imap: undefined, mail: { servers: [{ name: 'imap2', host: 'm2' }] } })).toBeUndefined();
    expect(refusal({ $comment: 'comments are free', ...BASE })).toBeUndefined();
  });

  it.each(['README.md', 'docs/configuration-guide.md'])('the example config of %s is valid', (file) => {
    const text = fs.readFileSync(file, 'utf8');
    const section = text.slice(text.indexOf('# Configuration for real servers'));
    const json = /```json\n([\s\S]*?)```/.exec(section)![1];
    const example = JSON.parse(json) as Record<string, Record<string, unknown>>;
    // Its secret files do not exist here: the schema is what is checked.
    for (const s of Object.values(example)) for (const k of Object.keys(s)) if (/File$/.test(k)) delete s[k];
    expect(refusal(example)).toBeUndefined();
  });

  it('docs/configuration.md is the reference generated from the schema (run `oxprov config reference`)', () => {
    expect(fs.readFileSync('docs/configuration.md', 'utf8')).toBe(configReference());
  });
});

describe('the mapping file', () => {
  it('an unknown key is refused with the nearest known one', () => {
    expect(() => parseMapping({ colums: {} })).toThrow(/colums: unknown key; did you mean columns\?/);
  });
});
