/**
 * Saving an export in the Electron app (shared/protocol/export-save.ts): the window sends an
 * export's id on SAVE_EXPORT_CHANNEL; main takes that file from the lab's export store, asks where
 * to put it (the system's save dialog, which also confirms replacing a file) and moves it there:
 * a rename on the same disk, else a streamed copy. The window never names a path and the content
 * never crosses IPC. Runs without Electron (the dialog is passed in), so tests drive it directly.
 */
import { copyFile, rename, rm } from 'node:fs/promises';
import type { WebFrameMain } from 'electron';
import { SAVE_EXPORT_CHANNEL, saveExportArgsSchema, type SaveExportResult } from '../../shared/protocol/export-save';
import type { ExportFiles } from '../lab/export-store';
import type { InvokeHandlerRegistry } from './lab-ipc';

export interface SaveExportOptions {
  readonly exports: ExportFiles;
  /** Where to save a file suggested as `fileName`, or null when the person cancels. */
  readonly choosePath: (fileName: string) => Promise<string | null>;
}

export async function saveExport(options: SaveExportOptions, id: string): Promise<SaveExportResult> {
  // Taken before the dialog: the store must not expire it while the person chooses.
  const file = options.exports.take(id);
  if (file === null) throw new Error('saveExport: this export is no longer kept (each is saved once, within 10 minutes of making it); export again');
  let saved = false;
  try {
    const path = await options.choosePath(file.fileName);
    if (path === null) return { kind: 'canceled' };
    await moveFile(file.path, path);
    saved = true;
    return { kind: 'saved', path };
  } finally {
    if (!saved) await rm(file.path, { force: true }).catch(() => undefined);
  }
}

/** Moves `from` to `to` (replacing it): a rename, or a copy where the two are on different disks. */
export async function moveFile(from: string, to: string): Promise<void> {
  try {
    await rename(from, to);
    return;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EXDEV') throw e;
  }
  try {
    await copyFile(from, to);
  } catch (e) {
    // A half-copied file at the chosen path would look like a whole one.
    await rm(to, { force: true }).catch(() => undefined);
    throw e;
  }
  await rm(from, { force: true });
}

/** Registers the save channel: only the app's own window may use it, with a valid id. */
export function registerSaveExportIpc(ipc: InvokeHandlerRegistry, options: SaveExportOptions & { readonly isTrustedSender: (frame: WebFrameMain | null) => boolean }): () => void {
  ipc.handle(SAVE_EXPORT_CHANNEL, async (event, ...args) => {
    if (!options.isTrustedSender(event.senderFrame)) throw new Error('saveExport: refused, the request did not come from the Raft Lab window');
    const parsed = saveExportArgsSchema.safeParse(args);
    if (!parsed.success) throw new Error('saveExport: args[0]: not an export id');
    return saveExport(options, parsed.data[0]);
  });
  return () => ipc.removeHandler(SAVE_EXPORT_CHANNEL);
}
