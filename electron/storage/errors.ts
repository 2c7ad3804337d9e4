/**
 * The one error type storage throws for problems with the files themselves. `file` is the
 * absolute path of the file at fault and `node` the node whose files they are, so a node that
 * refuses to start can say exactly which file a person must look at. Storage never modifies a
 * file it reports as corrupt.
 */
export type StorageErrorKind =
  /** The file's bytes are not what this code wrote: not SQLite, failed checks, bad rows, a journal record broken in the middle. */
  | 'corrupt'
  /** The file was written by another (probably newer) schema version. */
  | 'schema-version'
  /** The operating system refused a read, write, fsync or rename. */
  | 'io'
  /** This process (isolate) already has the file open; two writers would undo each other. */
  | 'in-use';

export class StorageError extends Error {
  override readonly name = 'StorageError';
  readonly file: string;
  readonly kind: StorageErrorKind;
  /** The node the file belongs to, when known (always, for errors from NodeStorage.open). */
  readonly node: number | null;
  /** The message without the node and file prefix. */
  readonly detail: string;

  constructor(kind: StorageErrorKind, file: string, detail: string, options?: { readonly cause?: unknown; readonly node?: number }) {
    const node = options?.node ?? null;
    super(`${node === null ? '' : `node ${node}: `}${describeKind(kind)} in ${file}: ${detail}`, { cause: options?.cause });
    this.kind = kind;
    this.file = file;
    this.node = node;
    this.detail = detail;
  }

  /** The same error, naming `node`. */
  forNode(node: number): StorageError {
    return this.node === node ? this : new StorageError(this.kind, this.file, this.detail, { cause: this.cause, node });
  }
}

function describeKind(kind: StorageErrorKind): string {
  switch (kind) {
    case 'corrupt':
      return 'corrupt storage file';
    case 'schema-version':
      return 'unsupported storage schema version';
    case 'io':
      return 'storage I/O failure';
    case 'in-use':
      return 'storage already open';
  }
}
