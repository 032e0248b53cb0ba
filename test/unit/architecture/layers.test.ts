import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The layers of src/ and what each may import (docs/architecture.md,
 * its table). A layer never imports one that imports it, and the drivers of the
 * back-ends (ldapts, pg, imapflow) never leave src/provision/.
 */
const ALLOWED: Record<string, readonly string[]> = {
  errors: ['model'],
  model: ['errors'],
  config: ['errors', 'model'],
  templates: ['errors', 'model'],
  mapping: ['errors', 'model'],
  provision: ['errors', 'model', 'config', 'templates'],
  service: ['errors', 'model', 'config', 'templates', 'mapping', 'provision'],
  // oxprov's records of its runs: the ledger, the sealed passwords, the report as an export of them.
  ledger: ['errors', 'model', 'config', 'provision'],
  import: ['errors', 'model', 'config', 'templates', 'mapping', 'service', 'ledger'],
  sync: ['errors', 'model', 'config', 'templates', 'mapping', 'service', 'import', 'ledger'],
  // The run core that every door drives: an import or a sync, recorded, from its options to its result.
  run: ['errors', 'model', 'config', 'templates', 'mapping', 'service', 'import', 'sync', 'ledger'],
  xmlrpc: ['errors'],
  // The page drives runs through the run core only: it reads, maps, plans and counts nothing itself.
  web: ['errors', 'model', 'config', 'mapping', 'service', 'run'],
  daemon: ['errors', 'model', 'config', 'service', 'xmlrpc', 'web'],
  stack: ['errors', 'model', 'config', 'templates', 'provision'],
  cli: ['errors', 'model', 'config', 'templates', 'mapping', 'service', 'import', 'sync', 'ledger', 'run', 'xmlrpc', 'daemon', 'web', 'stack'],
};
const DRIVERS = ['ldapts', 'pg', 'imapflow', 'pg-boss'];

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../../../src');

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
}

function layerOf(file: string): string {
  const rel = path.relative(root, file).split(path.sep);
  return rel.length === 1 ? rel[0].replace(/\.ts$/, '') : rel[0];
}

const imports = files(root).flatMap((file) => {
  const text = fs.readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)]
    .map((m) => ({ file, spec: m[1] ?? m[2] }));
});

describe('the layers of src/', () => {
  it('every layer is known', () => {
    expect([...new Set(files(root).map(layerOf))].sort()).toEqual(Object.keys(ALLOWED).sort());
  });

  it('imports only the layers below it', () => {
    const bad = imports.filter(({ spec }) => spec.startsWith('.')).flatMap(({ file, spec }) => {
      const from = layerOf(file);
      const to = layerOf(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')));
      return from === to || ALLOWED[from].includes(to) ? [] : [`${path.relative(root, file)} -> ${spec}`];
    });
    expect(bad).toEqual([]);
  });

  it('has one HTTP server: only src/daemon/daemon-server.ts makes a server or a fastify application', () => {
    const makers = files(root).filter((f) => /\b(createServer|Fastify)\(/.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(root, f));
    expect(makers).toEqual(['daemon/daemon-server.ts']);
  });

  it('keeps the daemon\'s fault table out of the XML-RPC codec: src/xmlrpc/ gives no domain error code a fault number', () => {
    const domain = /\b(ADMIN|CFG|STACK|CSV|MAP|LDAP|SQL|IMAP|MAIL|SYNC|REPORT|WEB)_[A-Z_]+\s*:\s*-?\d+/;
    const named = files(path.join(root, 'xmlrpc')).filter((f) => domain.test(fs.readFileSync(f, 'utf8'))).map((f) => path.relative(root, f));
    expect(named).toEqual([]);
  });

  it('keeps the drivers of the back-ends inside src/provision/', () => {
    const bad = imports.filter(({ file, spec }) => DRIVERS.includes(spec) && layerOf(file) !== 'provision').map(({ file, spec }) => `${path.relative(root, file)} -> ${spec}`);
    expect(bad).toEqual([]);
  });
});
