const EMPTY = 0;
const MAX_LOAD = 0.75;
const MIN_CAPACITY = 1024;
const MAX_VALUE = 0xfffffffe;

/**
 * A set of strings, compared without case, each with a small number: a hash table
 * that keeps no strings, only their 64-bit hash. One entry costs 12 bytes of a
 * slot (hash halves and value in three `Uint32Array`s), at most 4/3 slots per
 * entry, outside the JavaScript heap; a `Map` of lower-cased strings costs about
 * 100 bytes per entry on the heap, and the collector has to trace all of them.
 *
 * Keeping only the hash means two different strings with the same 64-bit hash
 * are taken as the same: with n strings in a table the chance that any two
 * collide is about n² / 2⁶⁵, e.g. 1e-7 for 2,000,000 addresses. The hash is
 * FNV-1a 64 over the UTF-16 code units of the lower-cased string (two 32-bit lanes,
 * since JavaScript numbers cannot hold 64-bit products).
 *
 * Case: ASCII is folded while hashing; a key with any other character is first
 * lower-cased with `toLowerCase()`, so the result is exactly that of comparing
 * `key.toLowerCase()`.
 *
 * Open addressing with linear probing; the table doubles when 3/4 full. Values
 * are whole numbers from 0 to 2³² − 2.
 */
export class FoldedHashTable {
  #hi: Uint32Array;
  #lo: Uint32Array;
  /** value + 1; 0 marks an empty slot. */
  #values: Uint32Array;
  #mask: number;
  #size = 0;
  // The hash of the last key: callers look a key up, then claim it.
  #lastKey: string | undefined;
  #lastHi = 0;
  #lastLo = 0;

  /** `capacity`: the number of keys expected, to size the table up front. */
  constructor(capacity = 0) {
    let c = MIN_CAPACITY;
    while (c * MAX_LOAD < capacity) c *= 2;
    this.#hi = new Uint32Array(c);
    this.#lo = new Uint32Array(c);
    this.#values = new Uint32Array(c);
    this.#mask = c - 1;
  }

  /** Number of keys held. */
  get size(): number {
    return this.#size;
  }

  /** Number of slots (for tests and memory estimates). */
  get capacity(): number {
    return this.#mask + 1;
  }

  /** The value of `key` (any case), or undefined. */
  get(key: string): number | undefined {
    this.#hash(key);
    const hi = this.#lastHi;
    const lo = this.#lastLo;
    const values = this.#values;
    const mask = this.#mask;
    for (let i = slotOf(hi, lo) & mask; ; i = (i + 1) & mask) {
      const v = values[i];
      if (v === EMPTY) return undefined;
      if (this.#lo[i] === lo && this.#hi[i] === hi) return v - 1;
    }
  }

  /** Stores `value` for `key` unless the key (in any case) is there already; returns whether it was stored. */
  setIfAbsent(key: string, value: number): boolean {
    if (!(value >= 0 && value <= MAX_VALUE && Number.isInteger(value))) throw new RangeError(`value must be a whole number from 0 to ${MAX_VALUE}, got ${value}`);
    this.#hash(key);
    const hi = this.#lastHi;
    const lo = this.#lastLo;
    const values = this.#values;
    const mask = this.#mask;
    let i = slotOf(hi, lo) & mask;
    for (; values[i] !== EMPTY; i = (i + 1) & mask) {
      if (this.#lo[i] === lo && this.#hi[i] === hi) return false;
    }
    this.#hi[i] = hi;
    this.#lo[i] = lo;
    values[i] = value + 1;
    if (++this.#size > (mask + 1) * MAX_LOAD) this.#grow();
    return true;
  }

  #grow(): void {
    const hi = this.#hi;
    const lo = this.#lo;
    const values = this.#values;
    const capacity = (this.#mask + 1) * 2;
    const mask = capacity - 1;
    const nhi = new Uint32Array(capacity);
    const nlo = new Uint32Array(capacity);
    const nvalues = new Uint32Array(capacity);
    for (let j = 0; j < values.length; j++) {
      if (values[j] === EMPTY) continue;
      let i = slotOf(hi[j], lo[j]) & mask;
      while (nvalues[i] !== EMPTY) i = (i + 1) & mask;
      nhi[i] = hi[j];
      nlo[i] = lo[j];
      nvalues[i] = values[j];
    }
    this.#hi = nhi;
    this.#lo = nlo;
    this.#values = nvalues;
    this.#mask = mask;
  }

  /** Sets #lastHi / #lastLo to the FNV-1a 64 hash of the lower-cased key. */
  #hash(key: string): void {
    if (key === this.#lastKey) return;
    let text = key;
    let lowered = false;
    let hi = 0xcbf29ce4;
    let lo = 0x84222325;
    for (let k = 0; k < text.length; k++) {
      let c = text.charCodeAt(k);
      if (c >= 0x80) {
        if (!lowered) {
          // Unicode lower-casing is not per code unit (İ, final sigma): start over on the lower-cased text.
          lowered = true;
          text = key.toLowerCase();
          hi = 0xcbf29ce4;
          lo = 0x84222325;
          k = -1;
          continue;
        }
      } else if (c >= 0x41 && c <= 0x5a) c += 0x20;
      lo ^= c;
      // (hi·2³² + lo) · (2⁴⁰ + 0x1b3) mod 2⁶⁴, in 32-bit halves; lo · 0x1b3 < 2⁴¹ is exact in a double.
      const t = (lo >>> 0) * 0x1b3;
      hi = (Math.imul(hi, 0x1b3) + (lo << 8) + Math.floor(t / 0x100000000)) >>> 0;
      lo = t >>> 0;
    }
    this.#lastKey = key;
    this.#lastHi = hi >>> 0;
    this.#lastLo = lo >>> 0;
  }
}

/** The home slot: both halves mixed (murmur3's finaliser), as FNV's low bits depend on the low bits of the input only. */
function slotOf(hi: number, lo: number): number {
  let h = (hi ^ Math.imul(lo, 0x9e3779b1)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}
