/**
 * Saving an export in the Electron app (electron/main/export-save.ts), without Electron: the
 * window names an export by id, main asks where (a stand-in for the save dialog) and moves the
 * host's file there; a canceled save deletes it; the channel refuses other senders and bad ids.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IpcMainInvokeEvent } from 'electron';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExportStore } from '../../electron/lab/export-store';
import { moveFile, registerSaveExportIpc, saveExport } from '../../electron/main/export-save';
import { SAVE_EXPORT_CHANNEL } from '../../shared/protocol/export-save';

let dir: string;
let store: ExportStore;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'raft-lab-export-save-'));
  store = new ExportStore({ root: dir });
});
afterAll(async () => {
  await store.close();
  await rm(dir, { recursive: true, force: true });
});

const bytes = randomBytes(200_000);
const keep = (name: string) => store.add(name, 'application/x-tar', (path) => writeFile(path, bytes, { flag: 'wx' }));

describe('saving an export', () => {
  it('moves the file to the chosen path, suggesting its name; the store forgets it', async () => {
    const file = await keep('recording-1.tar');
    const target = join(dir, 'chosen.tar');
    const asked: string[] = [];
    const result = await saveExport({ exports: store, choosePath: async (name) => (asked.push(name), target) }, file.id);
    expect(result).toEqual({ kind: 'saved', path: target });
    expect(asked).toEqual(['recording-1.tar']);
    expect((await readFile(target)).equals(bytes)).toBe(true);
    expect(store.get(file.id)).toBeNull();
    expect(await readdir(await store.dir())).toEqual([]);
    await expect(saveExport({ exports: store, choosePath: async () => target }, file.id)).rejects.toThrow(/no longer kept/);
  });

  it('a canceled save deletes the file', async () => {
    const file = await keep('recording-2.tar');
    expect(await saveExport({ exports: store, choosePath: async () => null }, file.id)).toEqual({ kind: 'canceled' });
    expect(store.get(file.id)).toBeNull();
    expect(await readdir(await store.dir())).toEqual([]);
  });

  it('a save that cannot be written fails and leaves nothing behind', async () => {
    const file = await keep('recording-3.tar');
    await expect(saveExport({ exports: store, choosePath: async () => join(dir, 'no-such-folder', 'x.tar') }, file.id)).rejects.toThrow(/ENOENT/);
    expect(await readdir(await store.dir())).toEqual([]);
  });

  it('moveFile replaces the target (the dialog asked) and moves the bytes', async () => {
    const from = join(dir, 'from.bin');
    const to = join(dir, 'to.bin');
    await writeFile(from, bytes);
    await writeFile(to, 'old');
    await moveFile(from, to);
    expect((await readFile(to)).equals(bytes)).toBe(true);
    await expect(readFile(from)).rejects.toThrow(/ENOENT/);
  });

  it('the IPC channel serves only the app window, with a valid export id', async () => {
    const handlers = new Map<string, (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>>();
    const registry = { handle: (channel: string, fn: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>) => void handlers.set(channel, fn), removeHandler: (channel: string) => void handlers.delete(channel) };
    const trustedFrame = {} as IpcMainInvokeEvent['senderFrame'];
    const remove = registerSaveExportIpc(registry, { exports: store, choosePath: async () => null, isTrustedSender: (frame) => frame === trustedFrame });
    const handler = handlers.get(SAVE_EXPORT_CHANNEL)!;
    const file = await keep('recording-4.tar');
    const from = (senderFrame: IpcMainInvokeEvent['senderFrame']) => ({ senderFrame }) as IpcMainInvokeEvent;
    await expect(handler(from(null), file.id)).rejects.toThrow(/did not come from the Raft Lab window/);
    await expect(handler(from(trustedFrame), '../../etc/passwd')).rejects.toThrow(/not an export id/);
    await expect(handler(from(trustedFrame), file.id, 'extra')).rejects.toThrow(/not an export id/);
    expect(store.get(file.id)).not.toBeNull();
    expect(await handler(from(trustedFrame), file.id)).toEqual({ kind: 'canceled' });
    remove();
    expect(handlers.size).toBe(0);
  });
});
