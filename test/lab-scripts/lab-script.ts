/**
 * Narrated lab scripts: the lab's behaviour as a person drives it, command by command, with the
 * transcript each command produces. The same file format as the core's scenario scripts
 * (test/raft/harness/script.ts): free narration, command lines starting with `> `, and the lines
 * right after a command (up to a blank line, the next command or a `#` line) its transcript.
 *
 * The commands are the lab's verbs, run through the LabApi of whichever engine plays the script,
 * always in step mode (paused), so the order of everything is the person's:
 *
 *   create N [prevote=B] [checkquorum=B] [snapshot=N]   a paused cluster (only the live engine runs it)
 *   fire N                                 fire node N's timeout (election, or a leader's heartbeat)
 *   deliver A->B TYPE [pre]                deliver the oldest pending TYPE message from A to B
 *   drop A->B TYPE [pre]                   drop it instead
 *   stabilize                              deliver every pending message, oldest first, until none is left
 *   tick [N]                               every node advances N ticks (default 1)
 *   partition 1,2|3,4,5 / isolate N / heal the named partitions
 *   loss A->B P                            messages from A to B are lost with probability P
 *   links                                  every link that has a fault
 *   pending                                every pending item, timeouts included
 *   put K V [@N] / get K [@N] / delete K [@N]   a client request (to node N: no redirect)
 *   get K read-index|lease [@N]            a get read at the leader (ReadIndex round or lease), not through the log
 *   crash N / restart N                    kill a node / restart it from its files
 *   add-learner / add-voter                a new node joins (as a learner / as a voter)
 *   promote N / remove N                   membership changes
 *   transfer N                             leadership transfer to N
 *   status N...                            the full status line of the named nodes
 *
 * The transcript of a command says what changed, in the canonical `describe` text: each node
 * whose state changed (`describeStatus`), each message newly pending (`describeMessage`), node
 * life changes, and client requests answered. Lines are sorted so that engines that hold the
 * same things in a different internal order agree.
 */
import { describeMessage, describeStatus } from '../../shared/raft/describe';
import { settled } from '../replay/test-clock';
import type { ClusterOptions, ClusterSnapshot, KvOp, KvResult, LabApi, PendingItem } from '../../shared/protocol/lab';
import type { NodeId } from '../../shared/raft/types';

export class LabScriptError extends Error {}

/** What a script needs of an engine besides its LabApi. */
export interface ScriptEngine {
  readonly name: string;
  readonly lab: LabApi;
  /** Resolves once the effects of the last command have settled (a real node answers in its own time). */
  settle(): Promise<void>;
}

export interface ParsedCommand {
  /** 0-based position among the file's commands. */
  readonly index: number;
  readonly text: string;
  /** 1-based line of the command in the file. */
  readonly line: number;
}

export function parseCommands(text: string): ParsedCommand[] {
  const out: ParsedCommand[] = [];
  text.replace(/\r\n/g, '\n').split('\n').forEach((line, i) => {
    if (line.startsWith('> ')) out.push({ index: out.length, text: line.slice(2).trim(), line: i + 1 });
  });
  return out;
}

/** The file with each command's transcript replaced by `transcripts[i]` (the golden, rewritten). */
export function withTranscripts(text: string, transcripts: readonly (readonly string[])[]): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  let command = 0;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    out.push(line);
    i++;
    if (!line.startsWith('> ')) continue;
    while (i < lines.length && lines[i]!.trim() !== '' && !lines[i]!.startsWith('> ') && !lines[i]!.startsWith('#')) i++;
    out.push(...(transcripts[command] ?? []));
    command++;
  }
  return out.join('\n');
}

/** The transcript lines that the file holds for each command. */
export function transcriptsOf(text: string): string[][] {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const out: string[][] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.startsWith('> ')) continue;
    const t: string[] = [];
    for (let j = i + 1; j < lines.length && lines[j]!.trim() !== '' && !lines[j]!.startsWith('> ') && !lines[j]!.startsWith('#'); j++) t.push(lines[j]!);
    out.push(t);
  }
  return out;
}

const MESSAGE_TYPES = ['RequestVote', 'RequestVoteResponse', 'AppendEntries', 'AppendEntriesResponse', 'InstallSnapshot', 'InstallSnapshotResponse', 'TimeoutNow'] as const;
/** Most deliveries one `stabilize` makes (a script that needs more is wrong). */
const MAX_STABILIZE = 500;

