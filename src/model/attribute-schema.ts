/**
 * What the mapper needs to know about the directory's schema to accept an extra
 * column (the paper's `--anyattribute`). The LDAP back-end implements it from the
 * server's subschema; tests use an in-memory one.
 */
export interface AttributeSchema {
  /** The attribute type named `name` (case-insensitive, any of its names), or undefined if the schema has none. */
  attribute(name: string): AttributeInfo | undefined;
}

/** The value syntaxes the mapper checks; anything else is treated as `string`. */
export type AttributeSyntax = 'string' | 'date' | 'integer' | 'boolean';

export interface AttributeInfo {
  /** The attribute's canonical name as the schema spells it, e.g. `telephoneNumber`. */
  name: string;
  /** SINGLE-VALUE in the schema. A cell is always one value, so this is informational here. */
  singleValue: boolean;
  /** The value syntax; `date` values must be real dates written YYYY-MM-DD. */
  syntax?: AttributeSyntax;
  /** Upper bound from the schema (`{N}` after the syntax OID), if any. */
  maxLength?: number;
}
