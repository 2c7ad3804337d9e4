/**
 * What the Electron preload exposes as `window.raftLab`: the LabApi, plus the application
 * menu's commands that need the window's UI (choosing a file to open, what to export).
 * Menu commands that are plain lab intents (run/pause, step, speed, new cluster) are carried
 * out by the main process itself; the window sees their effect in the event stream.
 */
import type { LabApi } from './lab';

export type MenuCommand =
  | { readonly type: 'open-recording' }
  | { readonly type: 'export' };

export type MenuCommandType = MenuCommand['type'];

export const MENU_COMMAND_TYPES = ['open-recording', 'export'] as const satisfies readonly MenuCommandType[];

/** The IPC channel on which main pushes menu commands to the window. */
export const MENU_COMMAND_CHANNEL = 'app:menu-command' as const;

/**
 * The window tells main how many menu-command listeners it has (a whole number, sent on every
 * change), so that main can say so when a command would reach nobody instead of doing nothing.
 */
export const MENU_LISTENERS_CHANNEL = 'app:menu-listeners' as const;
export const MAX_MENU_LISTENERS = 1_000;

export function isListenerCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_MENU_LISTENERS;
}

export function isMenuCommand(value: unknown): value is MenuCommand {
  if (typeof value !== 'object' || value === null) return false;
  const type = (value as { type?: unknown }).type;
  return typeof type === 'string' && (MENU_COMMAND_TYPES as readonly string[]).includes(type);
}

export interface RaftLabBridge extends LabApi {
  /** Subscribe to application-menu commands. Returns an unsubscribe function. */
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}
