import { OxprovError } from '../errors.js';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  attempts?: number;
  /** Delay before the second attempt; doubled each time, with jitter. */
  baseDelayMs?: number;
  onRetry?: (err: OxprovError, attempt: number) => void;
}

/** Runs `work` again when it fails with a transient error (connection reset, timeout), with backoff. */
export async function withRetry<T>(work: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 3;
  const base = options.baseDelayMs ?? 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof OxprovError) || !err.transient || attempt >= attempts) throw err;
      options.onRetry?.(err, attempt);
      await new Promise((r) => setTimeout(r, base * 2 ** (attempt - 1) * (0.5 + Math.random())));
    }
  }
}
