/**
 * The cluster as the lab reports it: options, every node's lifecycle and status, run state,
 * pending step items, link faults and invariant violations. A projection of the event stream,
 * seeded from `snapshot()` on connect; actions are the lab's verbs, each recording its error.
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, onScopeDispose, ref, shallowRef } from 'vue';
import type {
  ClusterOptions, ClusterSnapshot, DirectedLink, ExportedFile, ExportFormat, KvOp, KvResult, LabEvent, LinkFault, NamedPartition,
  NodeView, Pace, PendingItem, ReadMode, RunSearch, Violation,
} from '../../../shared/protocol/lab';
import { REAL_PACE } from '../../../shared/protocol/lab';
import type { ConfChange, NodeId, NodeStatus } from '../../../shared/raft/types';
import { useLabClient } from '../transport/inject';
import type { UserAction } from './step-effects';
import type { ConnectionStatus, ExportSaveOutcome } from '../transport/lab-client';

export type LinkState = DirectedLink & LinkFault;

/** A node as the UI holds it: the lab's view plus when its status last arrived (for the ring). */
export interface UiNode extends NodeView {
  /** performance.now() when `status` arrived: the timeout ring runs down from there. */
  readonly statusAtLocalMs: number;
}

const MAX_ACTIONS = 20;

/** A node whose process is alive (a paused node still holds its state and role). */
function isUp(n: NodeView): boolean {
  return n.life === 'running' || n.life === 'paused';
}

