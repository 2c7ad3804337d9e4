/**
 * ProcessHost over Node worker_threads: each node is a worker running electron/node/entry.ts,
 * its control port is the worker's own port, peer links are MessageChannels whose ends are
 * transferred to the two workers. `worker.terminate()` is the hard kill. A TypeScript entry is
 * loaded through worker-bootstrap.mjs (tsx registered inside the worker).
 */
import { MessageChannel, Worker } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { NodeId } from '../../shared/raft/types';
import type { NodeCommand } from '../../shared/protocol/node-ipc';
import { classifyExit } from './process-host';
import type { NodeProcess, ProcessExit, ProcessHost } from './process-host';

export interface WorkerHostOptions {
  /**
   * The node entry. Defaults to the TypeScript source; a `.ts` entry is loaded through
   * worker-bootstrap.mjs, which registers tsx in the worker first. A bundled `.js` entry runs as is.
   */
  readonly entry?: URL;
  /** Extra Node flags for the workers. */
  readonly execArgv?: readonly string[];
}

const DEFAULT_ENTRY = new URL('../node/entry.ts', import.meta.url);
const TS_BOOTSTRAP = new URL('./worker-bootstrap.mjs', import.meta.url);

class WorkerProcess implements NodeProcess {
  readonly node: NodeId;
  readonly worker: Worker;
  exited = false;
  private killing = false;
  private crashDetail: string | null = null;
  private readonly exitListeners: ((exit: ProcessExit) => void)[] = [];
  private exitInfo: ProcessExit | null = null;

  constructor(node: NodeId, entry: URL, execArgv: readonly string[]) {
    this.node = node;
    const typescript = entry.pathname.endsWith('.ts');
    this.worker = new Worker(typescript ? TS_BOOTSTRAP : entry, {
      execArgv: [...execArgv],
      name: `raft-node-${node}`,
      workerData: { entry: entry.href },
    });
    this.worker.on('error', (error) => {
      this.crashDetail = error instanceof Error ? (error.stack ?? error.message) : String(error);
    });
    this.worker.on('exit', (code) => {
      this.exited = true;
      const exit = classifyExit(this.killing, code, this.crashDetail);
      this.exitInfo = exit;
      for (const listener of this.exitListeners) listener(exit);
    });
  }

  send(command: NodeCommand): void {
    if (this.exited) return;
    this.worker.postMessage(command);
  }

  onMessage(listener: (raw: unknown) => void): void {
    this.worker.on('message', listener);
  }

  onExit(listener: (exit: ProcessExit) => void): void {
    if (this.exitInfo) listener(this.exitInfo);
    else this.exitListeners.push(listener);
  }

  async kill(): Promise<void> {
    if (this.exited) return;
    this.killing = true;
    await this.worker.terminate();
  }

  /** Sends a command with a port end transferred beside it (the entry's shim takes it out). */
  sendWithPort(command: NodeCommand, port: MessagePort): void {
    if (this.exited) return;
    this.worker.postMessage({ ...command, port }, [port]);
  }
}

export class WorkerHost implements ProcessHost {
  private readonly entry: URL;
  private readonly execArgv: readonly string[];

  constructor(options: WorkerHostOptions = {}) {
    this.entry = options.entry ?? DEFAULT_ENTRY;
    this.execArgv = options.execArgv ?? [];
  }

  spawn(node: NodeId): NodeProcess {
    return new WorkerProcess(node, this.entry, this.execArgv);
  }

  connect(a: NodeProcess, aReq: number, b: NodeProcess, bReq: number): void {
    if (!(a instanceof WorkerProcess) || !(b instanceof WorkerProcess)) {
      throw new Error('WorkerHost.connect: both processes must come from this host');
    }
    const { port1, port2 } = new MessageChannel();
    a.sendWithPort({ type: 'peer-connect', req: aReq, peer: b.node }, port1);
    b.sendWithPort({ type: 'peer-connect', req: bReq, peer: a.node }, port2);
  }
}
