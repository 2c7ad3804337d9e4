/**
 * The scenario machine behind the narrated scripts in test/raft/testdata: a few RawNodes, an
 * in-memory network the script controls message by message, and one handler per command. Every
 * command returns the lines of its transcript. Real nodes, real Ready handling (persist, then
 * send, then apply); nothing is mocked. After each command, cross-node safety checks run and
 * report violations as `!! ...` lines (the unsafe-option scenarios show them on purpose).
 */
import { RawNode } from '../../../shared/raft/raw-node';
import { describeConf, describeEntries, describeEntry, describeMessage, describePeers, describeStatus } from '../../../shared/raft/describe';
import { stateDigest } from '../../../shared/raft/digest';
import type { ConfChange, Entry, Message, NodeId, RaftConfig, Snapshot, UnsafeOptions } from '../../../shared/raft/types';
import { DEFAULT_RAFT_CONFIG } from '../../../shared/raft/types';
import { createRng } from '../../../shared/util/rng';
import { SimDisk } from '../../../shared/sim/disk';

interface SimNode {
  node: RawNode;
  /** Started by `join`: its first snapshot comes from the leader, so show it. */
  joined: boolean;
  store: SimDisk;
  up: boolean;
  lastRole: string;
  lastTerm: number;
  lastLead: NodeId;
}

export class ScenarioError extends Error {}

function fail(msg: string): never {
  throw new ScenarioError(msg);
}

function parseId(s: string | undefined): NodeId {
  const n = Number(s);
  if (!Number.isInteger(n) || n <= 0) fail(`expected a node id, got ${JSON.stringify(s)}`);
  return n;
}

/** `1->2`, `1->*`, `*->2`, `*` (all), optionally followed by a message type. */
interface MsgFilter {
  from: NodeId | null;
  to: NodeId | null;
  type: string | null;
}

function parseFilter(args: string[]): MsgFilter {
  const f: MsgFilter = { from: null, to: null, type: null };
  for (const a of args) {
    const m = /^(\*|\d+)->(\*|\d+)$/.exec(a);
    if (m !== null) {
      f.from = m[1] === '*' ? null : Number(m[1]);
      f.to = m[2] === '*' ? null : Number(m[2]);
    } else if (a !== '*') f.type = a;
  }
  return f;
}

function matches(f: MsgFilter, m: Message): boolean {
  return (f.from === null || f.from === m.from) && (f.to === null || f.to === m.to) && (f.type === null || f.type === m.type);
}

export class Scenario {
  private readonly nodes = new Map<NodeId, SimNode>();
  private queue: Message[] = [];
  private cfgBase: Omit<RaftConfig, 'id'> = DEFAULT_RAFT_CONFIG;
  private initialVoters: NodeId[] = [];
  /** Partition group of each node; nodes in different groups cannot talk. Empty: no partition. */
  private groups = new Map<NodeId, number>();
  // Safety bookkeeping across nodes.
  private readonly appliedAt = new Map<number, { term: number; node: NodeId }>();
  private readonly leaderOf = new Map<number, NodeId>();
  private readonly lastCommit = new Map<NodeId, number>();
  private readonly reported = new Set<string>();
  /** In `run`, only state changes are printed (not every message). */
  private quiet = false;

