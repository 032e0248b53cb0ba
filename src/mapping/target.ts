import type { AttributeInfo, AttributeSchema } from './attribute-schema.js';
import { fieldByName, type Field } from './fields.js';

/** Where a value goes: an adduser field or an extra LDAP attribute. `key` is unique per target. */
export type Target =
  | { kind: 'field'; key: Field; field: Field }
  | { kind: 'attribute'; key: string; info: AttributeInfo };

/** Why a name is not a target. */
export type TargetProblem = 'unknown' | 'reserved';

/**
 * Resolves a header, mapping target or template reference: an adduser field
 * first, then an attribute of the schema. Reserved attributes are the ones
 * oxprov writes itself; accepting them as extras would let a column silently
 * override `uid` or `userPassword`.
 */
export function resolveTarget(
  name: string,
  schema: AttributeSchema,
  reserved: ReadonlySet<string>,
): Target | TargetProblem {
  const field = fieldByName(name);
  if (field !== undefined) return { kind: 'field', key: field, field };
  const info = schema.attribute(name.trim());
  if (info === undefined) return 'unknown';
  if (reserved.has(info.name.toLowerCase()) || reserved.has(name.trim().toLowerCase())) return 'reserved';
  return { kind: 'attribute', key: info.name, info };
}
