/**
 * The app's life: one instance, one hardened window, the lab controller owned by main, IPC
 * wired, menu installed. Closing the window stops every node cleanly before the app quits; a
 * second launch focuses the existing window instead of starting another cluster.
 */
import { join } from 'node:path';
import { app, dialog, ipcMain, session } from 'electron';
import type { BrowserWindow } from 'electron';
import type { LabApi } from '../../shared/protocol/lab';
import type { ExportStore } from '../lab/export-store';
import { isListenerCount, MENU_LISTENERS_CHANNEL } from '../../shared/protocol/app-menu';
import { APP_ORIGIN } from './app-protocol';
import { nodeRuntimeEnv } from './app-paths';
import type { AppPaths } from './app-paths';
import { aboutPanelOptions } from './about';
import { contentSecurityPolicy } from './content-policy';
import { registerSaveExportIpc } from './export-save';
import { forwardLabEvents, registerLabIpc } from './lab-ipc';
import { installMenu } from './menu';
import { allowedOrigins, isTrustedSender } from './origins';
import { hardenAllWebContents, hardenSession, registerAppScheme } from './security';
import { createMainWindow } from './window';

/** How long closing waits for the nodes to stop before quitting anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;

export interface AppOptions {
  readonly paths: AppPaths;
  /**
   * Builds the lab controller; it spawns the node utility processes from `paths.nodeEntry`.
   * `exports` holds the files its exportRun writes until the window saves them.
   */
  readonly createLab: (paths: AppPaths) => LabApi & { readonly exports: ExportStore };
  /** Vite's dev server URL during `electron-vite dev`, else undefined. */
  readonly devServerUrl: string | undefined;
}

/** Call once, at the top level of the main script, before the app is ready. */
export function runApp(options: AppOptions): void {
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  registerAppScheme();
  app.setAboutPanelOptions(aboutPanelOptions(app.getVersion(), process.versions));
  // Node processes read their run-time file paths from the environment they inherit.
  Object.assign(process.env, nodeRuntimeEnv(options.paths));

  const origins = allowedOrigins(options.devServerUrl);
  hardenAllWebContents(origins);

  let win: BrowserWindow | null = null;
  let lab: (LabApi & { readonly exports: ExportStore }) | null = null;
  let stopping: Promise<void> | null = null;

  const stopLab = (): Promise<void> => {
    if (!lab) return Promise.resolve();
    const current = lab;
    stopping ??= Promise.race([
      current.destroyCluster().catch((error: unknown) => console.error('Raft Lab: stopping the nodes failed:', error)),
      new Promise<void>((resolve) => setTimeout(resolve, SHUTDOWN_TIMEOUT_MS).unref()),
    ]).then(() => current.exports.close());
    return stopping;
  };

  app.on('second-instance', () => {
    if (win && !win.isDestroyed()) {
      if (win.isMinimized()) win.restore();
      win.focus();
    }
  });

  // Every node stops cleanly before the process ends, however the app is asked to quit.
  let quitting = false;
  app.on('before-quit', (event) => {
    if (quitting || !lab) return;
    event.preventDefault();
    quitting = true;
    void stopLab().finally(() => app.quit());
  });
  app.on('window-all-closed', () => {
    void stopLab().finally(() => app.quit());
  });

  app.whenReady().then(() => {
    const csp = contentSecurityPolicy(options.devServerUrl ? { devServerOrigin: new URL(options.devServerUrl).origin } : {});
    hardenSession(session.defaultSession, options.paths.rendererDir, csp);

    lab = options.createLab(options.paths);
    registerLabIpc(ipcMain, lab, { isTrustedSender: (frame) => isTrustedSender(frame, origins) });
    registerSaveExportIpc(ipcMain, {
      exports: lab.exports,
      isTrustedSender: (frame) => isTrustedSender(frame, origins),
      choosePath: async (fileName) => {
        const options = { title: 'Save export', defaultPath: join(app.getPath('downloads'), fileName) };
        const chosen = win && !win.isDestroyed() ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
        return chosen.canceled || chosen.filePath === undefined || chosen.filePath === '' ? null : chosen.filePath;
      },
    });
    let menuListeners = 0;
    ipcMain.on(MENU_LISTENERS_CHANNEL, (event, count: unknown) => {
      if (isTrustedSender(event.senderFrame, origins) && isListenerCount(count)) menuListeners = count;
    });

    win = createMainWindow({
      preloadPath: options.paths.preload,
      url: options.devServerUrl ?? `${APP_ORIGIN}/index.html`,
    });
    const unsubscribe = forwardLabEvents(lab, win.webContents);
    // A reload forgets the page's listeners; it re-announces them as it subscribes again.
    win.webContents.on('did-start-navigation', (details) => {
      if (details.isMainFrame && !details.isSameDocument) menuListeners = 0;
    });
    win.on('closed', () => {
      unsubscribe();
      win = null;
    });

    installMenu({
      lab,
      window: () => win,
      dev: options.devServerUrl !== undefined,
      windowListens: () => menuListeners > 0,
      onError: (what, error) => {
        const detail = error instanceof Error ? error.message : String(error);
        if (win && !win.isDestroyed()) void dialog.showMessageBox(win, { type: 'warning', message: `${what} failed`, detail });
      },
    });
  }).catch((error: unknown) => {
    // A start that fails must end the app with a message, not leave it running with no window.
    const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    dialog.showErrorBox('Raft Lab could not start', detail);
    app.exit(1);
  });
}
