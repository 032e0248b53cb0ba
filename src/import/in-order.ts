/**
 * Hands out slots in input order and emits what fills them in that order, as
 * soon as a slot and every slot before it are filled: rows finish out of order
 * (batches run side by side), the report lists them as the file does.
 */
export class InOrder<T> {
  /** Filled slots not yet emitted; the head is the next slot to emit. */
  private readonly held = new Map<number, T | typeof SKIP>();
  private next = 0;
  private head = 0;
  private waiter?: () => void;

  constructor(private readonly emit: (value: T) => void) {}

  /** Slots filled but waiting for an earlier one. */
  get waiting(): number {
    return this.held.size;
  }

  /** The next slot, in input order. */
  slot(): number {
    return this.next++;
  }

  fill(slot: number, value: T): void {
    this.held.set(slot, value);
    this.release();
  }

  /** A slot that will never be filled (a row read but not sent): it holds up nobody. */
  skip(slot: number): void {
    this.held.set(slot, SKIP);
    this.release();
  }

  /** Resolves when the head has moved (for a reader that waits while too much is held). */
  moved(): Promise<void> {
    return new Promise((resolve) => { this.waiter = resolve; });
  }

  /** Wakes a reader waiting in {@link moved} (a cancel: it must not wait for the head). */
  wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  private release(): void {
    let moved = false;
    for (let v = this.held.get(this.head); v !== undefined; v = this.held.get(this.head)) {
      this.held.delete(this.head++);
      moved = true;
      if (v !== SKIP) this.emit(v as T);
    }
    if (moved && this.waiter) {
      const w = this.waiter;
      this.waiter = undefined;
      w();
    }
  }
}

const SKIP: unique symbol = Symbol('skip');
