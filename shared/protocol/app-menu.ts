/**
 * What the Electron preload exposes as `window.raftLab`: the LabApi, plus the application
 * menu's commands that need the window's UI (choosing a file to open, what to export) and the
 * save dialog for an export.
 * Menu commands that are plain lab intents (run/pause, step, speed, new cluster) are carried
 * out by the main process itself; the window sees their effect in the event stream.
 */
import { z } from 'zod';
import type { SaveExportResult } from './export-save';
import type { LabApi } from './lab';

export type MenuCommand =
  | { readonly type: 'open-recording' }
  | { readonly type: 'export' };

export type MenuCommandType = MenuCommand['type'];


/** The IPC channel on which main pushes menu commands to the window. */
export const MENU_COMMAND_CHANNEL = 'app:menu-command' as const;

/**
 * The window tells main how many menu-command listeners it has (a whole number, sent on every
 * change), so that main can say so when a command would reach nobody instead of doing nothing.
 */
export const MENU_LISTENERS_CHANNEL = 'app:menu-listeners' as const;
export const MAX_MENU_LISTENERS = 1_000;

export const listenerCountSchema = z.number().int().min(0).max(MAX_MENU_LISTENERS);

export function isListenerCount(value: unknown): value is number {
  return listenerCountSchema.safeParse(value).success;
}

export const menuCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('open-recording') }).strict(),
  z.object({ type: z.literal('export') }).strict(),
]);

export function isMenuCommand(value: unknown): value is MenuCommand {
  return menuCommandSchema.safeParse(value).success;
}

export interface RaftLabBridge extends LabApi {
  /** Subscribe to application-menu commands. Returns an unsubscribe function. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
  /**
   * Save an export (`exportRun`'s ExportedFile, by its id) where the person chooses in the
   * system's save dialog; main moves the host's file there (shared/protocol/export-save.ts).
   */
  saveExport(id: string): Promise<SaveExportResult>;
}
