/**
 * The statements run since the last checkpoint, as newline-separated JSON in slabs of their own
 * memory, so that handing them to the checkpoint worker is a transfer (no copy, no work that
 * grows with the log on the node's thread). Appending costs the size of what is appended.
 */
import type { SqlOp } from './database';

const SLAB_BYTES = 1024 * 1024;

export interface Slab {
  readonly buffer: ArrayBuffer;
  /** Bytes of `buffer` in use. */
  readonly used: number;
}

export class OpsLog {
  private slabs: { buffer: Buffer; used: number }[] = [];
  private count = 0;

  /** Number of records appended since the last take(). */
  get records(): number {
    return this.count;
  }

  append(ops: readonly SqlOp[]): void {
    const line = `${JSON.stringify(ops)}\n`;
    const bytes = Buffer.byteLength(line, 'utf8');
    let slab = this.slabs.at(-1);
    if (slab === undefined || slab.buffer.length - slab.used < bytes) {
      // allocUnsafeSlow: memory of our own (not Node's shared pool), so it can be transferred.
      slab = { buffer: Buffer.allocUnsafeSlow(Math.max(SLAB_BYTES, bytes)), used: 0 };
      this.slabs.push(slab);
    }
    slab.used += slab.buffer.write(line, slab.used, 'utf8');
    this.count += 1;
  }

  /** Hands over everything appended so far and starts empty. */
  take(): Slab[] {
    const taken = this.slabs.map((s) => ({ buffer: s.buffer.buffer as ArrayBuffer, used: s.used }));
    this.slabs = [];
    this.count = 0;
    return taken;
  }
}