function nodeList(spec: string | undefined, what: string): NodeId[] {
  if (spec === undefined || spec === '') throw new LabScriptError(`${what}: name the nodes`);
  return spec.split(',').map((s) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new LabScriptError(`${what}: bad node ${JSON.stringify(s)}`);
    return n;
  });
}

function flag(args: readonly string[], name: string, fallback: boolean): boolean {
  const a = args.find((x) => x.startsWith(`${name}=`));
  if (a === undefined) return fallback;
  const v = a.slice(name.length + 1);
  if (v !== 'true' && v !== 'false') throw new LabScriptError(`${name}= takes true or false, got ${v}`);
  return v === 'true';
}

export function describeResult(r: KvResult): string {
  if (r.ok) return `ok ${r.value === null ? 'nil' : JSON.stringify(r.value)} @${r.index} leader=${r.leader}`;
  return `${r.error}${r.leaderHint !== undefined ? ` leader-hint=${r.leaderHint}` : ''}`;
}

function describeNodeLine(snap: ClusterSnapshot, id: NodeId): string {
  const n = snap.nodes.find((x) => x.id === id);
  if (n === undefined) return `${id}: gone`;
  if (n.status === null || n.life === 'crashed' || n.life === 'stopped') return `${id}: ${n.life}`;
  return describeStatus(n.status);
}

function messageKey(item: PendingItem): string | null {
  return item.kind === 'message' ? describeMessage(item.message) : null;
}

export interface RunnerPosition {
  /** The pending messages, oldest first, by their canonical text. */
  readonly order: readonly string[];
  /** Client requests numbered so far. */
  readonly clients: number;
}

/** Plays commands on one engine and says what each changed. */
export class LabScriptRunner {
  private prev: ClusterSnapshot | null = null;
  private clientSeq = 0;
  private readonly answered: { label: string; result: KvResult }[] = [];
  private readonly failed: { label: string; error: string }[] = [];
  /**
   * Pending messages in the order the person first saw them (canonical text; copies repeat).
   * "Oldest" means first in this list, so it is the same on every engine whatever their clocks.
   */
  private seen: string[];

  constructor(
    private readonly engine: ScriptEngine,
    private readonly defaults: Omit<ClusterOptions, 'nodes'>,
    /** For an engine that starts mid-script: where the runner it continues was (`position()`). */
    from: RunnerPosition = { order: [], clients: 0 },
  ) {
    this.seen = [...from.order];
    this.clientSeq = from.clients;
  }

  /** What a runner continuing this one on another engine must know. */
  position(): RunnerPosition {
    return { order: [...this.seen], clients: this.clientSeq };
  }

  /** The pending message items of `snap`, oldest first. */
  private oldestFirst(snap: ClusterSnapshot): Extract<PendingItem, { kind: 'message' }>[] {
    const rank = new Map<string, number[]>();
    this.seen.forEach((k, i) => rank.set(k, [...(rank.get(k) ?? []), i]));
    const ranked = snap.pending
      .filter((p): p is Extract<PendingItem, { kind: 'message' }> => p.kind === 'message')
      .map((p) => {
        const k = describeMessage(p.message);
        const r = rank.get(k)?.shift() ?? Number.MAX_SAFE_INTEGER;
        return { p, r, k };
      });
    return ranked.sort((a, b) => a.r - b.r || (a.k < b.k ? -1 : a.k > b.k ? 1 : 0)).map((x) => x.p);
  }

  /** Take the engine's state as the baseline (an engine that starts mid-script). */
  async baseline(): Promise<void> {
    await this.engine.settle();
    this.prev = await this.engine.lab.snapshot();
  }

  /**
   * Plays one command. A command the engine refuses is part of the transcript (`error: why`), so
   * engines that refuse differently disagree visibly; a malformed command throws LabScriptError.
   */
  async run(command: string): Promise<string[]> {
    let extra: string[];
    try {
      extra = await this.act(command);
    } catch (e) {
      if (e instanceof LabScriptError) throw e;
      extra = [`error: ${e instanceof Error ? e.message : String(e)}`];
    }
    await this.engine.settle();
    return [...(await this.changes()), ...extra];
  }

