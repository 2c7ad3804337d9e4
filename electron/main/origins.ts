/**
 * Which pages the app trusts: the app scheme's origin, and Vite's dev server while developing.
 * Navigation anywhere else is blocked and IPC from anywhere else is refused (security.ts,
 * lab-ipc.ts). Pure, so it is tested without Electron.
 */
import type { WebFrameMain } from 'electron';
import { APP_ORIGIN } from './app-protocol';

/** The origins the window may show: the app scheme, and Vite's dev server during development. */
export function allowedOrigins(devServerUrl: string | undefined): readonly string[] {
  return devServerUrl ? [APP_ORIGIN, new URL(devServerUrl).origin] : [APP_ORIGIN];
}

/** True when `url` parses and its origin is one of `origins`. */
export function isAllowedOrigin(url: string, origins: readonly string[]): boolean {
  let origin: string;
  try {
    const parsed = new URL(url);
    // Non-special schemes report an opaque origin ("null"); rebuild it for the app scheme.
    origin = parsed.origin === 'null' ? `${parsed.protocol}//${parsed.host}` : parsed.origin;
  } catch {
    return false;
  }
  return origins.includes(origin);
}

/** IPC is answered only for the app's own top-level page, never for a frame from elsewhere. */
export function isTrustedSender(frame: Pick<WebFrameMain, 'url' | 'parent'> | null, origins: readonly string[]): boolean {
  return frame !== null && frame.parent === null && isAllowedOrigin(frame.url, origins);
}
