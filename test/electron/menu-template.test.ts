// The application menu: File / Run commands with their shortcuts, the usual roles, and clicks
// that reach the right action.
import type { MenuItemConstructorOptions } from 'electron';
import { describe, expect, it } from 'vitest';
import { buildMenuTemplate, MENU_SHORTCUTS, nextSpeed, SPEED_STEPS } from '../../electron/main/menu-template';
import type { MenuActions } from '../../electron/main/menu-template';

function recordingActions(): { actions: MenuActions; called: string[] } {
  const called: string[] = [];
  const names: (keyof MenuActions)[] = ['newCluster', 'openRecording', 'exportRun', 'togglePaused', 'step', 'faster', 'slower', 'normalSpeed'];
  const actions = Object.fromEntries(names.map((n) => [n, () => called.push(n)])) as unknown as MenuActions;
  return { actions, called };
}

function flatten(items: readonly MenuItemConstructorOptions[]): MenuItemConstructorOptions[] {
  return items.flatMap((i) => [i, ...(Array.isArray(i.submenu) ? flatten(i.submenu) : [])]);
}

function topLevel(items: readonly MenuItemConstructorOptions[], label: string): MenuItemConstructorOptions[] {
  const menu = items.find((i) => i.label?.replace('&', '') === label);
  if (!menu || !Array.isArray(menu.submenu)) throw new Error(`no ${label} menu`);
  return menu.submenu;
}

describe('application menu', () => {
  for (const platform of ['linux', 'win32', 'darwin'] as const) {
    it(`has File, Edit, Run, View and Window menus with the usual roles on ${platform}`, () => {
      const template = buildMenuTemplate({ platform, appName: 'Raft Lab', dev: false, actions: recordingActions().actions });
      const labels = template.map((i) => i.label?.replace('&', ''));
      expect(labels).toEqual(expect.arrayContaining(['File', 'Edit', 'Run', 'View', 'Window']));
      const roles = flatten(template).map((i) => i.role).filter(Boolean);
      expect(roles).toEqual(expect.arrayContaining(['undo', 'redo', 'cut', 'copy', 'paste', 'selectAll', 'minimize', 'togglefullscreen']));
      if (platform === 'darwin') {
        expect(labels[0]).toBe('Raft Lab');
        expect(roles).toEqual(expect.arrayContaining(['about', 'hide', 'quit']));
      } else {
        expect(roles).toEqual(expect.arrayContaining(['quit', 'about']));
      }
      // Developer tools only in development.
      expect(roles).not.toContain('toggleDevTools');
      const devRoles = flatten(buildMenuTemplate({ platform, appName: 'Raft Lab', dev: true, actions: recordingActions().actions })).map((i) => i.role);
      expect(devRoles).toContain('toggleDevTools');
    });
  }

  it('offers New cluster, Open recording and Export under File, and run controls under Run, each with its shortcut', () => {
    const { actions, called } = recordingActions();
    const template = buildMenuTemplate({ platform: 'linux', appName: 'Raft Lab', dev: false, actions });
    const file = topLevel(template, 'File').filter((i) => i.id);
    expect(file.map((i) => [i.id, i.accelerator])).toEqual([
      ['newCluster', 'CmdOrCtrl+N'], ['openRecording', 'CmdOrCtrl+O'], ['exportRun', 'CmdOrCtrl+E'],
    ]);
    const run = topLevel(template, 'Run').filter((i) => i.id);
    expect(run.map((i) => [i.id, i.accelerator])).toEqual([
      ['togglePaused', 'F5'], ['step', 'F10'], ['faster', 'CmdOrCtrl+]'], ['slower', 'CmdOrCtrl+['], ['normalSpeed', 'CmdOrCtrl+\\'],
    ]);
    for (const item of [...file, ...run]) (item.click as () => void)();
    expect(called).toEqual(['newCluster', 'openRecording', 'exportRun', 'togglePaused', 'step', 'faster', 'slower', 'normalSpeed']);
  });

  it('never gives two commands the same shortcut', () => {
    const accelerators = Object.values(MENU_SHORTCUTS);
    expect(new Set(accelerators).size).toBe(accelerators.length);
    // Nor takes the keys of the roles kept in the menu (zoom, copy/paste, select all, quit, close).
    const taken = ['CmdOrCtrl+0', 'CmdOrCtrl+Plus', 'CmdOrCtrl+-', 'CmdOrCtrl+C', 'CmdOrCtrl+V', 'CmdOrCtrl+X', 'CmdOrCtrl+A', 'CmdOrCtrl+Z', 'CmdOrCtrl+Q', 'CmdOrCtrl+W', 'F11'];
    for (const key of accelerators) expect(taken).not.toContain(key);
  });

  it('steps speed up and down through the ladder and stops at its ends', () => {
    expect(nextSpeed(1, 1)).toBe(2);
    expect(nextSpeed(1, -1)).toBe(0.5);
    expect(nextSpeed(3, 1)).toBe(4);
    expect(nextSpeed(3, -1)).toBe(2);
    expect(nextSpeed(10, 1)).toBe(10);
    expect(nextSpeed(0.1, -1)).toBe(0.1);
    expect(nextSpeed(0.01, 1)).toBe(0.1);
    let s: number = SPEED_STEPS[0];
    const seen = [s];
    while (nextSpeed(s, 1) !== s) seen.push((s = nextSpeed(s, 1)));
    expect(seen).toEqual([...SPEED_STEPS]);
  });
});