  run(line: string): string[] {
    const [cmd, ...args] = line.trim().split(/\s+/);
    const out: string[] = [];
    switch (cmd) {
      case 'bootstrap':
        this.bootstrap(args, out);
        break;
      case 'join': {
        const id = parseId(args[0]);
        this.addNode(id, RawNode.join(this.config(id), createRng(id)), new SimDisk(), out);
        this.get(id).joined = true;
        break;
      }
      case 'run':
        this.runTicks(args, out);
        break;
      case 'set-log':
        this.setLog(line, out);
        break;
      case 'tick':
        this.tick(args, out);
        break;
      case 'campaign':
        this.get(parseId(args[0])).node.campaign();
        this.flush(out);
        break;
      case 'propose': {
        const id = parseId(args[0]);
        const rep = args.length > 2 && /^x\d+$/.test(args[args.length - 1] as string) ? Number((args.pop() as string).slice(1)) : 0;
        const data = args.slice(1).join(' ') || 'x';
        for (let k = 1; k <= Math.max(1, rep); k++) {
          const res = this.get(id).node.propose(rep > 0 ? `${data}${k}` : data);
          if (!res.ok) out.push(`${id}: refused ${JSON.stringify(res.refusal)}`);
        }
        this.flush(out);
        break;
      }
      case 'conf': {
        const id = parseId(args[0]);
        const type = args[1];
        if (type !== 'add-voter' && type !== 'add-learner' && type !== 'remove') fail(`conf: unknown change ${String(type)}`);
        const change: ConfChange = { type, node: parseId(args[2]) };
        const res = this.get(id).node.proposeConfChange(change);
        if (!res.ok) out.push(`${id}: refused ${JSON.stringify(res.refusal)}`);
        this.flush(out);
        break;
      }
      case 'transfer':
        this.get(parseId(args[0])).node.transferLeadership(parseId(args[1]));
        this.flush(out);
        break;
      case 'read': {
        const id = parseId(args[0]);
        // `read ID CTX [lease|round]`: a lease read or a ReadIndex round chosen for this read;
        // without the third word the node's config (lease=) decides.
        const how = args[2];
        if (how !== undefined && how !== 'lease' && how !== 'round') fail(`read: expected lease or round, got ${how}`);
        const res = how === undefined ? this.get(id).node.readIndex(args[1] ?? 'r') : this.get(id).node.readIndex(args[1] ?? 'r', { lease: how === 'lease' });
        if (!res.ok) out.push(`${id}: refused ${JSON.stringify(res.refusal)}`);
        this.flush(out);
        break;
      }
      case 'compact':
        this.compact(parseId(args[0]), Number(args[1]), out);
        break;
      case 'deliver':
        this.deliver(parseFilter(args), out);
        break;
      case 'drop':
        this.drop(parseFilter(args), out);
        break;
      case 'stabilize':
        this.stabilize(out);
        break;
      case 'partition':
        this.partition(args);
        break;
      case 'heal':
        this.groups.clear();
        break;
      case 'crash': {
        const n = this.get(parseId(args[0]));
        n.up = false;
        break;
      }
      case 'restart':
        this.restart(parseId(args[0]), out);
        break;
      case 'status':
        for (const id of this.ids(args)) this.status(id, out);
        break;
      case 'log':
        for (const id of this.ids(args)) this.log(id, out);
        break;
      case 'msgs':
        for (const m of this.queue) out.push(describeMessage(m));
        if (this.queue.length === 0) out.push('(no messages in flight)');
        break;
      case 'digest':
        for (const id of this.ids(args)) out.push(`${id}: ${stateDigest(this.get(id).node)}`);
        break;
      default:
        fail(`unknown command ${JSON.stringify(cmd)}`);
    }
    this.checkSafety(out);
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Setup

  private bootstrap(args: string[], out: string[]): void {
    // A new cluster: forget everything about the previous one in this file.
    this.nodes.clear();
    this.queue = [];
    this.groups.clear();
    this.appliedAt.clear();
    this.leaderOf.clear();
    this.lastCommit.clear();
    this.reported.clear();
    const ids: NodeId[] = [];
    let learners: NodeId[] = [];
    let cfg: Omit<RaftConfig, 'id'> = { ...DEFAULT_RAFT_CONFIG };
    const unsafe: { -readonly [K in keyof UnsafeOptions]: UnsafeOptions[K] } = {};
    for (const a of args) {
      const kv = /^([a-z-]+)=(.*)$/.exec(a);
      if (kv === null) {
        ids.push(parseId(a));
        continue;
      }
      const [, k, v] = kv as unknown as [string, string, string];
      const bool = () => (v === 'true' ? true : v === 'false' ? false : fail(`${k}: expected true or false`));
      const num = () => (Number.isInteger(Number(v)) ? Number(v) : fail(`${k}: expected an integer`));
      switch (k) {
        case 'prevote': cfg = { ...cfg, preVote: bool() }; break;
        case 'checkquorum': cfg = { ...cfg, checkQuorum: bool() }; break;
        case 'lease': cfg = { ...cfg, leaseRead: bool() }; break;
        case 'election': cfg = { ...cfg, electionTicks: num() }; break;
        case 'heartbeat': cfg = { ...cfg, heartbeatTicks: num() }; break;
        case 'maxents': cfg = { ...cfg, maxEntriesPerMsg: num() }; break;
        case 'inflight': cfg = { ...cfg, maxInflightMsgs: num() }; break;
        case 'learners': learners = v.split(',').map((x) => parseId(x)); break;
        case 'unsafe':
          for (const u of v.split(',')) {
            if (u === 'commit-by-count') unsafe.commitPreviousTermByCount = true;
            else if (u === 'skip-vote-check') unsafe.skipVoteLogCheck = true;
            else if (u === 'double-vote') unsafe.allowDoubleVote = true;
            else if (u === 'reply-before-persist') unsafe.replyBeforePersist = true;
            else fail(`unknown unsafe option ${u}`);
          }
          cfg = { ...cfg, unsafe };
          break;
        default:
          fail(`bootstrap: unknown option ${k}`);
      }
    }
    this.cfgBase = cfg;
    this.initialVoters = ids.filter((id) => !learners.includes(id));
    const conf = { voters: this.initialVoters, learners };
    for (const id of [...ids, ...learners.filter((l) => !ids.includes(l))].sort((a, b) => a - b)) {
      this.addNode(id, RawNode.bootstrap(this.config(id), createRng(id), conf), new SimDisk(), out);
    }
  }

  /**
   * `set-log 2 [term=T] [commit=C]: 1 1 1 4 4 5 5 6 6 6` restarts node 2 from a stored log with
   * those terms (entries are commands `<index>`), the bootstrap configuration and term T (default:
   * its last log term). For Figure 7 and Figure 8 setups.
   */
  private setLog(line: string, out: string[]): void {
    const m = /^set-log\s+(\d+)((?:\s+[a-z]+=\d+)*)\s*:\s*([\d\s]*)$/.exec(line.trim());
    if (m === null) fail(`set-log: expected "set-log <id> [term=T] [commit=C]: <terms...>", got ${JSON.stringify(line)}`);
    const id = parseId(m[1]);
    const opts = new Map(((m[2] ?? '').trim().match(/[a-z]+=\d+/g) ?? []).map((kv) => kv.split('=') as [string, string]));
    const terms = (m[3] ?? '').trim() === '' ? [] : (m[3] as string).trim().split(/\s+/).map(Number);
    const entries: Entry[] = terms.map((term, i) => ({ kind: 'command', term, index: i + 1, data: `${i + 1}` }));
    const lastTerm = terms.length > 0 ? (terms[terms.length - 1] as number) : 0;
    const store = SimDisk.from({
      hardState: { term: Number(opts.get('term') ?? lastTerm), vote: 0, commit: Number(opts.get('commit') ?? 0) },
      snapshot: { meta: { index: 0, term: 0, conf: { voters: this.initialVoters, learners: [] } }, data: '' },
      entries,
    });
    this.nodes.delete(id);
    this.addNode(id, RawNode.restore(this.config(id), createRng(id), store.load()), store, out);
  }

  private config(id: NodeId): RaftConfig {
    return { ...this.cfgBase, id };
  }

  private addNode(id: NodeId, node: RawNode, store: SimDisk, out: string[]): void {
    const st = node.status();
    this.nodes.set(id, { node, store, joined: false, up: true, lastRole: st.role, lastTerm: st.term, lastLead: st.leader });
    this.flushNode(id, out);
  }

  private restart(id: NodeId, out: string[]): void {
    const n = this.get(id);
    n.node = RawNode.restore(this.config(id), createRng(id * 7919), n.store.load());
    n.up = true;
    const st = n.node.status();
    out.push(`${id}: restarted ${st.role} t${st.term} vote=${st.vote} commit=${st.commit} applied=${st.applied} last=${st.lastIndex}/${st.lastTerm}`);
    n.lastRole = st.role;
    n.lastTerm = st.term;
    n.lastLead = st.leader;
    this.flushNode(id, out);
  }

  private partition(args: string[]): void {
    this.groups.clear();
    let g = 0;
    for (const a of args) {
      if (a === '|') g++;
      else this.groups.set(parseId(a), g);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Time and messages

  private ids(args: string[]): NodeId[] {
    if (args.length === 0 || args[0] === '*') return [...this.nodes.keys()].sort((a, b) => a - b);
    return args.filter((a) => !a.startsWith('x')).map((a) => parseId(a));
  }

  private tick(args: string[], out: string[]): void {
    const rep = args.find((a) => /^x\d+$/.test(a));
    const times = rep === undefined ? 1 : Number(rep.slice(1));
    for (let t = 0; t < times; t++) {
      const lines: string[] = [];
      for (const id of this.ids(args)) {
        const n = this.get(id);
        if (!n.up) continue;
        n.node.tick();
        this.flushNode(id, lines);
      }
      // With repeated ticks, say at which tick things happened.
      if (times > 1 && lines.length > 0) out.push(`@tick ${t + 1}`);
      out.push(...lines);
    }
  }

  /** `run xN`: N rounds of (tick every live node, then deliver until no messages are left). */
  private runTicks(args: string[], out: string[]): void {
    const rep = args.find((a) => /^x\d+$/.test(a));
    const times = rep === undefined ? 1 : Number(rep.slice(1));
    this.quiet = true;
    try {
      for (let t = 0; t < times; t++) {
        const lines: string[] = [];
        for (const id of this.ids([])) {
          const n = this.get(id);
          if (!n.up) continue;
          n.node.tick();
          this.flushNode(id, lines);
        }
        let rounds = 0;
        while (this.queue.length > 0) {
          if (++rounds > 200) fail('run: still messages after 200 delivery rounds');
          this.deliver({ from: null, to: null, type: null }, lines);
        }
        if (lines.length > 0) out.push(`@tick ${t + 1}`, ...lines);
      }
    } finally {
      this.quiet = false;
    }
  }

  private linkCut(m: Message): string | null {
    const to = this.nodes.get(m.to);
    if (to === undefined) return `there is no node ${m.to}`;
    if (!to.up) return `${m.to} is down`;
    if (this.groups.size > 0 && this.groups.get(m.from) !== this.groups.get(m.to)) return 'partition';
    return null;
  }

  private deliver(f: MsgFilter, out: string[]): number {
    const batch = this.queue.filter((m) => matches(f, m));
    this.queue = this.queue.filter((m) => !matches(f, m));
    for (const m of batch) {
      const cut = this.linkCut(m);
      if (cut !== null) {
        if (!this.quiet) out.push(`dropped ${describeMessage(m)} (${cut})`);
        continue;
      }
      this.get(m.to).node.step(m);
      this.flushNode(m.to, out);
    }
    return batch.length;
  }

  private drop(f: MsgFilter, out: string[]): void {
    for (const m of this.queue) if (matches(f, m)) out.push(`dropped ${describeMessage(m)}`);
    this.queue = this.queue.filter((m) => !matches(f, m));
  }

  private stabilize(out: string[]): void {
    let rounds = 0;
    while (this.queue.length > 0) {
      if (++rounds > 200) fail('stabilize: still messages after 200 delivery rounds');
      this.deliver({ from: null, to: null, type: null }, out);
    }
    out.push(`(${rounds} delivery rounds)`);
  }

  private compact(id: NodeId, index: number, out: string[]): void {
    const n = this.get(id);
    const before = n.node.status();
    if (index > before.snapshotIndex && index <= before.applied) {
      // Like a real host: persist the snapshot (with the configuration at its index), then compact.
      const snap: Snapshot = { meta: { index, term: n.node.termAt(index) as number, conf: n.node.confAt(index) }, data: `state@${index}` };
      n.store.compact(snap.meta.index, snap.meta.term, snap.meta.conf, snap.data);
    }
    n.node.compact(index, `state@${index}`);
    const after = n.node.status();
    out.push(`${id}: log now starts after snapshot ${after.snapshotIndex}/${after.snapshotTerm}`);
  }

  // -------------------------------------------------------------------------------------------
  // Ready handling: persist, then send, then apply

  private flush(out: string[]): void {
    for (const id of [...this.nodes.keys()].sort((a, b) => a - b)) this.flushNode(id, out);
  }

  private flushNode(id: NodeId, out: string[]): void {
    const n = this.get(id);
    if (!n.up) return;
    while (n.node.hasReady()) {
      const rd = n.node.ready();
      const s = rd.softState;
      const term = rd.hardState?.term ?? n.lastTerm;
      if (s.role !== n.lastRole || term !== n.lastTerm || s.leader !== n.lastLead) {
        const vote = rd.hardState !== null ? ` vote=${rd.hardState.vote}` : '';
        out.push(`${id}: ${s.role} t${term} lead=${s.leader}${vote}`);
        n.lastRole = s.role;
        n.lastTerm = term;
        n.lastLead = s.leader;
        if (s.role === 'leader') this.noteLeader(term, id, out);
      }
      n.store.persist(rd);
      if (rd.snapshot !== null && (rd.snapshot.meta.index > 0 || n.joined)) out.push(`${id}: install snapshot ${rd.snapshot.meta.index}/${rd.snapshot.meta.term} ${describeConf(rd.snapshot.meta.conf)}`);
      if (rd.entries.length > 0 && !this.quiet) out.push(`${id}: append ${describeEntries(rd.entries)}`);
      for (const m of rd.messages) {
        if (!this.quiet) out.push(describeMessage(m));
        this.queue.push(m);
      }
      if (rd.committedEntries.length > 0) {
        out.push(`${id}: apply ${describeEntries(rd.committedEntries, true)}`);
        for (const e of rd.committedEntries) this.noteApplied(id, e, out);
      }
      for (const r of rd.readStates) out.push(`${id}: read-state ${r.ctx} at index ${r.index}`);
      n.node.advance(rd);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Cross-node safety checks (Election Safety, State Machine Safety, commit monotonic)

  private report(msg: string, out: string[]): void {
    if (this.reported.has(msg)) return;
    this.reported.add(msg);
    out.push(`!! ${msg}`);
  }

  private noteLeader(term: number, id: NodeId, out: string[]): void {
    const other = this.leaderOf.get(term);
    if (other !== undefined && other !== id) this.report(`election safety violated: ${other} and ${id} both leader in term ${term}`, out);
    else this.leaderOf.set(term, id);
  }

  private noteApplied(id: NodeId, e: Entry, out: string[]): void {
    const seen = this.appliedAt.get(e.index);
    if (seen === undefined) this.appliedAt.set(e.index, { term: e.term, node: id });
    else if (seen.term !== e.term) {
      this.report(`state machine safety violated: ${id} applied ${describeEntry(e)} but ${seen.node} applied ${e.index}/${seen.term}`, out);
    }
  }

  private checkSafety(out: string[]): void {
    for (const [id, n] of this.nodes) {
      const c = n.node.status().commit;
      const prev = this.lastCommit.get(id) ?? 0;
      if (n.up && c < prev) this.report(`commit index of ${id} went back from ${prev} to ${c}`, out);
      this.lastCommit.set(id, c);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Inspection

  private get(id: NodeId): SimNode {
    const n = this.nodes.get(id);
    if (n === undefined) fail(`no node ${id}`);
    return n;
  }

  private status(id: NodeId, out: string[]): void {
    const n = this.get(id);
    const s = n.node.status();
    out.push(describeStatus(s) + (n.up ? '' : ' (down)'));
    for (const line of describePeers(s)) out.push(`  ${line}`);
  }

  private log(id: NodeId, out: string[]): void {
    const s = this.get(id).node.status();
    const ents = this.get(id).node.entries(s.firstIndex, s.lastIndex + 1);
    const all = ents.map((e) => describeEntry(e, true));
    out.push(`${id}: snap=${s.snapshotIndex}/${s.snapshotTerm} | ${all.length === 0 ? '(empty)' : all.join(', ')}`);
  }
}
