import type { OxprovError } from '../../../src/errors.js';
import {
  createRowMapper, inMemorySchema, parseMapping, STANDARD_ATTRIBUTES,
  type MapResult, type RowMapperOptions,
} from '../../../src/mapping/index.js';

export const LANGUAGES = ['EN', 'DE', 'FR'];
export const schema = inMemorySchema([...STANDARD_ATTRIBUTES, { name: 'hireDate', singleValue: true }, { name: 'badgeCount', syntax: 'integer' }, { name: 'isExternal', syntax: 'boolean' }]);

/** A valid row in adduser column names (the paper's example user). */
export const VALID: Record<string, string> = {
  username: 'smtest', password: 'secret', surname: 'Martin', givenname: 'Stephan', mail: 'smtest@test.tux',
  colocrouteaddr: 'smtest@localhost',
};

export function mapper(options: Partial<RowMapperOptions> & { mappingJson?: unknown } = {}) {
  const { mappingJson, ...rest } = options;
  return createRowMapper({
    languages: LANGUAGES, schema,
    ...(mappingJson === undefined ? {} : { mapping: parseMapping(mappingJson) }),
    ...rest,
  });
}

/** Maps rows given as objects; the header is the union of their keys. */
export function mapRows(rows: Record<string, string>[], options: Parameters<typeof mapper>[0] = {}): MapResult[] {
  const m = mapper(options);
  const header = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const headerErrors = m.header(header);
  if (headerErrors.length > 0) throw new Error(`header errors: ${headerErrors.map((e) => e.code).join(', ')}`);
  return rows.map((r, i) => m.map(r, i + 2));
}

export function mapOne(row: Record<string, string>, options: Parameters<typeof mapper>[0] = {}): MapResult {
  return mapRows([row], options)[0];
}

export function codes(result: MapResult): string[] {
  return result.ok ? [] : result.errors.map((e) => e.code);
}

export function errorsOf(result: MapResult): OxprovError[] {
  if (result.ok) throw new Error(`expected errors, got a spec: ${JSON.stringify(result.spec)}`);
  return result.errors;
}

export function specOf(result: MapResult) {
  if (!result.ok) throw new Error(`expected a spec, got ${result.errors.map((e) => `${e.code}(${e.field})`).join(', ')}`);
  return result.spec;
}
