// Serialises operations per key inside one process. CNI SPEC.md section 3 ("Lifecycle & Ordering"): the
// runtime must not run parallel operations for the same container; different containers may overlap.

/** A mutex per key: `run(key, fn)` starts fn once every earlier fn of that key has settled. */
export class KeyedLock {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `fn` after the previous holder of `key`, and returns its result. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.tails.get(key) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return next;
  }
}
