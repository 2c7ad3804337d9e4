/**
 * The Electron application menu's commands for this window (File > Export…). The preload adds
 * `onMenuCommand` to `window.raftLab`; in a plain browser there is no such menu and this does
 * nothing.
 */
import type { MenuCommand } from '../../../shared/protocol/app-menu';

interface MenuSource {
  onMenuCommand(listener: (command: MenuCommand) => void): () => void;
}

function hasMenu(api: unknown): api is MenuSource {
  return typeof api === 'object' && api !== null && typeof (api as Partial<MenuSource>).onMenuCommand === 'function';
}

/** Calls `listener` for each menu command of type `type`; returns the unsubscribe function. */
export function onMenuCommand(type: MenuCommand['type'], listener: () => void): () => void {
  const api: unknown = window.raftLab;
  if (!hasMenu(api)) return () => {};
  return api.onMenuCommand((command) => {
    if (command.type === type) listener();
  });
}
