const MIN_BYTES = 64 * 1024;
const MIN_COUNT = 1024;

/**
 * A list of strings kept outside the JavaScript heap: their UTF-8 bytes one after
 * another in one growing buffer, with the end of each in a `Uint32Array`. A string
 * costs its bytes and 4 more; as JavaScript strings in an array, a short name costs
 * about 40 bytes on the heap and a slot, and the collector traces each one. The heap
 * that the collector lets grow is a multiple of what is live on it, so a million
 * names held here rather than there keep a run's peak RSS down by more than their
 * own size. Strings are read back (decoded) on demand; a list only grows.
 *
 * Written here because no package on npm does this small thing without a dependency
 * tree of its own; see test/unit/mapping/packed-strings.test.ts.
 */
export class PackedStrings {
  #bytes = Buffer.allocUnsafeSlow(MIN_BYTES);
  #ends = new Uint32Array(MIN_COUNT);
  #used = 0;
  #count = 0;

  get length(): number {
    return this.#count;
  }

  /** Adds a string; returns its index. */
  push(s: string): number {
    // A UTF-8 string takes at most three bytes per UTF-16 code unit.
    const most = s.length * 3;
    if (this.#used + most > 0xffffffff) throw new RangeError('PackedStrings holds at most 4 GiB');
    if (this.#used + most > this.#bytes.length) {
      const grown = Buffer.allocUnsafeSlow(Math.min(0xffffffff, Math.max(this.#bytes.length * 2, this.#used + most)));
      this.#bytes.copy(grown, 0, 0, this.#used);
      this.#bytes = grown;
    }
    if (this.#count === this.#ends.length) {
      const grown = new Uint32Array(this.#ends.length * 2);
      grown.set(this.#ends);
      this.#ends = grown;
    }
    this.#used += this.#bytes.write(s, this.#used, 'utf8');
    this.#ends[this.#count] = this.#used;
    return this.#count++;
  }

  /** The string at an index. */
  get(i: number): string {
    if (!(i >= 0 && i < this.#count)) throw new RangeError(`no string ${i} (of ${this.#count})`);
    const start = i === 0 ? 0 : this.#ends[i - 1];
    return this.#bytes.toString('utf8', start, this.#ends[i]);
  }
}
