/**
 * Batches encoded lines for an append-only file: hosts that stream a recording to disk append
 * one chunk per `maxLines` lines (or when flushed) instead of one write per record, and the
 * writes happen one after another in order. The host supplies the write (shared/ does no I/O)
 * and calls `flush()` on a timer and before reading the file back.
 */
export class LineBuffer {
  private lines: string[] = [];
  private chain: Promise<void> = Promise.resolve();
  private failure: unknown = null;

  constructor(
    private readonly write: (chunk: string) => Promise<void>,
    private readonly maxLines = 2_000,
  ) {}

  push(line: string): void {
    this.lines.push(line);
    // A failed write is kept and reported by the next explicit flush(), not thrown here (an
    // unhandled rejection would take the whole host process down).
    if (this.lines.length >= this.maxLines) this.flush().catch(() => undefined);
  }

  /** Writes what is buffered; resolves once every earlier write is done. Rejects with the first write error. */
  flush(): Promise<void> {
    if (this.lines.length > 0) {
      const chunk = this.lines.join('\n') + '\n';
      this.lines = [];
      this.chain = this.chain.then(() => this.write(chunk)).catch((e: unknown) => {
        this.failure ??= e;
      });
    }
    return this.chain.then(() => {
      if (this.failure !== null) throw this.failure;
    });
  }
}
