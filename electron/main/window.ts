/**
 * The one main window, with the web preferences Electron's security checklist asks for:
 * context isolation, a sandboxed renderer, no Node integration, web security on, no
 * insecure content, no <webview>, and only the preload's narrow API.
 */
import { BrowserWindow } from 'electron';
import type { WebPreferences } from 'electron';

export const SECURE_WEB_PREFERENCES = {
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  experimentalFeatures: false,
  webviewTag: false,
  navigateOnDragDrop: false,
  spellcheck: false,
} as const satisfies WebPreferences;

export interface MainWindowOptions {
  readonly preloadPath: string;
  /** What to show: the app scheme's index page, or Vite's dev server. */
  readonly url: string;
}

export function createMainWindow(options: MainWindowOptions): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    minWidth: 900,
    minHeight: 600,
    title: 'Raft Lab',
    show: false,
    webPreferences: { ...SECURE_WEB_PREFERENCES, preload: options.preloadPath },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(options.url);
  return win;
}
