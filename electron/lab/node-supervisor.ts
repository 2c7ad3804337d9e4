/**
 * The process substrate's handle on one node: its process (across restarts), request/reply
 * matching on the control port, whether the process is up, and the items it holds. What a person
 * sees of the node (its life, exit and status) is the cluster engine's node table.
 * Events from an earlier incarnation of the process are ignored.
 */
import type { NodeId } from '../../shared/raft/types';
import type { NodeLife, PendingItem } from '../../shared/protocol/lab';
import { parseNodeEvent, type NodeCommand, type NodeEvent, type ReplyBody } from '../../shared/protocol/node-ipc';
import type { NodeProcess, ProcessExit, ProcessHost } from '../host/process-host';

/** A command without its request number (the supervisor assigns it). */
export type NodeRequest = NodeCommand extends infer C ? (C extends NodeCommand ? Omit<C, 'req'> : never) : never;

interface Waiting {
  readonly resolve: (body: ReplyBody) => void;
  readonly reject: (error: Error) => void;
  readonly timer: ReturnType<typeof setTimeout>;
  readonly what: string;
}

/** A node process refused a request: `detail` is its own words (without naming itself again). */
export class NodeRequestError extends Error {
  constructor(
    readonly node: NodeId,
    readonly what: string,
    readonly detail: string,
  ) {
    super(`node ${node}: ${what}: ${detail}`);
  }
}

export interface SupervisorEvents {
  event(sup: NodeSupervisor, event: NodeEvent): void;
  exit(sup: NodeSupervisor, exit: ProcessExit): void;
  /** A message on the control port failed validation. */
  invalid(sup: NodeSupervisor, error: string): void;
}

export class NodeSupervisor {
  life: NodeLife = 'stopped';
  proc: NodeProcess | null = null;
  incarnation = 0;
  pending: readonly PendingItem[] = [];
  /** Started and linked: follows the cluster's pause and speed (until the process ends). */
  takesRunState = false;
  /** The last error the node reported (kept for the crash detail). */
  lastError: string | null = null;
  private reqCounter = 0;
  private readonly waiting = new Map<number, Waiting>();

  constructor(
    readonly id: NodeId,
    private readonly events: SupervisorEvents,
  ) {}

  get running(): boolean {
    return this.proc !== null && !this.proc.exited && (this.life === 'running' || this.life === 'paused' || this.life === 'starting');
  }

  /** Starts a new process for this node (the previous one must be gone). */
  spawn(host: ProcessHost): NodeProcess {
    if (this.proc !== null && !this.proc.exited) throw new Error(`node ${this.id} is already running`);
    const proc = host.spawn(this.id);
    this.proc = proc;
    this.incarnation += 1;
    this.life = 'starting';
    this.takesRunState = false;
    this.pending = [];
    this.lastError = null;
    proc.onMessage((raw) => {
      if (this.proc !== proc) return;
      const parsed = parseNodeEvent(raw);
      if (!parsed.ok) {
        this.events.invalid(this, parsed.error);
        return;
      }
      const event = parsed.value;
      if (event.type === 'reply') {
        const w = this.waiting.get(event.req);
        if (w === undefined) return;
        this.waiting.delete(event.req);
        clearTimeout(w.timer);
        if (event.ok) w.resolve(event.body);
        else w.reject(new NodeRequestError(this.id, w.what, withoutPrefix(event.error, `node ${this.id}: `)));
        return;
      }
      if (event.type === 'error') this.lastError = event.detail;
      this.events.event(this, event);
    });
    proc.onExit((exit) => {
      if (this.proc !== proc) return;
      const detail = exit.reason === 'crashed' ? `: ${this.lastError ?? exit.detail}` : '';
      this.failAll(`node ${this.id} exited (${exit.reason}${detail})`);
      this.events.exit(this, exit);
    });
    return proc;
  }

  /** Sends a command and resolves with its reply body, or rejects on error, timeout or exit. */
  request(command: NodeRequest, timeoutMs: number): Promise<ReplyBody> {
    const proc = this.proc;
    if (proc === null || proc.exited) return Promise.reject(new Error(`node ${this.id} is not running`));
    const req = this.nextReq();
    const reply = this.expect(req, command.type, timeoutMs);
    proc.send({ ...command, req } as NodeCommand);
    return reply;
  }

  nextReq(): number {
    return ++this.reqCounter;
  }

  /** Waits for the reply to `req` (for commands sent by the host itself, such as peer-connect). */
  expect(req: number, what: string, timeoutMs: number): Promise<ReplyBody> {
    return new Promise<ReplyBody>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(req);
        reject(new Error(`node ${this.id}: ${what}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(req, { resolve, reject, timer, what });
    });
  }

  private failAll(why: string): void {
    for (const [req, w] of this.waiting) {
      clearTimeout(w.timer);
      this.waiting.delete(req);
      w.reject(new Error(`${w.what}: ${why}`));
    }
  }
}

function withoutPrefix(text: string, prefix: string): string {
  return text.startsWith(prefix) ? text.slice(prefix.length) : text;
}
