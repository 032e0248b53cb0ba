/**
 * What one back-end did for one user. `skipped`: not touched because an earlier step failed.
 * `on demand`: the mail server makes the folders itself at the first access (imap.folders).
 */
export type StepOutcome = 'created' | 'exists' | 'updated' | 'deleted' | 'gone' | 'skipped' | 'failed' | 'on demand';

/** What to do with a user that exists already: complete what is missing (`skip`), bring it in line (`update`), or refuse (`fail`). */
export type OnExisting = 'skip' | 'update' | 'fail';
