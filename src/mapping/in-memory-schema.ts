import type { AttributeInfo, AttributeSchema } from './attribute-schema.js';

/** One attribute of an in-memory schema: a name, or the full description. */
export type AttributeDefinition = string | (Partial<AttributeInfo> & { name: string; aliases?: string[] });

/**
 * A schema held in memory, for tests and for runs without a directory. A plain
 * name is a multi-valued string attribute.
 */
export function inMemorySchema(definitions: Iterable<AttributeDefinition>): AttributeSchema {
  const byLower = new Map<string, AttributeInfo>();
  for (const def of definitions) {
    const d = typeof def === 'string' ? { name: def } : def;
    const info: AttributeInfo = Object.freeze({
      name: d.name,
      singleValue: d.singleValue ?? false,
      ...(d.syntax === undefined ? {} : { syntax: d.syntax }),
      ...(d.maxLength === undefined ? {} : { maxLength: d.maxLength }),
    });
    for (const n of [d.name, ...(d.aliases ?? [])]) byLower.set(n.toLowerCase(), info);
  }
  return { attribute: (name) => byLower.get(name.trim().toLowerCase()) };
}
