// The main process entry (built to out/main/index.js): the lab controller runs every Raft node
// as an Electron utility process forked from the bundled node entry beside this file.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { app } from 'electron';
import { ElectronHost } from '../host/electron-host';
import { LabController } from '../lab/controller';
import { appPaths } from './app-paths';
import { runApp } from './app-lifecycle';

runApp({
  paths: appPaths(dirname(fileURLToPath(import.meta.url))),
  // A data folder the window names is resolved inside the user-data folder, never taken as a path.
  createLab: (paths) => new LabController({ host: new ElectronHost({ entryPath: paths.nodeEntry }), dataRoot: join(app.getPath('userData'), 'clusters') }),
  // Set by `electron-vite dev` to its dev server; absent in a built or packaged app.
  devServerUrl: process.env['ELECTRON_RENDERER_URL'],
});
