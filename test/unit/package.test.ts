import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The package claims what it keeps: every installed package accepts the oldest
 * Node the project supports (so `npm ci` warns no EBADENGINE there), and every
 * runtime dependency is used by the code that runs (a package only a test reads
 * is a dev dependency).
 */
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { engines: { node: string }; dependencies: Record<string, string> };
const lock = JSON.parse(fs.readFileSync(path.join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } | string[] }> };
const semver = createRequire(import.meta.url)('semver') as { minVersion(range: string): { version: string } | null; satisfies(version: string, range: string): boolean };

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : /\.(ts|js|mjs)$/.test(e.name) ? [path.join(dir, e.name)] : []));
}

describe('package.json', () => {
  it('every package of the lock file accepts the oldest Node the project supports', () => {
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    expect(oldest).toBe('20.19.0');
    const refused = Object.entries(lock.packages).flatMap(([name, p]) => {
      const range = Array.isArray(p.engines) ? undefined : p.engines?.node;
      return name !== '' && range !== undefined && !semver.satisfies(oldest, range) ? [`${name}: node ${range}`] : [];
    });
    expect(refused).toEqual([]);
  });

  it('every runtime dependency is imported by the code that runs (src/, bin/)', () => {
    const code = [...files(path.join(root, 'src')), ...files(path.join(root, 'bin'))].map((f) => fs.readFileSync(f, 'utf8')).join('\n');
    const unused = Object.keys(pkg.dependencies).filter((d) => !new RegExp(`from ['"]${d}(/[^'"]*)?['"]|import\\(['"]${d}(/[^'"]*)?['"]\\)`).test(code));
    expect(unused).toEqual([]);
  });
});
