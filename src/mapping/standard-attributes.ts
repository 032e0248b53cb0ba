import type { AttributeDefinition } from './in-memory-schema.js';

/**
 * The usual person attributes of the `core`, `cosine` and `inetorgperson`
 * schemas plus the paper's `birthDay` example, enough for the samples and
 * for tests. A live run asks the directory instead.
 */
export const STANDARD_ATTRIBUTES: readonly AttributeDefinition[] = [
  { name: 'telephoneNumber', maxLength: 32 },
  { name: 'facsimileTelephoneNumber', aliases: ['fax'], maxLength: 32 },
  { name: 'mobile', aliases: ['mobileTelephoneNumber'], maxLength: 32 },
  { name: 'homePhone', aliases: ['homeTelephoneNumber'], maxLength: 32 },
  { name: 'ou', aliases: ['organizationalUnitName'] },
  { name: 'o', aliases: ['organizationName'] },
  { name: 'title' },
  { name: 'description' },
  { name: 'displayName', singleValue: true },
  { name: 'employeeNumber', singleValue: true },
  { name: 'employeeType' },
  { name: 'departmentNumber' },
  { name: 'roomNumber' },
  { name: 'street', aliases: ['streetAddress'] },
  { name: 'postalCode' },
  { name: 'l', aliases: ['localityName'] },
  { name: 'st', aliases: ['stateOrProvinceName'] },
  { name: 'postalAddress' },
  { name: 'homePostalAddress' },
  { name: 'initials' },
  { name: 'labeledURI' },
  { name: 'preferredLanguage', singleValue: true },
  { name: 'manager' },
  { name: 'birthDay', singleValue: true, syntax: 'date' },
  // Set by oxprov itself: listed so that they are known and can be refused as reserved, not as unknown.
  'uid', 'userPassword', 'sn', 'givenName', 'cn', 'mail', 'objectClass',
  { name: 'uidNumber', singleValue: true, syntax: 'integer' },
  { name: 'gidNumber', singleValue: true, syntax: 'integer' },
  { name: 'homeDirectory', singleValue: true },
  { name: 'loginShell', singleValue: true },
];
