/**
 * Appends text to a new gzip file, one batch at a time, each batch ending in a sync flush
 * (Z_SYNC_FLUSH): once `append` resolves, everything appended so far decompresses from the file
 * as it is, while writing goes on and after the process is killed (the stream then lacks only
 * its final block and checksum: readers see a cut-short stream). `close` ends the stream.
 * The file is created by the first append and never replaces an existing one.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { constants, createGzip, type Gzip } from 'node:zlib';

export class GzipAppender {
  private readonly gzip: Gzip;
  /** Compressed bytes zlib has produced and not written yet. */
  private out: Buffer[] = [];
  private handle: FileHandle | null = null;
  /** The first failure: the file no longer matches the stream, so nothing more is written. */
  private failure: unknown = null;
  private closed = false;

  constructor(private readonly path: string, level = 6) {
    this.gzip = createGzip({ level });
    // Flowing: zlib's output is pushed here before its write (and flush) callbacks run.
    this.gzip.on('data', (chunk: Buffer) => this.out.push(chunk));
    this.gzip.on('error', (e) => {
      this.failure ??= e;
    });
  }

  /** Compresses `text`, sync-flushes and writes it; resolves once the file holds it. Calls must not overlap. */
  async append(text: string): Promise<void> {
    this.usable();
    try {
      await new Promise<void>((resolve, reject) => {
        this.gzip.once('error', reject);
        this.gzip.write(text);
        this.gzip.flush(constants.Z_SYNC_FLUSH, () => {
          this.gzip.off('error', reject);
          resolve();
        });
      });
      this.handle ??= await open(this.path, 'wx');
      await this.writeOut(this.handle);
    } catch (e) {
      this.failure ??= e;
      throw e;
    }
  }

  /** Ends the stream (its final block and checksum) and closes the file; nothing is created if nothing was appended. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const handle = this.handle;
    this.handle = null;
    try {
      if (handle === null || this.failure !== null) return;
      await new Promise<void>((resolve, reject) => {
        this.gzip.once('end', resolve);
        this.gzip.once('error', reject);
        this.gzip.end();
      });
      await this.writeOut(handle);
    } finally {
      this.gzip.destroy();
      await handle?.close();
    }
  }

  private usable(): void {
    if (this.closed) throw new Error(`${this.path} is already closed`);
    if (this.failure !== null) throw this.failure;
  }

  private async writeOut(handle: FileHandle): Promise<void> {
    const bytes = Buffer.concat(this.out);
    this.out = [];
    for (let at = 0; at < bytes.length; ) at += (await handle.write(bytes, at)).bytesWritten;
  }
}