export const useLabStore = defineStore('lab', () => {
  const client = useLabClient();

  const connection = ref<ConnectionStatus>(client.connectionStatus());
  /** 'idle': no cluster yet; 'loading': creating or syncing; 'done': a cluster is live. */
  const status = ref<'idle' | 'loading' | 'done' | 'error'>('idle');
  const lastError = ref<string | null>(null);
  const options = ref<ClusterOptions | null>(null);
  const dataDir = ref('');
  const nodes = shallowRef<ReadonlyMap<NodeId, UiNode>>(new Map());
  const paused = ref(false);
  const speed = ref(1);
  /** Lab ms every message spends on its link (the pace's network time; 0 at real pace). */
  const networkMs = ref(0);
  const pending = shallowRef<readonly PendingItem[]>([]);
  const links = shallowRef<readonly LinkState[]>([]);
  const violations = shallowRef<readonly Violation[]>([]);
  const seq = ref(0);
  /** The person's recent actions (not the step controls), newest last. */
  const userActions = shallowRef<readonly UserAction[]>([]);
  function noteAction(what: string, node: NodeId | null = null): void {
    userActions.value = [...userActions.value.slice(-(MAX_ACTIONS - 1)), { what, node, afterSeq: seq.value }];
  }

  const nodeIds = computed(() => [...nodes.value.keys()].sort((a, b) => a - b));
  const nodeList = computed(() => nodeIds.value.map((id) => nodes.value.get(id) as UiNode));
  /** The leader of the highest term any live node reports (there should be at most one). */
  const leader = computed<NodeId | null>(() => {
    let best: NodeStatus | null = null;
    for (const n of nodes.value.values()) {
      const s = n.status;
      if (isUp(n) && s && s.role === 'leader' && (!best || s.term > best.term)) best = s;
    }
    return best ? best.id : null;
  });
  const leaders = computed(() => nodeList.value.filter((n) => isUp(n) && n.status?.role === 'leader').map((n) => n.id));
  const maxTerm = computed(() => Math.max(0, ...nodeList.value.map((n) => n.status?.term ?? 0)));
  /** Directed cut links, keyed "from-to". */
  const cutLinks = computed(() => new Set(links.value.filter((l) => l.cut).map((l) => `${l.from}-${l.to}`)));

  function adopt(s: ClusterSnapshot): void {
    options.value = s.options;
    dataDir.value = s.dataDir;
    const now = performance.now();
    nodes.value = new Map(s.nodes.map((n) => [n.id, { ...n, statusAtLocalMs: now }]));
    paused.value = s.paused;
    speed.value = s.speed;
    networkMs.value = s.networkMs;
    pending.value = s.pending;
    links.value = s.links;
    violations.value = s.violations;
    seq.value = s.seq;
    status.value = 'done';
  }

  /** Fold one batch of events into the projection. */
  function apply(events: readonly LabEvent[]): void {
    let next: Map<NodeId, UiNode> | null = null;
    const now = performance.now();
    const touch = (id: NodeId, patch: Partial<UiNode>) => {
      const base = next ?? new Map(nodes.value);
      const prev = base.get(id) ?? { id, life: 'starting' as const, status: null, exit: null, statusAtLocalMs: now };
      base.set(id, { ...prev, ...patch });
      next = base;
    };
    for (const e of events) {
      if (e.seq <= seq.value && e.type !== 'cluster-created') continue;
      seq.value = Math.max(seq.value, e.seq);
      switch (e.type) {
        case 'cluster-created':
          options.value = e.options;
          next = new Map(e.nodes.map((id) => [id, { id, life: 'starting' as const, status: null, exit: null, statusAtLocalMs: now }]));
          violations.value = [];
          pending.value = [];
          links.value = [];
          // A new cluster starts as its options say (the lab reports later changes as run-state).
          paused.value = e.options.startPaused ?? false;
          speed.value = e.options.pace?.speed ?? REAL_PACE.speed;
          networkMs.value = e.options.pace?.networkMs ?? REAL_PACE.networkMs;
          seq.value = e.seq;
          status.value = 'done';
          break;
        case 'node-life':
          touch(e.node, e.life === 'running' || e.life === 'paused' || e.life === 'starting'
            ? { life: e.life, exit: e.exit }
            : { life: e.life, exit: e.exit, status: null });
          break;
        case 'node-status':
          touch(e.status.id, { status: e.status, statusAtLocalMs: now });
          break;
        case 'run-state':
          paused.value = e.paused;
          speed.value = e.speed;
          if (e.networkMs !== undefined) networkMs.value = e.networkMs;
          // Resuming releases every held item; the lab reports new holds only in step mode.
          if (!e.paused) pending.value = [];
          break;
        case 'pending':
          pending.value = e.items;
          break;
        case 'faults':
          links.value = e.links;
          break;
        case 'violation':
          violations.value = [...violations.value, e.violation];
          break;
        default:
          break;
      }
    }
    if (next) nodes.value = next;
  }

  async function run<T>(what: string, fn: () => Promise<T>): Promise<T | undefined> {
    try {
      const out = await fn();
      lastError.value = null;
      return out;
    } catch (err) {
      lastError.value = `${what}: ${err instanceof Error ? err.message : String(err)}`;
      return undefined;
    }
  }

  /** Read the whole cluster state again (on connect, and after a reconnect). */
  async function sync(): Promise<void> {
    try {
      adopt(await client.snapshot());
    } catch (err) {
      // No cluster yet is the normal first state: the user creates one. A page that cannot
      // reach the host at all (no access token) says why.
      if (client.connectionStatus() === 'closed') lastError.value = err instanceof Error ? err.message : String(err);
      if (status.value !== 'done') status.value = 'idle';
    }
  }

  async function createCluster(opts: ClusterOptions): Promise<void> {
    status.value = 'loading';
    const snap = await run('create cluster', async () => {
      if (options.value) await client.destroyCluster().catch(() => undefined);
      return client.createCluster(opts);
    });
    if (snap) adopt(snap);
    else status.value = options.value ? 'done' : 'error';
  }

  const setPaused = (p: boolean) => run(p ? 'pause' : 'play', () => client.setPaused(p));
  const togglePaused = () => setPaused(!paused.value);
  const setSpeed = (s: number) => run('speed', () => client.setSpeed(s));
  const setPace = (p: Pace) => run('pace', () => client.setPace(p));
  const tickOnce = (ticks = 1) => run(ticks === 1 ? 'tick' : `advance ${ticks} ticks`, () => client.tickOnce(ticks));
  const deliver = (id: string) => run('deliver', () => client.deliver(id));
  const drop = (id: string) => run('drop', () => client.drop(id));
  const fireTimeout = (n: NodeId) => run(`fire timeout of ${n}`, () => client.fireTimeout(n));
  const crashNode = (n: NodeId) => { noteAction(`crashed node ${n}`, n); return run(`crash ${n}`, () => client.crashNode(n)); };
  const restartNode = (n: NodeId) => { noteAction(`restarted node ${n}`, n); return run(`restart ${n}`, () => client.restartNode(n)); };
  /** Only for a node whose storage was refused: its files are deleted and it starts empty. */
  const discardNodeData = (n: NodeId) => { noteAction(`discarded node ${n}'s data`, n); return run(`discard data of ${n}`, () => client.discardNodeData(n)); };
  const setNodePaused = (n: NodeId, p: boolean) => {
    noteAction(`${p ? 'paused' : 'resumed'} node ${n}`, n);
    return run(`${p ? 'pause' : 'resume'} ${n}`, () => client.setNodePaused(n, p));
  };
  const partition = (p: NamedPartition) => {
    noteAction(p.kind === 'isolate' ? `isolated node ${p.node}` : p.kind === 'heal' ? 'healed the network' : `made a ${p.kind} partition`, p.kind === 'isolate' ? p.node : null);
    return run(`partition ${p.kind}`, () => client.partition(p));
  };
  const setLinkFault = (l: DirectedLink, f: Partial<LinkFault>) => {
    noteAction(`changed link ${l.from}→${l.to}`);
    return run(`link ${l.from}→${l.to}`, () => client.setLinkFault(l, f));
  };
  /** Set the same fault on every directed link between current nodes (the loss/delay sliders). */
  async function setAllLinks(f: Partial<LinkFault>): Promise<void> {
    const ids = nodeIds.value;
    const calls: Promise<unknown>[] = [];
    for (const from of ids) for (const to of ids) if (from !== to) calls.push(client.setLinkFault({ from, to }, f));
    await run('set link faults', () => Promise.all(calls));
  }
  /** Cut or mend both directions of a link (a click on the link in the cluster view). */
  async function toggleLink(a: NodeId, b: NodeId): Promise<void> {
    const cut = !(cutLinks.value.has(`${a}-${b}`) && cutLinks.value.has(`${b}-${a}`));
    noteAction(`${cut ? 'cut' : 'mended'} link ${a}↔${b}`);
    await run(`link ${a}↔${b}`, () => Promise.all([client.setLinkFault({ from: a, to: b }, { cut }), client.setLinkFault({ from: b, to: a }, { cut })]));
  }
  const addNode = (learner: boolean) => run(learner ? 'add learner' : 'add node', () => client.addNode({ learner }));
  const changeMembership = (c: ConfChange) => run(`membership ${c.type} ${c.node}`, () => client.changeMembership(c));
  const transferLeadership = (to: NodeId) => run(`transfer to ${to}`, () => client.transferLeadership(to));
  /**
   * A request from the Client form: to whoever leads, or (with `node`) to that node only, no
   * redirect; a get read through the log, by a ReadIndex round or by lease (`read`).
   */
  const submit = (op: KvOp, node?: NodeId, read: ReadMode = 'log'): Promise<KvResult | undefined> =>
    run(`client ${op.type}`, () => client.submit(op, { client: 'ui', ...(node === undefined ? {} : { node }), ...(read === 'log' ? {} : { read }) }));
  /** The run written in `format` to a file on the host (saveExport saves it); undefined when the lab refused, with the reason in lastError. */
  const exportRun = (format: ExportFormat): Promise<ExportedFile | undefined> => run(`export ${format.kind}`, () => client.exportRun(format));
  /** Save an export where the person chooses (Electron) or download it (browser); undefined on failure, with the reason in lastError. */
  const saveExport = (file: ExportedFile): Promise<ExportSaveOutcome | undefined> => run(`save ${file.fileName}`, () => client.saveExport(file));
  /** The whole run's recording searched on the host; undefined on failure, with the reason in lastError. */
  const searchRun = (query: string): Promise<RunSearch | undefined> => run('search the whole run', () => client.searchRun(query));

  const offEvents = client.onEvents(apply);
  const offConn = client.onConnectionStatus((s) => {
    connection.value = s;
    if (s === 'open') void sync();
  });
  onScopeDispose(() => {
    offEvents();
    offConn();
  });
  void sync();

  return {
    connection, status, lastError, options, dataDir, nodes, paused, speed, networkMs, pending, links, violations, seq, userActions,
    nodeIds, nodeList, leader, leaders, maxTerm, cutLinks,
    apply, sync, createCluster, setPaused, togglePaused, setSpeed, setPace, tickOnce, deliver, drop, fireTimeout,
    crashNode, restartNode, discardNodeData, setNodePaused, partition, setLinkFault, setAllLinks, toggleLink,
    addNode, changeMembership, transferLeadership, submit, exportRun, saveExport, searchRun,
  };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useLabStore, import.meta.hot));
