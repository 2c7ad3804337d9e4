/**
 * The one interface through which the lab controller runs node processes. Two adapters implement
 * it with the same node entry code: worker-host.ts (worker_threads, for tests, the command line
 * and the browser host) and electron-host.ts (Electron utility processes, for the app).
 *
 * Main is a switchboard: it spawns processes, creates one channel per pair of nodes and hands the
 * two ends out (`connect`). Peer traffic then flows node to node; only control traffic reaches main.
 */
import type { NodeId } from '../../shared/raft/types';
import type { NodeCommand } from '../../shared/protocol/node-ipc';

/** Why a node process ended. */
export type ProcessExit =
  | { readonly reason: 'clean-exit' }
  | { readonly reason: 'killed' }
  | { readonly reason: 'crashed'; readonly detail: string };

/** One running node process, seen from main. */
export interface NodeProcess {
  readonly node: NodeId;
  /** Post a command on the node's control port. Ignored once the process has exited. */
  send(command: NodeCommand): void;
  /** Every raw message the node posts on its control port (validate before use). */
  onMessage(listener: (raw: unknown) => void): void;
  /** Called once, when the process has ended. */
  onExit(listener: (exit: ProcessExit) => void): void;
  /** Hard kill: no goodbye, no flush. Resolves once the process is gone. */
  kill(): Promise<void>;
  readonly exited: boolean;
}

export interface ProcessHost {
  /** Start a node process running the node entry. It waits for an `init` command. */
  spawn(node: NodeId): NodeProcess;
  /**
   * Create a channel between two running nodes and transfer one end to each, with the given
   * `peer-connect` commands (their replies arrive on each node's control port as usual).
   */
  connect(a: NodeProcess, aReq: number, b: NodeProcess, bReq: number): void;
}

/**
 * How an exited node process is reported: a kill we asked for is `killed`, a zero exit with no
 * error seen is `clean-exit`, anything else `crashed` with the best detail available.
 */
export function classifyExit(killing: boolean, code: number, crashDetail: string | null): ProcessExit {
  if (killing) return { reason: 'killed' };
  if (code === 0 && crashDetail === null) return { reason: 'clean-exit' };
  return { reason: 'crashed', detail: crashDetail ?? `exit code ${code}` };
}
