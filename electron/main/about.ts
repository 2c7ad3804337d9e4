/**
 * What the About panel shows: the app's own version (package.json's, which electron-builder
 * stamps into the packaged app), and the Electron, Chromium and Node it runs on, so a bug report
 * can say exactly which build it came from. Pure, so it is tested without Electron.
 */
import type { AboutPanelOptionsOptions } from 'electron';

export interface RuntimeVersions {
  readonly electron?: string;
  readonly chrome?: string;
  readonly node?: string;
}

export function aboutPanelOptions(appVersion: string, versions: RuntimeVersions): AboutPanelOptionsOptions {
  const runtime = [
    versions.electron && `Electron ${versions.electron}`,
    versions.chrome && `Chromium ${versions.chrome}`,
    versions.node && `Node ${versions.node}`,
  ].filter(Boolean).join(' · ');
  return {
    applicationName: 'Raft Lab',
    applicationVersion: appVersion,
    version: runtime,
    copyright: 'Copyright © Raft Lab contributors. MIT licence.',
    credits: 'Run, watch, step and break a Raft cluster on your own machine.',
  };
}
