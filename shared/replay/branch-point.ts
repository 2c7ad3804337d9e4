/**
 * A branch point: what it takes to continue a recording as a live simulated cluster from event k.
 *
 * A running node is rebuilt EXACTLY as it was at k, volatile state included (role, votes,
 * per-peer progress, election timer, its Rng): from its last `start` record (config, Rng state,
 * mode) its recorded inputs are fed to the real core again, and its host's work is redone on the
 * way: each Ready is persisted to a SimDisk and its committed entries applied to a KV state
 * machine, each `compact` writes the snapshot (the recording carries the KV snapshot data in the
 * `compact` input, in InstallSnapshot messages and in a restore's persisted state). So leaders
 * stay leaders, compacted logs and installed snapshots come along, and the KV state is the one
 * the node had.
 *
 * A node that is down at k branches as a crashed node: its disk is what it restarted from next
 * in the recording when it did (exact), else what its host had persisted when it crashed.
 *
 * Messages in flight at k: sent (in a `ready` record) at or before k and received after k, by
 * send stamp, or by content on links without stamps. A message never received at all counts as
 * in flight only if nothing sent later on its link was received (else it was lost on the way).
 *
 * This module is plain data plus pure functions, so a worker can compute a BranchPoint and post
 * it to the page, which rebuilds the nodes (`rebuildBranch`) and runs the Simulator over them.
 */
import type { RaftNodeApi, RaftNodeFactory } from '../raft/api';
import type { Message, NodeId, PersistedState, RaftConfig, Ready } from '../raft/types';
import { KvStateMachine } from '../kv';
import type { BodyRecord, Located, NodeInput, StartMode, StartRecord } from '../record/format';

type RestoreMode = Extract<StartMode, { type: 'restore' }>;
import { buildNode } from '../record/node-factory';
import { applyInput, compactDisk } from '../record/replay';
import { resolveRestore } from '../record/restart-base';
import { SimDisk } from '../sim/disk';
import { NodeHost, type ReadyIo } from '../cluster/node-host';
import type { SimStartNode } from '../sim/start';
import { restoreRng } from '../util/rng';

/** One recorded thing to redo: an input, or the host taking the node's Ready. */
export type ScriptStep = NodeInput | { readonly type: 'take-ready' };

/** A node instance's life from its start record up to the branch point. */
export interface NodeScript {
  readonly config: RaftConfig;
  readonly rng: readonly [number, number, number, number];
  readonly mode: StartMode;
  readonly steps: readonly ScriptStep[];
}

export interface InFlight {
  /** The event whose `ready` sent it. */
  readonly sentAt: number;
  readonly message: Message;
}

/** One node at the branch point (plain data: it crosses postMessage). */
export interface NodeBranchState {
  readonly node: NodeId;
  /** 'running': rebuilt exactly from `script`; 'down': crashed at k, restartable from its disk. */
  readonly state: 'running' | 'down';
  readonly config: RaftConfig;
  readonly script: NodeScript;
  /**
   * The node's earlier instances that `script` depends on: when its start refers to the log they
   * recorded (a restart with a base, restart-base.ts), from the latest start that does not.
   */
  readonly earlier: readonly NodeScript[];
  /** For a down node that restarts later in the recording: that restart (exactly what it restarted from). */
  readonly restartFrom: RestoreMode | null;
  /** Messages to this node in flight at k, in send order. */
  readonly inbound: readonly InFlight[];
}

/**
 * Every node at the branch point after events 1..k, ascending by id. A node that has not started
 * by k but bootstraps later in the recording starts fresh in the branch (as it would have);
 * one that only joins later is left out (it is not part of the cluster yet).
 */
