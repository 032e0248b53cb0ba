import { OxprovError } from '../errors.js';

export interface RetryOptions {
  /** Attempts in all, the first included, for a transient error of a server that answers (a deadlock, "busy"). */
  attempts?: number;
  /** Delay before the second attempt; doubled each time, with jitter. */
  baseDelayMs?: number;
  /** Longest delay between two attempts. */
  maxDelayMs?: number;
  /**
   * How long a server that cannot be reached (refused, reset, no answer) is
   * waited for before the operation fails: a restart or a short outage is ridden
   * out. Default one minute.
   */
  outageMs?: number;
  onRetry?: (err: OxprovError, attempt: number) => void;
}

export const DEFAULT_OUTAGE_MS = 60_000;

/**
 * Runs `work` again when it fails with a transient error, with backoff: a few
 * times for a server that answered, for up to `outageMs` for one that could not
 * be reached. Every attempt has its own deadline in the back-end, so this never
 * waits without end.
 */
export async function withRetry<T>(work: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const attempts = options.attempts ?? 3;
  const base = options.baseDelayMs ?? 200;
  const max = options.maxDelayMs ?? 5_000;
  const outage = options.outageMs ?? DEFAULT_OUTAGE_MS;
  const t0 = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (err) {
      if (!(err instanceof OxprovError) || !err.transient) throw err;
      const delay = Math.min(max, base * 2 ** (attempt - 1)) * (0.5 + Math.random());
      const more = err.unreachable ? Date.now() - t0 + delay <= outage : attempt < attempts;
      if (!more) throw err;
      options.onRetry?.(err, attempt);
      await new Promise((r) => setTimeout(r, delay));
    }
  }
}
