/**
 * ProcessHost over Electron utility processes (the app). Each node is `utilityProcess.fork` of
 * the bundled node entry; peer links are MessageChannelMain pairs whose ends are transferred to
 * the two processes; `kill()` is the hard kill. This file only type-checks in this repository's
 * test machines (Electron's binary is not installed there); worker-host.ts runs the same entry.
 */
import { MessageChannelMain, utilityProcess } from 'electron';
import type { MessagePortMain, UtilityProcess } from 'electron';
import type { NodeId } from '../../shared/raft/types';
import type { NodeCommand } from '../../shared/protocol/node-ipc';
import { classifyExit } from './process-host';
import type { NodeProcess, ProcessExit, ProcessHost } from './process-host';

export interface ElectronHostOptions {
  /** Absolute path of the bundled node entry (built from electron/node/entry.ts). */
  readonly entryPath: string;
}

class UtilityNodeProcess implements NodeProcess {
  readonly node: NodeId;
  private readonly child: UtilityProcess;
  exited = false;
  private killing = false;
  private crashDetail: string | null = null;
  private exitInfo: ProcessExit | null = null;
  private readonly exitListeners: ((exit: ProcessExit) => void)[] = [];

  constructor(node: NodeId, entryPath: string) {
    this.node = node;
    this.child = utilityProcess.fork(entryPath, [], { serviceName: `Raft node ${node}`, stdio: 'inherit' });
    this.child.on('error', (type, location) => {
      this.crashDetail = `${type} at ${location}`;
    });
    this.child.on('exit', (code) => {
      this.exited = true;
      const exit = classifyExit(this.killing, code, this.crashDetail);
      this.exitInfo = exit;
      for (const listener of this.exitListeners) listener(exit);
    });
  }

  send(command: NodeCommand): void {
    if (!this.exited) this.child.postMessage(command);
  }

  sendWithPort(command: NodeCommand, port: MessagePortMain): void {
    if (!this.exited) this.child.postMessage(command, [port]);
  }

  onMessage(listener: (raw: unknown) => void): void {
    this.child.on('message', (message: unknown) => listener(message));
  }

  onExit(listener: (exit: ProcessExit) => void): void {
    if (this.exitInfo) listener(this.exitInfo);
    else this.exitListeners.push(listener);
  }

  kill(): Promise<void> {
    if (this.exited) return Promise.resolve();
    this.killing = true;
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      // SIGKILL: a crash, not a shutdown (child.kill() sends SIGTERM).
      const pid = this.child.pid;
      if (pid !== undefined) process.kill(pid, 'SIGKILL');
      else this.child.kill();
    });
  }
}

export class ElectronHost implements ProcessHost {
  constructor(private readonly options: ElectronHostOptions) {}

  spawn(node: NodeId): NodeProcess {
    return new UtilityNodeProcess(node, this.options.entryPath);
  }

  connect(a: NodeProcess, aReq: number, b: NodeProcess, bReq: number): void {
    if (!(a instanceof UtilityNodeProcess) || !(b instanceof UtilityNodeProcess)) {
      throw new Error('ElectronHost.connect: both processes must come from this host');
    }
    const { port1, port2 } = new MessageChannelMain();
    a.sendWithPort({ type: 'peer-connect', req: aReq, peer: b.node }, port1);
    b.sendWithPort({ type: 'peer-connect', req: bReq, peer: a.node }, port2);
  }
}
