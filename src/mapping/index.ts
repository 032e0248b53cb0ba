/** Validating and mapping input rows to user specs: pure logic, no I/O. */
export { createRowMapper, type MapResult, type RowMapper } from './row-mapper.js';
export { RESERVED_ATTRIBUTES, type RowMapperOptions } from './normalize-options.js';
export { parseMapping, type Mapping } from './mapping-file.js';
export { SeenTracker } from './seen-tracker.js';
export { isDateAttribute, type AttributeInfo, type AttributeSchema, type AttributeSyntax } from './attribute-schema.js';
export { inMemorySchema, type AttributeDefinition } from './in-memory-schema.js';
export { STANDARD_ATTRIBUTES } from './standard-attributes.js';
export { toAscii } from './transliterate.js';
export { FIELDS, type Field } from './fields.js';
