// The About panel names the app's version and the runtime it was built on.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { aboutPanelOptions } from '../../electron/main/about';
import { projectRoot } from './build-helpers';

describe('about panel', () => {
  it('shows package.json\'s version and the Electron, Chromium and Node versions', () => {
    const { version } = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string };
    const about = aboutPanelOptions(version, { electron: '45.6.0', chrome: '144.0.1', node: '24.21.0' });
    expect(about.applicationName).toBe('Raft Lab');
    expect(about.applicationVersion).toBe(version);
    expect(about.version).toBe('Electron 45.6.0 · Chromium 144.0.1 · Node 24.21.0');
  });

  it('leaves out what the runtime does not report', () => {
    expect(aboutPanelOptions('1.2.3', { node: '24.0.0' }).version).toBe('Node 24.0.0');
  });
});