export function branchPointAt(records: readonly Located<BodyRecord>[], k: number): NodeBranchState[] {
  const scripts = scriptsAt(records, k);
  const inbound = inFlightAt(records, k);
  const later = new Map<NodeId, StartRecord>();
  for (let i = k; i < records.length; i++) {
    const r = records[i]!.record;
    if (r.kind === 'start' && !later.has(r.node)) later.set(r.node, r);
  }
  const out: NodeBranchState[] = [];
  for (const [node, s] of scripts) {
    const next = later.get(node);
    const restartFrom = s.down && next?.mode.type === 'restore' ? next.mode : null;
    out.push({ node, state: s.down ? 'down' : 'running', config: s.script.config, script: s.script, earlier: s.earlier, restartFrom, inbound: inbound.get(node) ?? [] });
  }
  for (const [node, r] of later) {
    if (scripts.has(node) || r.mode.type !== 'bootstrap') continue;
    const script: NodeScript = { config: r.config, rng: r.rng, mode: r.mode, steps: [] };
    out.push({ node, state: 'running', config: r.config, script, earlier: [], restartFrom: null, inbound: inbound.get(node) ?? [] });
  }
  return out.sort((a, b) => a.node - b.node);
}

/**
 * The nodes' scripts at k: from each node's last start at or before k up to k (file order), with
 * the earlier instances that start depends on (see NodeBranchState.earlier).
 */
export function scriptsAt(records: readonly Located<BodyRecord>[], k: number): Map<NodeId, { script: NodeScript; earlier: NodeScript[]; down: boolean }> {
  type Building = { config: RaftConfig; rng: NodeScript['rng']; mode: StartMode; steps: ScriptStep[] };
  const out = new Map<NodeId, { current: Building; earlier: Building[]; down: boolean }>();
  for (let i = 0; i < k; i++) {
    const r = records[i]!.record;
    if (r.kind === 'start') {
      const current: Building = { config: r.config, rng: r.rng, mode: r.mode, steps: [] };
      const prev = out.get(r.node);
      const based = r.mode.type === 'restore' && r.mode.base !== undefined;
      out.set(r.node, { current, earlier: based && prev ? [...prev.earlier, prev.current] : [], down: false });
      continue;
    }
    if (r.kind !== 'input' && r.kind !== 'ready' && r.kind !== 'crash') continue;
    const s = out.get(r.node);
    if (s === undefined) continue;
    if (r.kind === 'crash') s.down = true;
    else if (r.kind === 'ready') s.current.steps.push({ type: 'take-ready' });
    else s.current.steps.push(r.input);
  }
  return new Map([...out].map(([id, s]) => [id, { script: s.current, earlier: s.earlier, down: s.down }]));
}

/** Messages in flight at k, by destination (see the header for the rule). */
export function inFlightAt(records: readonly Located<BodyRecord>[], k: number): Map<NodeId, InFlight[]> {
  interface Send { readonly at: number; readonly message: Message; received: number }
  const sends: Send[] = [];
  const byStamp = new Map<string, Send>();
  const unstamped: { readonly at: number; readonly message: Message }[] = [];
  const startSeq = new Map<NodeId, number>();
  for (let i = 0; i < records.length; i++) {
    const r = records[i]!.record;
    const at = i + 1;
    if (r.kind === 'start') startSeq.set(r.node, r.seq);
    else if (r.kind === 'ready') {
      r.messages.forEach((m, x) => {
        const s: Send = { at, message: m, received: 0 };
        sends.push(s);
        byStamp.set(`${r.node}/${startSeq.get(r.node) ?? 0}/${r.seq}/${x}`, s);
      });
    } else if (r.kind === 'input' && r.input.type === 'step') {
      const st = r.input.stamp;
      const m = r.input.msg;
      const s = st !== null ? byStamp.get(`${m.from}/${st.startSeq}/${st.seq}/${st.index}`) : undefined;
      if (s === undefined) unstamped.push({ at, message: m });
      else if (s.received === 0) s.received = at;
    }
  }
  // Receives without a (known) stamp: the oldest earlier unreceived send with the same content.
  if (unstamped.length > 0) {
    // Per content, the sends in order and a cursor past those already matched (receives come in file order).
    const byContent = new Map<string, { readonly sends: Send[]; next: number }>();
    for (const s of sends) {
      const key = JSON.stringify(s.message);
      const entry = byContent.get(key);
      if (entry) entry.sends.push(s);
      else byContent.set(key, { sends: [s], next: 0 });
    }
    for (const u of unstamped) {
      const entry = byContent.get(JSON.stringify(u.message));
      if (entry === undefined) continue;
      while (entry.next < entry.sends.length && entry.sends[entry.next]!.received !== 0) entry.next++;
      const s = entry.sends[entry.next];
      if (s !== undefined && s.at < u.at) s.received = u.at;
    }
  }
  // Per directed link, the latest send that was received at all.
  const lastReceived = new Map<string, number>();
  for (const s of sends) {
    if (s.received === 0) continue;
    const link = `${s.message.from}>${s.message.to}`;
    lastReceived.set(link, Math.max(lastReceived.get(link) ?? 0, s.at));
  }
  const out = new Map<NodeId, InFlight[]>();
  for (const s of sends) {
    if (s.at > k) break;
    const pending = s.received > k || (s.received === 0 && s.at > (lastReceived.get(`${s.message.from}>${s.message.to}`) ?? 0));
    if (!pending) continue;
    const list = out.get(s.message.to);
    if (list) list.push({ sentAt: s.at, message: s.message });
    else out.set(s.message.to, [{ sentAt: s.at, message: s.message }]);
  }
  return out;
}

