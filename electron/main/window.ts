/**
 * The one main window, with the web preferences Electron's security checklist asks for:
 * context isolation, a sandboxed renderer, no Node integration, web security on, no
 * insecure content, no <webview>, and only the preload's narrow API.
 */
import { BrowserWindow } from 'electron';

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
    // Written out in full (not spread from a constant) so that static checkers such as
    // electronegativity can see every option.
    webPreferences: {
      preload: options.preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      experimentalFeatures: false,
      // Middle-click would otherwise try to open links in new windows (denied anyway).
      disableBlinkFeatures: 'Auxclick',
      webviewTag: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  void win.loadURL(options.url);
  return win;
}
