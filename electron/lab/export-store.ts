/**
 * The files `LabApi.exportRun` writes, kept on the host until the page saves them: the page gets
 * only an ExportedFile (name, size and a secret id), never the content. The Electron main process
 * moves a file to where the person chose (`take`); the browser host streams it to the page's
 * download (`get`, then `remove` once it was sent whole).
 *
 * Each file is kept for one save or download, or `keepMs`, whichever comes first, and at most
 * `maxFiles` at once (the oldest goes first): a long run's exports are gigabytes. Ids are 32
 * random bytes: the browser host's download path carries one, so it must not be guessable.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EXPORT_KEEP_MS, type ExportedFile } from '../../shared/protocol/lab';

/** A kept export: what the page was told, and where the file is. */
export interface StoredExport extends ExportedFile {
  readonly path: string;
}

export interface ExportStoreOptions {
  /** Folder in which the store makes its own (default: the system's temporary folder). */
  readonly root?: string;
  readonly keepMs?: number;
  readonly maxFiles?: number;
}

/** What the hosts need of the store to hand a file over (the web host's downloads, main's save). */
export interface ExportFiles {
  get(id: string): StoredExport | null;
  /** Forgets the export and deletes its file. */
  remove(id: string): Promise<void>;
  /** Forgets the export but leaves its file, which the caller now owns (and moves or deletes). */
  take(id: string): StoredExport | null;
}

export class ExportStore implements ExportFiles {
  private readonly kept = new Map<string, { readonly file: StoredExport; readonly timer: ReturnType<typeof setTimeout> }>();
  private folder: Promise<string> | null = null;
  private serial = 0;
  private readonly keepMs: number;
  private readonly maxFiles: number;

  constructor(private readonly options: ExportStoreOptions = {}) {
    this.keepMs = options.keepMs ?? EXPORT_KEEP_MS;
    this.maxFiles = options.maxFiles ?? 8;
  }

  /** The store's folder (made on first use): exports, and scratch space for building them. */
  dir(): Promise<string> {
    this.folder ??= mkdtemp(join(this.options.root ?? tmpdir(), 'raft-lab-exports-'));
    return this.folder;
  }

  /**
   * Keeps a new export: `write` creates the file at the path it is given (and must not leave it
   * half written on success). A failed write leaves nothing behind.
   */
  async add(fileName: string, mimeType: string, write: (path: string) => Promise<void>): Promise<ExportedFile> {
    const path = join(await this.dir(), `${++this.serial}-${fileName}`);
    try {
      await write(path);
    } catch (e) {
      await rm(path, { force: true });
      throw e;
    }
    const bytes = (await stat(path)).size;
    const id = randomBytes(32).toString('base64url');
    const timer = setTimeout(() => void this.remove(id), this.keepMs);
    timer.unref?.();
    const file: StoredExport = { id, fileName, mimeType, bytes, path };
    this.kept.set(id, { file, timer });
    while (this.kept.size > this.maxFiles) {
      const oldest = this.kept.keys().next().value;
      if (oldest === undefined) break;
      await this.remove(oldest);
    }
    return { id, fileName, mimeType, bytes };
  }

  get(id: string): StoredExport | null {
    return this.kept.get(id)?.file ?? null;
  }

  take(id: string): StoredExport | null {
    const entry = this.kept.get(id);
    if (!entry) return null;
    clearTimeout(entry.timer);
    this.kept.delete(id);
    return entry.file;
  }

  /** Never rejects: a file that cannot be deleted now (still open elsewhere) is left to the folder's removal. */
  async remove(id: string): Promise<void> {
    const file = this.take(id);
    if (file) await rm(file.path, { force: true }).catch(() => undefined);
  }

  /** Deletes every kept export and the store's folder (the host is shutting down). */
  async close(): Promise<void> {
    for (const id of [...this.kept.keys()]) this.take(id);
    const folder = this.folder;
    this.folder = null;
    if (folder) await rm(await folder, { recursive: true, force: true }).catch(() => undefined);
  }
}
