/**
 * Installs the application menu and carries out its commands. Lab intents (new cluster,
 * run/pause, step, speed) go straight to the lab controller; the window follows through the
 * event stream. Open recording and Export need the window's UI, so they are sent to it as
 * menu commands (shared/protocol/app-menu.ts).
 */
import { app, dialog, Menu } from 'electron';
import type { BrowserWindow } from 'electron';
import { DEFAULT_CLUSTER_OPTIONS } from '../../shared/protocol/lab';
import type { LabApi } from '../../shared/protocol/lab';
import { MENU_COMMAND_CHANNEL } from '../../shared/protocol/app-menu';
import type { MenuCommand } from '../../shared/protocol/app-menu';
import { buildMenuTemplate, nextSpeed } from './menu-template';
import type { MenuActions } from './menu-template';

export interface MenuContext {
  readonly lab: LabApi;
  /** The window to send UI commands to, if one is open. */
  readonly window: () => BrowserWindow | null;
  readonly dev: boolean;
  /** Whether the window listens for menu commands (it says so over MENU_LISTENERS_CHANNEL). */
  readonly windowListens: () => boolean;
  /** Reports a failed menu action (the lab said no: e.g. stepping while running). */
  readonly onError: (what: string, error: unknown) => void;
}

export function menuActions(context: MenuContext): MenuActions {
  const { lab } = context;
  const run = (what: string, action: () => Promise<unknown>) => {
    action().catch((error: unknown) => context.onError(what, error));
  };
  const send = (command: MenuCommand, what: string) => {
    const win = context.window();
    if (!win || win.isDestroyed()) return;
    if (context.windowListens()) {
      win.webContents.send(MENU_COMMAND_CHANNEL, command);
    } else {
      // Say so rather than do nothing: this window's UI has no handler for the command.
      void dialog.showMessageBox(win, { type: 'info', message: `${what} is not available in this window yet.` });
    }
  };
  return {
    newCluster: () => run('New cluster', async () => {
      // A new cluster with the current one's settings (fresh data folder), or the defaults.
      const current = await lab.snapshot().catch(() => null);
      const options = current ? { ...current.options, dataDir: undefined } : DEFAULT_CLUSTER_OPTIONS;
      await lab.destroyCluster();
      await lab.createCluster(options);
    }),
    openRecording: () => send({ type: 'open-recording' }, 'Open recording'),
    exportRun: () => send({ type: 'export' }, 'Export'),
    togglePaused: () => run('Run / Pause', async () => lab.setPaused(!(await lab.snapshot()).paused)),
    step: () => run('Step', async () => {
      if (!(await lab.snapshot()).paused) await lab.setPaused(true);
      await lab.tickOnce();
    }),
    faster: () => run('Faster', async () => lab.setSpeed(nextSpeed((await lab.snapshot()).speed, 1))),
    slower: () => run('Slower', async () => lab.setSpeed(nextSpeed((await lab.snapshot()).speed, -1))),
    normalSpeed: () => run('Normal speed', () => lab.setSpeed(1)),
  };
}

export function installMenu(context: MenuContext): void {
  const template = buildMenuTemplate({
    platform: process.platform,
    appName: app.getName(),
    dev: context.dev,
    actions: menuActions(context),
  });
  Menu.setApplicationMenu(Menu.buildFromTemplate(template));
}
