/** The groupware modules of the paper's `--disable` option (chapter 3.1). */
export const MODULES = [
  'bookmarks', 'calendar', 'contacts', 'documents', 'forum', 'knowledge',
  'pinboard', 'pinboard_public', 'projects', 'tasks', 'webmail',
] as const;

export type Module = (typeof MODULES)[number];
