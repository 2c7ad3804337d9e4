/**
 * `npm run web`: the lab in a browser. Starts a lab controller whose nodes are worker threads
 * and serves the built renderer plus the WebSocket bridge on a 127.0.0.1 port. It prints the
 * address to open, which carries this start's access token (`http://127.0.0.1:PORT/?token=...`).
 *
 *   node --import tsx electron/web/server.ts [--port N] [--static DIR] [--data-root DIR]
 *
 * Port 0 picks a free port. A data folder the page names goes inside --data-root (default
 * ~/.raft-lab/data); a page that names none gets a fresh temporary folder. Ctrl-C stops every node cleanly. (Run with `node --import tsx`, not
 * the tsx CLI: worker threads started under the tsx CLI cannot load the TypeScript node entry.)
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { LabController } from '../lab/controller';
import { WorkerHost } from '../host/worker-host';
import { startWebHost } from './web-host';

const DEFAULT_PORT = 5180;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { port: { type: 'string' }, static: { type: 'string' }, 'data-root': { type: 'string' } },
    strict: true,
  });
  const port = values.port !== undefined ? Number(values.port) : Number(process.env['RAFT_LAB_PORT'] ?? DEFAULT_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`--port must be an integer 0-65535, got ${values.port}`);
  const staticDir = values.static ?? fileURLToPath(new URL('../../out/web', import.meta.url));

  const dataRoot = resolve(values['data-root'] ?? join(homedir(), '.raft-lab', 'data'));

  const lab = new LabController({ host: new WorkerHost(), dataRoot });
  const host = await startWebHost({ lab, exports: lab.exports, staticDir, port });
  console.log(`Raft Lab web host: ${host.url}`);
  console.log(`  (open that address: it carries the access token; data folders a page names go in ${dataRoot})`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('stopping nodes…');
    await lab.destroyCluster().catch(() => undefined);
    await host.close();
    await lab.exports.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
