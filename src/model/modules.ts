/** The groupware modules of the paper's `--disable` option (chapter 3.1). */
export const MODULES = [
  'bookmarks', 'calendar', 'contacts', 'documents', 'forum', 'knowledge',
  'pinboard', 'pinboard_public', 'projects', 'tasks', 'webmail',
] as const;

export type Module = (typeof MODULES)[number];

/**
 * Each module's bit in a user's permissions (`users.permissions`), Open-Xchange's own
 * values (its `user_configuration.permissions`, class UserConfiguration): the name
 * there in the comment. `knowledge` and `pinboard_public` have no bit in
 * Open-Xchange; theirs are oxprov's, above Open-Xchange's 32 bits. The `modules`
 * table of migration 003 holds the same map (a test keeps them equal).
 */
export const MODULE_BITS: Readonly<Record<Module, number>> = {
  webmail: 1, // WEBMAIL
  calendar: 2, // CALENDAR
  contacts: 4, // CONTACTS
  tasks: 8, // TASKS
  documents: 16, // INFOSTORE
  projects: 32, // PROJECTS
  forum: 64, // FORUM
  pinboard: 128, // PINBOARD_WRITE_ACCESS
  bookmarks: 4096, // RSS_BOOKMARKS
  knowledge: 2 ** 32, // oxprov's own
  pinboard_public: 2 ** 33, // oxprov's own
};

/** Every module's bit: what oxprov manages in a mask (other bits, set by Open-Xchange's tools, are kept). */
export const ALL_MODULE_BITS = MODULES.reduce((sum, m) => sum + MODULE_BITS[m], 0);

/** The permissions of a user with every module but `disabled`. */
export function permissionsOf(disabled: readonly Module[]): number {
  let mask = ALL_MODULE_BITS;
  for (const m of new Set(disabled)) mask -= MODULE_BITS[m];
  return mask;
}
