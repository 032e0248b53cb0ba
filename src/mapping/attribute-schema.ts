// Regular expressions as constants: a literal in a function body is a new RegExp object per call.
const BIRTHDAY_RE = /^birthday$/i;
const DATE_NAME_RE = /.Date$/;

import type { AttributeInfo } from '../model/attribute-schema.js';

export type { AttributeInfo, AttributeSchema, AttributeSyntax } from '../model/attribute-schema.js';

/**
 * Attributes the schema declares as strings but that hold dates by convention:
 * the paper's own example is `birthDay`, and `*Date` names are common in custom schemas.
 */
export function isDateAttribute(info: AttributeInfo): boolean {
  return info.syntax === 'date' || BIRTHDAY_RE.test(info.name) || DATE_NAME_RE.test(info.name);
}
