// The lock between garbage collection and the operations that create references (containerd's
// metadata.DB wlock): a commit or prepare holds it shared from the moment its blob or snapshot exists on
// disk until its record (and lease resource) is in the database, and a collection holds it exclusively
// from mark to sweep, so nothing is collected in the gap between the two. Shared holders run together;
// an exclusive holder waits for them and blocks new ones.

/** An async readers–writer lock, writer-preferring. */
export class GcLock {
  private readers = 0;
  private writer = false;
  private waitingWriters = 0;
  private queue: (() => void)[] = [];

  /** Runs fn while holding the lock shared. */
  async shared<T>(fn: () => Promise<T> | T): Promise<T> {
    while (this.writer || this.waitingWriters > 0) await this.wait();
    this.readers++;
    try {
      return await fn();
    } finally {
      this.readers--;
      this.wake();
    }
  }

  /** Runs fn while holding the lock exclusively. */
  async exclusive<T>(fn: () => Promise<T> | T): Promise<T> {
    this.waitingWriters++;
    try {
      while (this.writer || this.readers > 0) await this.wait();
    } finally {
      this.waitingWriters--;
    }
    this.writer = true;
    try {
      return await fn();
    } finally {
      this.writer = false;
      this.wake();
    }
  }

  private wait(): Promise<void> {
    return new Promise((resolve) => this.queue.push(resolve));
  }

  private wake(): void {
    const waiting = this.queue;
    this.queue = [];
    for (const resolve of waiting) resolve();
  }
}
