/** What one back-end did for one user. `skipped`: not touched because an earlier step failed. */
export type StepOutcome = 'created' | 'exists' | 'updated' | 'deleted' | 'gone' | 'skipped' | 'failed';

/** What to do with a user that exists already: complete what is missing (`skip`), bring it in line (`update`), or refuse (`fail`). */
export type OnExisting = 'skip' | 'update' | 'fail';