/** A node instance replayed from its script, with what its host did on the way. */
interface Replayed {
  readonly api: RaftNodeApi;
  readonly disk: SimDisk;
  readonly kv: KvStateMachine;
  readonly last: Ready | null;
  readonly unadvanced: boolean;
}

/** `mode` with a restart's base filled in from `log` (the previous instance's disk). */
function resolvedMode(mode: StartMode, log: PersistedState): StartMode {
  return mode.type === 'restore' ? { type: 'restore', persisted: resolveRestore(mode, log) } : mode;
}

/**
 * Redoes one instance's script: its recorded inputs fed to the core, and its host's work (persist
 * each Ready, apply committed entries, compact). Recorded calls that threw are redone and throw
 * again (ignored: replay verified the recorded run got the same error, and its host went on).
 */
function replayScript(script: NodeScript, mode: StartMode, factory: RaftNodeFactory): Replayed {
  const api = buildNode(factory, mode, script.config, restoreRng(script.rng));
  const disk = mode.type === 'restore' ? SimDisk.from(mode.persisted) : new SimDisk();
  const host = new NodeHost(mode.type === 'restore' ? mode.persisted : null);
  const io: ReadyIo = { persist: (rd) => disk.persist(rd), send: () => undefined, applied: () => undefined, answered: () => undefined, served: () => undefined };
  let last: Ready | null = null;
  let unadvanced = false;
  for (const step of script.steps) {
    try {
      if (step.type === 'take-ready') {
        const rd = api.ready();
        last = rd;
        unadvanced = true;
        void host.carryOut(rd, io);
        continue;
      }
      if (step.type === 'advance') unadvanced = false;
      if (step.type === 'compact') compactDisk(disk, api, step.index, step.data);
      applyInput(api, step, last);
    } catch {
      // See above.
    }
  }
  const kv = host.kv;
  return { api, disk, kv, last, unadvanced };
}

/**
 * Rebuild one node as the host had it at the branch point: the instance (null when down), its
 * disk and its KV state machine. Earlier instances are replayed first when the current one's
 * restart refers to the log they recorded.
 */
export function rebuildNode(s: NodeBranchState, factory: RaftNodeFactory): SimStartNode {
  let log = new SimDisk().load();
  for (const script of s.earlier) log = replayScript(script, resolvedMode(script.mode, log), factory).disk.load();
  const { api, disk, kv, last, unadvanced } = replayScript(s.script, resolvedMode(s.script.mode, log), factory);
  // A Ready taken at k: the host finishes with it (its messages count as sent at k).
  if (unadvanced && last !== null) api.advance(last);
  if (s.state === 'down') {
    const persisted = s.restartFrom ? resolveRestore(s.restartFrom, disk.load()) : disk.load();
    return { id: s.node, config: s.config, api: null, persisted, kv: new KvStateMachine() };
  }
  return { id: s.node, config: s.config, api, persisted: disk.load(), kv };
}
