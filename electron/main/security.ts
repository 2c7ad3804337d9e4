/**
 * Security measures from Electron's security checklist that are not window options
 * (those are in window.ts): the app scheme, CSP on every response, permission requests
 * denied, navigation and new windows blocked, <webview> refused, senders of IPC checked.
 */
import { app, protocol } from 'electron';
import type { Session, WebContents } from 'electron';
import { APP_SCHEME, serveAppRequest } from './app-protocol';
import { isAllowedOrigin } from './origins';

/** Must run before the app is ready: lets the app scheme load ES modules and use fetch. */
export function registerAppScheme(): void {
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
  ]);
}

/** Serve the renderer, stamp the CSP on every response, and refuse every permission. */
export function hardenSession(session: Session, rendererDir: string, csp: string): void {
  session.protocol.handle(APP_SCHEME, (request) => serveAppRequest(rendererDir, request.url, csp));
  // For pages that arrive over HTTP (only Vite's dev server): add the same policy as a header.
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [csp] } });
  });
  // The lab needs no camera, notifications, clipboard reads, geolocation or anything else.
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

/** Applied to every web contents the app ever creates (app 'web-contents-created'). */
export function hardenWebContents(contents: WebContents, origins: readonly string[]): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAllowedOrigin(url, origins)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAllowedOrigin(url, origins)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

export function hardenAllWebContents(origins: readonly string[]): void {
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents, origins));
}
