/**
 * The application menu as data: the usual roles (app menu on macOS, Edit, View, Window, Help elsewhere),
 * File (New cluster, Open recording, Export) and Run (run/pause, step, speed) with keyboard
 * shortcuts modelled on debuggers: F5 runs or pauses, F10 steps one tick. Speed uses the
 * bracket keys so that the View menu keeps the usual zoom shortcuts.
 * Pure: menu.ts turns it into Electron's Menu and supplies the actions.
 */
import type { MenuItemConstructorOptions } from 'electron';

export interface MenuActions {
  newCluster(): void;
  openRecording(): void;
  exportRun(): void;
  togglePaused(): void;
  step(): void;
  faster(): void;
  slower(): void;
  normalSpeed(): void;
}

export interface MenuTemplateOptions {
  readonly platform: NodeJS.Platform;
  readonly appName: string;
  /** Development builds get reload and developer tools in the View menu. */
  readonly dev: boolean;
  readonly actions: MenuActions;
}

export const MENU_SHORTCUTS = {
  newCluster: 'CmdOrCtrl+N',
  openRecording: 'CmdOrCtrl+O',
  exportRun: 'CmdOrCtrl+E',
  togglePaused: 'F5',
  step: 'F10',
  faster: 'CmdOrCtrl+]',
  slower: 'CmdOrCtrl+[',
  normalSpeed: 'CmdOrCtrl+\\',
} as const satisfies Record<keyof MenuActions, string>;

export function buildMenuTemplate(options: MenuTemplateOptions): MenuItemConstructorOptions[] {
  const { actions, platform, appName, dev } = options;
  const mac = platform === 'darwin';
  const item = (label: string, action: keyof MenuActions): MenuItemConstructorOptions => ({
    id: action,
    label,
    accelerator: MENU_SHORTCUTS[action],
    click: () => actions[action](),
  });

  const appMenu: MenuItemConstructorOptions[] = mac
    ? [{
        label: appName,
        submenu: [
          { role: 'about' }, { type: 'separator' }, { role: 'services' }, { type: 'separator' },
          { role: 'hide' }, { role: 'hideOthers' }, { role: 'unhide' }, { type: 'separator' }, { role: 'quit' },
        ],
      }]
    : [];

  return [
    ...appMenu,
    {
      label: '&File',
      submenu: [
        item('New Cluster', 'newCluster'),
        item('Open Recording…', 'openRecording'),
        item('Export…', 'exportRun'),
        { type: 'separator' },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    {
      label: '&Edit',
      submenu: [
        { role: 'undo' }, { role: 'redo' }, { type: 'separator' },
        { role: 'cut' }, { role: 'copy' }, { role: 'paste' }, { role: 'selectAll' },
      ],
    },
    {
      label: '&Run',
      submenu: [
        item('Run / Pause', 'togglePaused'),
        item('Step One Tick', 'step'),
        { type: 'separator' },
        item('Faster', 'faster'),
        item('Slower', 'slower'),
        item('Normal Speed', 'normalSpeed'),
      ],
    },
    {
      label: '&View',
      submenu: [
        ...(dev ? [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }] satisfies MenuItemConstructorOptions[] : []),
        { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' },
        { role: 'togglefullscreen' },
      ],
    },
    {
      label: '&Window',
      role: 'windowMenu',
      submenu: mac
        ? [{ role: 'minimize' }, { role: 'zoom' }, { type: 'separator' }, { role: 'front' }]
        : [{ role: 'minimize' }, { role: 'close' }],
    },
    // macOS has About in the app menu; elsewhere it lives under Help.
    ...(mac ? [] : [{ label: '&Help', role: 'help', submenu: [{ role: 'about' }] }] satisfies MenuItemConstructorOptions[]),
  ];
}

/** Speeds the Faster / Slower items step through (the LabApi accepts 0.01 to 10). */
export const SPEED_STEPS = [0.1, 0.25, 0.5, 1, 2, 4, 10] as const;

/** The next speed step above (`+1`) or below (`-1`) `current`, staying within the steps. */
export function nextSpeed(current: number, direction: 1 | -1): number {
  if (direction > 0) return SPEED_STEPS.find((s) => s > current + 1e-9) ?? SPEED_STEPS[SPEED_STEPS.length - 1]!;
  return [...SPEED_STEPS].reverse().find((s) => s < current - 1e-9) ?? SPEED_STEPS[0];
}
