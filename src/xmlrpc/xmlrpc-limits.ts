import { OxprovError } from '../errors.js';

/**
 * Caps on what one XML-RPC message may contain. They exist because the daemon
 * parses requests from the network before anyone is authenticated: each cap
 * bounds the CPU, memory or stack a single request can cost.
 */
export interface XmlRpcLimits {
  /** Deepest nesting of `<value>` inside `<value>` (arrays and structs). Default 32. */
  readonly maxDepth: number;
  /** Most `<param>` elements in one call. Default 64. */
  readonly maxParams: number;
  /** Most elements of one array or members of one struct. Default 10,000. */
  readonly maxItems: number;
  /** Most `<value>` elements in the whole message. Default 100,000. */
  readonly maxValues: number;
}

/** Defaults for requests; the daemon's methods take a handful of flat params. */
export const DEFAULT_LIMITS: XmlRpcLimits = Object.freeze({
  maxDepth: 32,
  maxParams: 64,
  maxItems: 10_000,
  maxValues: 100_000,
});

/**
 * Fills in and checks limits once, at the edge, so the parser only sees
 * frozen positive integers.
 */
export function normalizeLimits(input: Partial<XmlRpcLimits> = {}): XmlRpcLimits {
  const out = { ...DEFAULT_LIMITS };
  for (const key of Object.keys(DEFAULT_LIMITS) as (keyof XmlRpcLimits)[]) {
    const value = input[key];
    if (value === undefined) continue;
    if (!Number.isSafeInteger(value) || value < 1) {
      throw new OxprovError('CFG_INVALID', `XML-RPC limit ${key} must be a positive integer, got ${String(value)}`, {
        field: key,
        value: String(value),
      });
    }
    out[key] = value;
  }
  return Object.freeze(out);
}