  private async act(command: string): Promise<string[]> {
    const [verb, ...args] = command.split(/\s+/);
    const lab = this.engine.lab;
    const extra: string[] = [];
    switch (verb) {
      case 'create': {
        const nodes = Number(args[0]);
        const snap = args.find((a) => a.startsWith('snapshot='));
        await lab.createCluster({
          ...this.defaults, nodes, startPaused: true,
          preVote: flag(args, 'prevote', this.defaults.preVote), checkQuorum: flag(args, 'checkquorum', this.defaults.checkQuorum),
          snapshotEvery: snap === undefined ? this.defaults.snapshotEvery : Number(snap.slice('snapshot='.length)),
        });
        break;
      }
      case 'fire':
        await lab.fireTimeout(nodeList(args[0], 'fire')[0]!);
        break;
      case 'deliver':
      case 'drop': {
        const item = await this.findMessage(args, verb);
        await (verb === 'deliver' ? lab.deliver(item.id) : lab.drop(item.id));
        break;
      }
      case 'stabilize': {
        for (let i = 0; ; i++) {
          if (i >= MAX_STABILIZE) throw new LabScriptError(`stabilize: still messages pending after ${MAX_STABILIZE} deliveries`);
          await this.engine.settle();
          const next = this.oldestFirst(await lab.snapshot())[0];
          if (next === undefined) break;
          await lab.deliver(next.id);
        }
        break;
      }
      case 'tick':
        await lab.tickOnce(args[0] === undefined ? 1 : Number(args[0]));
        break;
      case 'partition':
        await lab.partition({ kind: 'split', groups: (args[0] ?? '').split('|').map((g) => nodeList(g, 'partition')) });
        break;
      case 'isolate':
        await lab.partition({ kind: 'isolate', node: nodeList(args[0], 'isolate')[0]! });
        break;
      case 'heal':
        await lab.partition({ kind: 'heal' });
        break;
      case 'loss': {
        const [from, to] = nodeList((args[0] ?? '').replace('->', ','), 'loss');
        await lab.setLinkFault({ from: from!, to: to! }, { loss: Number(args[1]) });
        break;
      }
      case 'links':
        extra.push(...(await lab.snapshot()).links.map((l) => `${l.from}->${l.to}${l.cut ? ' cut' : ''}${l.loss > 0 ? ` loss=${l.loss}` : ''}${l.delayMs > 0 ? ` delay=${l.delayMs}` : ''}${l.duplicate > 0 ? ` dup=${l.duplicate}` : ''}${l.reorder > 0 ? ` reorder=${l.reorder}` : ''}`).sort());
        if (extra.length === 0) extra.push('all links healthy');
        break;
      case 'pending':
        extra.push(...(await lab.snapshot()).pending.map((p) => (p.kind === 'message' ? describeMessage(p.message) : `timeout ${p.node} ${p.timeout}`)).sort());
        if (extra.length === 0) extra.push('nothing pending');
        break;
      case 'put':
      case 'get':
      case 'delete':
        this.submit(verb, args);
        break;
      case 'crash':
        await lab.crashNode(nodeList(args[0], 'crash')[0]!);
        break;
      case 'restart':
        await lab.restartNode(nodeList(args[0], 'restart')[0]!);
        break;
      case 'add-learner':
      case 'add-voter':
        extra.push(`added node ${await lab.addNode({ learner: verb === 'add-learner' })}`);
        break;
      case 'promote':
      case 'remove': {
        const node = nodeList(args[0], verb)[0]!;
        const r = await lab.changeMembership(verb === 'promote' ? { type: 'add-voter', node } : { type: 'remove', node });
        extra.push(r.ok ? `${verb} ${node}: proposed` : `${verb} ${node}: refused: ${r.detail}`);
        break;
      }
      case 'transfer':
        await lab.transferLeadership(nodeList(args[0], 'transfer')[0]!);
        break;
      case 'status': {
        const snap = await lab.snapshot();
        for (const id of nodeList(args[0], 'status')) extra.push(describeNodeLine(snap, id));
        break;
      }
      default:
        throw new LabScriptError(`unknown command ${JSON.stringify(verb)}`);
    }
    return extra;
  }

