// Regular expressions as constants: a literal in a function body is a new RegExp object per call.
const BIRTHDAY_RE = /^birthday$/i;
const DATE_NAME_RE = /.Date$/;

/**
 * What the mapper needs to know about the directory's schema to accept an extra
 * column (the paper's `--anyattribute`). The LDAP layer implements it from the
 * server's subschema; tests use {@link inMemorySchema}.
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

/**
 * Attributes the schema declares as strings but that hold dates by convention:
 * the paper's own example is `birthDay`, and `*Date` names are common in custom schemas.
 */
export function isDateAttribute(info: AttributeInfo): boolean {
  return info.syntax === 'date' || BIRTHDAY_RE.test(info.name) || DATE_NAME_RE.test(info.name);
}
