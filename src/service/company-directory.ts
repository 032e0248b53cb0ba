/**
 * A company's own directory as a source of people (`--from-ldap`): the reader
 * lives with the other LDAP code in src/provision/; the import and the sync
 * reach it through here.
 */
export { DirectoryEntryReader, type DirectoryEntry, type DirectoryReadOptions } from '../provision/ldap/ldap-entry-reader.js';