  private submit(verb: 'put' | 'get' | 'delete', args: readonly string[]): void {
    const at = args.find((a) => a.startsWith('@'));
    const rest = args.filter((a) => !a.startsWith('@'));
    const key = rest[0];
    if (key === undefined) throw new LabScriptError(`${verb}: name a key`);
    const op: KvOp = verb === 'put' ? { type: 'put', key, value: rest[1] ?? '' } : { type: verb, key };
    const mode = verb === 'get' ? rest[1] : undefined;
    if (mode !== undefined && mode !== 'read-index' && mode !== 'lease') throw new LabScriptError(`get: read mode is read-index or lease, not ${JSON.stringify(mode)}`);
    const label = `client ${++this.clientSeq} ${verb} ${key}${verb === 'put' ? `=${rest[1] ?? ''}` : ''}${mode ? ` ${mode}` : ''}${at ? ` ${at}` : ''}`;
    const node = at === undefined ? undefined : Number(at.slice(1));
    // One client session per request, as if each came from its own user: one request never waits behind another.
    this.engine.lab.submit(op, { client: `script-${this.clientSeq}`, timeoutMs: 600_000, ...(node === undefined ? {} : { node }), ...(mode === undefined ? {} : { read: mode }) }).then(
      (result) => this.answered.push({ label, result }),
      (e: unknown) => this.failed.push({ label, error: e instanceof Error ? e.message : String(e) }),
    );
  }

  private async findMessage(args: readonly string[], verb: string): Promise<Extract<PendingItem, { kind: 'message' }>> {
    const [link, type, ...more] = args;
    const m = /^(\d+)->(\d+)$/.exec(link ?? '');
    if (m === null) throw new LabScriptError(`${verb}: name the link as FROM->TO`);
    if (!MESSAGE_TYPES.includes(type as (typeof MESSAGE_TYPES)[number])) throw new LabScriptError(`${verb}: unknown message type ${JSON.stringify(type)}`);
    const pre = more.includes('pre');
    const candidates = this.oldestFirst(await this.engine.lab.snapshot())
      .filter((p) => p.message.from === Number(m[1]) && p.message.to === Number(m[2]) && p.message.type === type)
      .filter((p) => !('preVote' in p.message) || p.message.preVote === pre);
    const item = candidates[0];
    if (item === undefined) throw new LabScriptError(`${verb}: no pending ${type}${pre ? ' pre' : ''} from ${m[1]} to ${m[2]}`);
    return item;
  }

  /** What changed since the last command, in canonical text. */
  private async changes(): Promise<string[]> {
    // Whatever the engine does at once (an answer a simulated node gives in the same instant) is done by the next macrotask.
    await settled();
    const snap = await this.engine.lab.snapshot();
    const prev = this.prev;
    this.prev = snap;
    const out: string[] = [];
    const ids = [...new Set([...snap.nodes.map((n) => n.id), ...(prev?.nodes.map((n) => n.id) ?? [])])].sort((a, b) => a - b);
    for (const id of ids) {
      const now = describeNodeLine(snap, id);
      if (prev === null || describeNodeLine(prev, id) !== now) out.push(now);
    }
    const before = new Map<string, number>();
    for (const p of prev?.pending ?? []) {
      const k = messageKey(p);
      if (k !== null) before.set(k, (before.get(k) ?? 0) + 1);
    }
    const fresh: string[] = [];
    for (const p of snap.pending) {
      const k = messageKey(p);
      if (k === null) continue;
      const seen = before.get(k) ?? 0;
      if (seen > 0) before.set(k, seen - 1);
      else fresh.push(`sent ${k}`);
    }
    fresh.sort();
    out.push(...fresh);
    // Keep the seen order in step with what is pending now: gone ones leave, new ones join last.
    const left = new Map<string, number>();
    for (const p of snap.pending) {
      const k = messageKey(p);
      if (k !== null) left.set(k, (left.get(k) ?? 0) + 1);
    }
    const kept: string[] = [];
    for (const k of [...this.seen, ...fresh.map((f) => f.slice('sent '.length))]) {
      const n = left.get(k) ?? 0;
      if (n > 0) {
        kept.push(k);
        left.set(k, n - 1);
      }
    }
    this.seen = kept;
    for (const a of this.answered.splice(0)) out.push(`${a.label}: ${describeResult(a.result)}`);
    for (const f of this.failed.splice(0)) out.push(`${f.label}: error: ${f.error}`);
    return out;
  }
}
