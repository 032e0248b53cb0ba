import { isOxprovError, type ErrorCode } from '../../src/errors.js';

/** The OxprovError code `fn` throws, undefined when it does not throw; any other error is rethrown. */
export function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    if (isOxprovError(err)) return err.code;
    throw err;
  }
  return undefined;
}
