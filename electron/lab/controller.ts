/**
 * The lab controller: the one implementation of LabApi. It runs each node in its own process
 * through a ProcessHost, wires a full mesh of peer ports (peer traffic never passes through
 * here), and keeps one control port per node. It turns node reports into the batched event
 * stream, feeds the live invariant checker, routes client requests, sets link faults at the
 * senders and drives step mode.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ConfChange, NodeId, NodeStatus, Role } from '../../shared/raft/types';
import type { ProposeResult } from '../../shared/raft/api';
import {
  type ClusterOptions,
  type ClusterSnapshot,
  type DirectedLink,
  type ExportedFile,
  type ExportFormat,
  type KvOp,
  type KvResult,
  type LabApi,
  type LabEvent,
  type LinkFault,
  type LogRange,
  REAL_PACE,
  type NamedPartition,
  type Pace,
  type NodeView,
  type PendingItem,
  RUN_SEARCH_LIMIT,
  type RunSearch,
  type SubmitOptions,
  type Violation,
} from '../../shared/protocol/lab';
import { logRangeProblem } from '../../shared/protocol/lab-schema';
import {
  ELECTION_TICKS_MAX, ELECTION_TICKS_MIN, HEARTBEAT_TICKS_MAX, HEARTBEAT_TICKS_MIN, MAX_NODES,
  TICK_MS_MAX, TICK_MS_MIN,
} from '../../shared/limits';
import { parseNodeEvent, type NodeEvent, type NodeInit, type ProposeReply,
  type ReadAskReply, type ReplyBody } from '../../shared/protocol/node-ipc';
import { InvariantChecker } from '../../shared/check/invariants';
import type { JsonValue, Recording } from '../../shared/record/format';
import { LineBuffer } from '../../shared/record/line-buffer';
import { RunRecorder } from '../../shared/record/write';
import type { ProcessExit, ProcessHost } from '../host/process-host';
import { ClientRouter } from '../../shared/cluster/client-router';
import { wallClock } from './wall-clock';
import { liveEventStream, type EventStream } from './event-stream';
import { NodeRequestError, NodeSupervisor } from './node-supervisor';
import { ExportStore } from './export-store';
import { exportRunFile, type DatabaseSource } from './run-export';
import { loadSource, readSourceHeader, type RecordingSource } from './recording-source';
import { searchRecording } from './run-search';
import { GzipAppender } from './gzip-appender';
import { LinkTable } from '../../shared/cluster/link-table';
import { alreadyUp, checkPace, checkTicks, notInLab, notUp } from '../../shared/cluster/lab-checks';
import { pendingHolder } from '../../shared/cluster/pending-ids';
import { addNode, changeDeadlineMs, changeMembership, type MembershipPort, type MembershipResult } from '../../shared/cluster/membership';
import { resolveDataFolder } from './data-root';
// Only this module of storage: the main process must not bundle sql.js and the checkpoint worker.
import { clusterFilesIn, discardNodeFiles, listFiles } from '../storage/node-files';

export interface LabControllerOptions {
  readonly host: ProcessHost;
  /** Report every message sent, delivered and dropped on the event stream (default true). */
  readonly traceMessages?: boolean;
  /** Run the live invariant checker (nodes then report whole Readies; default true). */
  readonly checkInvariants?: boolean;
  readonly batchMs?: number;
  readonly batchMax?: number;
  /** Control requests fail after this long (default 10 s). */
  readonly requestTimeoutMs?: number;
  /** Longest wait for a stepped message to be held at its receiver (default 2 s). */
  readonly stepSettleMs?: number;
  /** Record every run (shared/record) for replay and export (default true). */
  readonly record?: boolean;
  /**
   * Where folders named by an untrusted caller (a page) live: when set, createCluster's
   * `dataDir` must name a folder inside it (resolveDataFolder); absolute paths, `..` and
   * symlinks leading out are refused. Unset, `dataDir` is used as given (the command line).
   */
  readonly dataRoot?: string;
  /** Folder in which exports are written and kept until the page saves them (default: the system's temporary folder). */
  readonly exportsRoot?: string;
}

interface Cluster {
  readonly options: ClusterOptions;
  readonly dataDir: string;
  readonly nodes: Map<NodeId, NodeSupervisor>;
  /** The voters the cluster was bootstrapped with. */
  readonly initialVoters: readonly NodeId[];
  paused: boolean;
  speed: number;
  /** Lab ms every message spends on its link (Pace.networkMs). */
  networkMs: number;
  /** The link table (shared/cluster/link-table.ts): faults by directed link; healthy links are absent. */
  readonly links: LinkTable;
  faultSeed: number;
  /** Node ids the cluster has ever had (addNode picks the next). */
  maxId: number;
  /** The leader of the highest term seen, from the nodes' own reports. */
  leader: { node: NodeId; term: number } | null;
  /** Conf changes awaited by `index:term`: told true when applied, false when the cluster pauses. */
  readonly confWaiters: Map<string, (applied: boolean) => void>;
  /** Step mode: message ids we wait to see held at their receivers. */
  readonly heldWaiters: Set<{ ids: Set<string>; resolve: () => void }>;
  readonly statusRefresh: Map<NodeId, ReturnType<typeof setTimeout>>;
  /** Settles when the nodes of createCluster run (step commands wait for it). */
  started: Promise<void>;
}

export class LabController implements LabApi {
  private cluster: Cluster | null = null;
  private readonly stream: EventStream;
  private checker: InvariantChecker | null = null;
  private router: ClientRouter | null = null;
  private readonly traceMessages: boolean;
  private readonly checkInvariants: boolean;
  private readonly requestTimeoutMs: number;
  private readonly stepSettleMs: number;
  private readonly host: ProcessHost;
  /** Longest event-loop stall any node reported, in ms (for benchmarks). */
  maxLoopStallMs = 0;
  /** Serialises step commands, so each one's effects are settled before the next. */
  private stepChain: Promise<void> = Promise.resolve();
  /** Serialises node starts (see startNode). */
  private startChain: Promise<void> = Promise.resolve();
  private readonly recordRuns: boolean;
  private readonly dataRoot: string | null;
  /** Serialises lifecycle operations (create, destroy, restart, add): see lifecycleStep. */
  private lifecycle: Promise<void> = Promise.resolve();
  /** A create is queued or running (set before its first await). */
  private creating = false;
  /** The recording of the running cluster, or null when not recording. */
  private run: RunRecorder | null = null;
  /** Where the recording streams to (in the cluster's data folder), batched. */
  private recordFile: string | null = null;
  private recordBuffer: LineBuffer | null = null;
  private recordGzip: GzipAppender | null = null;
  private recordTimer: ReturnType<typeof setInterval> | null = null;
  /** The first problem with a node's records (the recording is incomplete from there on). */
  recordingProblem: string | null = null;
  /** Exports written by exportRun, until the page saves them (the hosts hand them over). */
  readonly exports: ExportStore;

  constructor(options: LabControllerOptions) {
    this.host = options.host;
    this.traceMessages = options.traceMessages ?? true;
    this.checkInvariants = options.checkInvariants ?? true;
    this.recordRuns = options.record ?? true;
    this.dataRoot = options.dataRoot ?? null;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.stepSettleMs = options.stepSettleMs ?? 2000;
    this.exports = new ExportStore(options.exportsRoot === undefined ? {} : { root: options.exportsRoot });
    this.stream = liveEventStream({ batchMs: options.batchMs ?? 50, batchMax: options.batchMax ?? 256 });
  }

  // ---------------------------------------------------------------------------------------------
  // Cluster

  async createCluster(options: ClusterOptions): Promise<ClusterSnapshot> {
    validateClusterOptions(options);
    if (this.cluster !== null) throw new Error('createCluster: a cluster is already running; destroy it first');
    if (this.creating) throw new Error('createCluster: another cluster is being created; wait for it (destroy it to start a new one)');
    this.creating = true;
    try {
      return await this.lifecycleStep(() => this.createNow(options));
    } finally {
      this.creating = false;
    }
  }

  private async createNow(options: ClusterOptions): Promise<ClusterSnapshot> {
    if (this.cluster !== null) throw new Error('createCluster: a cluster is already running; destroy it first');
    const dataDir = options.dataDir === undefined
      ? await mkdtemp(join(tmpdir(), 'raft-lab-'))
      : this.dataRoot !== null ? await resolveDataFolder(this.dataRoot, options.dataDir) : options.dataDir;
    if (options.dataDir !== undefined) {
      // Nodes that found an earlier cluster's files would restore its terms, logs and client
      // sessions: the new cluster would not start empty, and its checked history would be wrong.
      const found = await clusterFilesIn(dataDir);
      if (found.length > 0) {
        throw new Error(
          `createCluster: the data folder ${dataDir} already holds a cluster (${listFiles(found)}). A new cluster starts empty and does not reuse them: ` +
            'choose another folder, or delete these files to discard that cluster (its recording there can still be opened and checked).',
        );
      }
    }
    // A chosen folder may not exist yet: the recording and the nodes' files go into it.
    await mkdir(dataDir, { recursive: true });
    const ids = Array.from({ length: options.nodes }, (_, i) => i + 1);
    const cluster: Cluster = {
      options: { ...options, dataDir },
      dataDir,
      nodes: new Map(),
      initialVoters: ids,
      paused: options.startPaused ?? false,
      speed: options.pace?.speed ?? REAL_PACE.speed,
      networkMs: options.pace?.networkMs ?? REAL_PACE.networkMs,
      links: new LinkTable(),
      faultSeed: options.seed,
      maxId: options.nodes,
      leader: null,
      confWaiters: new Map(),
      heldWaiters: new Set(),
      statusRefresh: new Map(),
      started: Promise.resolve(),
    };
    this.cluster = cluster;
    this.checker = this.checkInvariants ? new InvariantChecker() : null;
    this.recordingProblem = null;
    this.startRecording(cluster, ids);
    this.router = new ClientRouter({
      leaderHint: () => this.leaderHint(),
      liveNodes: () => this.liveIds(),
      propose: (node, client, seq, op, timeoutMs) => this.propose(node, client, seq, op, timeoutMs),
      read: (node, id, key, lease, timeoutMs) => this.askRead(node, id, key, lease, timeoutMs),
      attemptMs: () => this.attemptMs(),
      paused: () => this.cluster?.paused ?? false,
      invoked: (opId, client, _seq, op, read) => {
        this.run?.invoke(opId, client, op, Date.now(), read);
        this.stream.emit(read === undefined ? { type: 'client-invoke', opId, client, op } : { type: 'client-invoke', opId, client, op, read });
      },
      completed: (opId, result) => {
        this.run?.complete(opId, result, Date.now());
        this.stream.emit({ type: 'client-complete', opId, result });
      },
      // A new cluster's state machines know no client yet.
      lastSeq: () => 0,
    }, wallClock);
    this.stream.emit({ type: 'cluster-created', options: cluster.options, nodes: ids });
    if (cluster.paused || cluster.speed !== 1 || cluster.networkMs !== 0) this.emitRunState(cluster);
    for (const id of ids) cluster.nodes.set(id, this.supervisor(id));
    const start = async (): Promise<void> => {
      const sups = await Promise.all(ids.map((id) => this.initNode(cluster, id, { kind: 'bootstrap', voters: ids })));
      const pairs: Promise<void>[] = [];
      for (const a of sups) for (const b of sups) if (a.id < b.id) pairs.push(this.connectPair(a, b));
      await Promise.all(pairs);
      await Promise.all(sups.map((sup) => this.finishStart(cluster, sup)));
    };
    const started = start();
    cluster.started = started.catch(() => undefined);
    try {
      await started;
    } catch (e) {
      await this.destroyNow();
      throw e;
    }
    return this.snapshot();
  }

  /** Waits for a lifecycle operation in progress (a create too), then stops every node. */
  async destroyCluster(): Promise<void> {
    return this.lifecycleStep(() => this.destroyNow());
  }

  /**
   * Runs lifecycle operations one at a time, in call order. Why: each checks the lab's state and
   * then awaits; interleaved, two creates both started clusters and a restart could start a
   * node after a destroy had stopped them all, leaving processes no cluster knew of.
   */
  private lifecycleStep<T>(run: () => Promise<T>): Promise<T> {
    const next = this.lifecycle.then(run);
    this.lifecycle = next.then(() => undefined, () => undefined);
    return next;
  }

  private async destroyNow(): Promise<void> {
    const cluster = this.cluster;
    if (cluster === null) return;
    this.router?.stop();
    await Promise.all([...cluster.nodes.values()].map((sup) => this.shutdownNode(sup)));
    for (const t of cluster.statusRefresh.values()) clearTimeout(t);
    for (const w of cluster.heldWaiters) w.resolve();
    await this.stopRecording();
    this.cluster = null;
    this.router = null;
    this.stream.flush();
  }

  /**
   * The run's recording as it stands: the current cluster's so far, or the last destroyed one's;
   * null if recording is off or nothing ran yet. A run still being recorded is read only as far
   * as the records flushed here (the file grows meanwhile, and its last line may be half
   * written); readers close it with an end record.
   */
  private async recordingSource(): Promise<RecordingSource | null> {
    const path = this.recordFile;
    if (path === null) return null;
    // Every record taken before this flush is in the file once it is done.
    const records = this.run?.size ?? null;
    await this.recordBuffer?.flush();
    return { path, records, allowIncomplete: true };
  }

  /**
   * The whole recording in memory, complete with an end record (null as recordingSource). For
   * tests and small runs only: exports and the whole-run search stream the file instead.
   */
  async recording(): Promise<Recording | null> {
    const source = await this.recordingSource();
    return source === null ? null : loadSource(source);
  }

  /**
   * The current (or last destroyed) run as one file in `format`, written into the export store
   * as it is produced. Node databases come from the running nodes themselves or from the files
   * of stopped ones, never from live files.
   */
  async exportRun(format: ExportFormat): Promise<ExportedFile> {
    const source = await this.recordingSource();
    if (source === null) {
      throw new Error(this.recordRuns ? 'nothing to export: no cluster has run yet' : 'nothing to export: this lab does not record its runs');
    }
    const cluster = this.cluster;
    const ids = new Set<NodeId>((await readSourceHeader(source)).cluster.nodes);
    for (const id of cluster?.nodes.keys() ?? []) ids.add(id);
    const databaseSource = (node: NodeId): DatabaseSource => {
      const sup = cluster?.nodes.get(node);
      if (sup === undefined || !sup.running) return { kind: 'files', write: (copyDir, path) => this.exportFilesInProcess(node, copyDir, path) };
      if (sup.life === 'starting') return { kind: 'busy', why: 'it is starting' };
      return { kind: 'live', write: async (path) => void (await sup.request({ type: 'export-db', path }, Math.max(this.requestTimeoutMs, 60_000))) };
    };
    return exportRunFile({
      source, recordingPath: source.path, dataDir: dirname(source.path), nodes: [...ids].sort((a, b) => a - b), databaseSource, store: this.exports,
    }, format);
  }

  /** Every record of the current (or last) run's recording that matches `query`, read from its file. */
  async searchRun(query: string, limit: number = RUN_SEARCH_LIMIT): Promise<RunSearch> {
    const source = await this.recordingSource();
    if (source === null) {
      throw new Error(this.recordRuns ? 'nothing to search: no cluster has run yet' : 'nothing to search: this lab does not record its runs');
    }
    return searchRecording(source, query, limit);
  }

  /**
   * A stopped node's database: a short-lived node process (never initialised as a node) opens the
   * scratch copy of its files and writes a complete SQLite file, then is killed. Main itself never
   * opens node storage.
   */
  private async exportFilesInProcess(node: NodeId, copyDir: string, path: string): Promise<void> {
    const proc = this.host.spawn(node);
    const timeoutMs = Math.max(this.requestTimeoutMs, 60_000);
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        proc.onMessage((raw) => {
          const parsed = parseNodeEvent(raw);
          if (!parsed.ok || parsed.value.type !== 'reply' || parsed.value.req !== 1) return;
          clearTimeout(timer);
          if (parsed.value.ok) resolve();
          else reject(new Error(parsed.value.error));
        });
        proc.onExit((exit) => {
          clearTimeout(timer);
          reject(new Error(`the export process ended (${exit.reason}${exit.reason === 'crashed' ? `: ${exit.detail}` : ''})`));
        });
        proc.send({ type: 'export-files', req: 1, node, dataDir: copyDir, path });
      });
    } finally {
      if (!proc.exited) await proc.kill();
    }
  }

  /** The file the current (or last) cluster's recording streams to, or null when not recording. */
  get recordingPath(): string | null {
    return this.recordFile;
  }

  /**
   * Streams the run's recording to a new file in the data folder (never an existing one), in
   * batches: at most every 250 ms or 2,000 records. The file is gzip (JSON Lines compress about
   * 15x), sync-flushed at each batch so that what was written reads back during the run and
   * after a kill (as a stream cut short: an incomplete recording).
   */
  private startRecording(cluster: Cluster, ids: readonly NodeId[]): void {
    this.recordFile = null;
    if (!this.recordRuns) return;
    const createdAtMs = Date.now();
    const file = join(cluster.dataDir, `recording-${createdAtMs}.jsonl.gz`);
    const gzip = new GzipAppender(file);
    const buffer = new LineBuffer((chunk) => gzip.append(chunk));
    this.recordFile = file;
    this.recordBuffer = buffer;
    this.recordGzip = gzip;
    this.run = new RunRecorder({
      source: 'lab', createdAtMs, nodes: ids, seed: cluster.options.seed, keep: false,
      settings: JSON.parse(JSON.stringify(cluster.options)) as Record<string, JsonValue>,
      onLine: (line) => buffer.push(line),
    });
    this.recordTimer = setInterval(() => {
      buffer.flush().catch((e: unknown) => {
        this.recordingProblem ??= `writing ${file}: ${e instanceof Error ? e.message : String(e)}`;
      });
    }, 250);
  }

  private async stopRecording(): Promise<void> {
    if (this.recordTimer !== null) clearInterval(this.recordTimer);
    this.recordTimer = null;
    this.run?.finish(Date.now());
    this.run = null;
    const gzip = this.recordGzip;
    this.recordGzip = null;
    try {
      await this.recordBuffer?.flush();
      // Ends the gzip stream (final block and checksum): the file is then a complete gzip file.
      await gzip?.close();
    } catch (e) {
      this.recordingProblem ??= `writing ${this.recordFile}: ${e instanceof Error ? e.message : String(e)}`;
      await gzip?.close().catch(() => undefined);
    }
  }

  async snapshot(): Promise<ClusterSnapshot> {
    const cluster = this.need();
    await Promise.all(
      [...cluster.nodes.values()].filter((s) => s.running && s.life !== 'starting').map(async (sup) => {
        try {
          await this.refreshStatus(sup);
        } catch {
          // The node died meanwhile; its view says so.
        }
      }),
    );
    return this.snapshotNow(cluster);
  }

  /** The current view without asking the nodes (statuses as last reported). */
  snapshotNow(cluster: Cluster = this.need()): ClusterSnapshot {
    const nodes: NodeView[] = [...cluster.nodes.values()]
      .sort((a, b) => a.id - b.id)
      .map((s) => ({ id: s.id, life: s.life, status: s.running ? s.status : null, exit: s.exit }));
    return {
      options: cluster.options,
      dataDir: cluster.dataDir,
      nodes,
      paused: cluster.paused,
      speed: cluster.speed,
      networkMs: cluster.networkMs,
      pending: this.allPending(cluster),
      links: cluster.links.faulty(),
      violations: this.checker?.violations ?? [],
      seq: this.stream.seq,
    };
  }

  onEvents(listener: (events: readonly LabEvent[]) => void): () => void {
    return this.stream.subscribe(listener);
  }

  // ---------------------------------------------------------------------------------------------
  // Node lifecycle

  async crashNode(node: NodeId): Promise<void> {
    const sup = this.node(node);
    if (!sup.running || sup.proc === null) throw notUp('crashNode', node, sup.life);
    await sup.proc.kill();
  }

  async restartNode(node: NodeId): Promise<void> {
    return this.lifecycleStep(async () => {
      const cluster = this.need();
      const sup = this.node(node);
      if (sup.running) throw alreadyUp(node);
      const start: NodeInit['start'] = cluster.initialVoters.includes(node) ? { kind: 'bootstrap', voters: cluster.initialVoters } : { kind: 'join' };
      await this.startNode(cluster, node, start);
    });
  }

  /**
   * Gives up the files of a node whose storage was refused at start and brings it back empty.
   * The leader still believes the node holds what it acknowledged (a rejection below that is
   * ignored as stale), so it is not simply restarted: it is removed from the configuration,
   * started empty, and added back in its old role, which gives it a fresh progress at the
   * leader; it then catches up like a new member.
   */
  async discardNodeData(node: NodeId): Promise<void> {
    const { cluster, role } = await this.lifecycleStep(async () => {
      const cluster = this.need();
      const sup = this.node(node);
      if (sup.running) throw new Error(`discardNodeData: node ${node} is running (it is ${sup.life}); only a node whose storage was refused can have its data discarded`);
      if (sup.exit?.reason !== 'refused-to-start') {
        throw new Error(`discardNodeData: node ${node} did not refuse to start (it ${sup.exit === null ? 'never stopped' : `stopped: ${sup.exit.reason}`}); its data is kept, restart it instead`);
      }
      if (cluster.paused) throw new Error('discardNodeData: resume the cluster first (the node is removed and added back, which needs the cluster running)');
      const leader = this.leaderHint();
      const conf = leader === null ? null : (cluster.nodes.get(leader)?.status?.conf ?? null);
      if (conf === null) throw new Error('discardNodeData: no leader is known; the node is removed and added back through the leader');
      const role = conf.voters.includes(node) ? 'voter' : conf.learners.includes(node) ? 'learner' : null;
      await discardNodeFiles(cluster.dataDir, node);
      this.observe((seq) => this.checker?.observe({ type: 'discard', seq, node }));
      return { cluster, role };
    });
    if (role !== null) {
      const removed = await this.changeMembership({ type: 'remove', node });
      if (!removed.ok) throw new Error(`discardNodeData: node ${node}'s files are deleted, but removing it from the configuration failed: ${removed.detail}`);
    }
    await this.lifecycleStep(() => this.startNode(cluster, node, { kind: 'join' }));
    if (role !== null) {
      const added = await this.changeMembership({ type: role === 'voter' ? 'add-voter' : 'add-learner', node });
      if (!added.ok) throw new Error(`discardNodeData: node ${node} started empty, but adding it back as a ${role} failed: ${added.detail}`);
    }
  }

  async stopNode(node: NodeId): Promise<void> {
    const sup = this.node(node);
    if (!sup.running) throw notUp('stopNode', node, sup.life);
    await this.shutdownNode(sup);
  }

  async setNodePaused(node: NodeId, paused: boolean): Promise<void> {
    const cluster = this.need();
    const sup = this.node(node);
    if (!sup.running) throw notUp('setNodePaused', node, sup.life);
    sup.selfPaused = paused;
    // A starting node takes its run state when it runs (finishStart).
    if (!sup.takesRunState) return;
    await this.sendRunState(cluster, sup);
    this.setLife(sup, paused || cluster.paused ? 'paused' : 'running');
  }

  // ---------------------------------------------------------------------------------------------
  // Membership

  /** Starts a node and makes it a member through the lab's one procedure (shared/cluster/membership.ts). */
  async addNode(options: { readonly learner: boolean }): Promise<NodeId> {
    const cluster = this.need();
    const start = (): Promise<NodeId> => this.lifecycleStep(async () => {
      const cluster = this.need();
      if (cluster.nodes.size >= MAX_NODES) throw new Error(`addNode: the lab runs at most ${MAX_NODES} nodes`);
      const added = ++cluster.maxId;
      cluster.nodes.set(added, this.supervisor(added));
      await this.startNode(cluster, added, { kind: 'join' });
      return added;
    });
    return addNode(this.membership(cluster), options.learner, start, this.changeDeadlineMs(cluster));
  }

  async changeMembership(change: ConfChange): Promise<MembershipResult> {
    const cluster = this.need();
    return changeMembership(this.membership(cluster), change, this.changeDeadlineMs(cluster));
  }

  /** The membership procedure's view of this cluster: node processes and the wall clock. */
  private membership(cluster: Cluster): MembershipPort {
    return {
      hasNode: (node) => cluster.nodes.has(node),
      leaderHint: () => this.leaderHint(),
      proposeAt: async (node, change) => {
        const body = await this.node(node).request({ type: 'conf-change', change }, this.requestTimeoutMs);
        if (body.kind !== 'proposed') throw new Error(`conf-change: unexpected reply ${body.kind}`);
        return proposeResultOf(node, body.result);
      },
      paused: () => cluster.paused,
      now: () => Date.now(),
      waitApplied: (index, term, ms) => this.waitConfApplied(cluster, index, term, ms),
      sleep,
      stopRemoved: async (node) => {
        const sup = cluster.nodes.get(node);
        if (sup?.running) await this.shutdownNode(sup);
      },
    };
  }

  /** A membership change's deadline: the shared rule, with the election timeout in real ms at this speed. */
  private changeDeadlineMs(cluster: Cluster): number {
    return changeDeadlineMs((cluster.options.electionTicks * cluster.options.tickMs) / cluster.speed);
  }

  async transferLeadership(to: NodeId): Promise<void> {
    this.node(to);
    const leader = this.leaderHint();
    if (leader === null) throw new Error('transferLeadership: no leader known');
    await this.node(leader).request({ type: 'transfer', to }, this.requestTimeoutMs);
  }

  // ---------------------------------------------------------------------------------------------
  // Time and step mode

  async setPaused(paused: boolean): Promise<void> {
    const cluster = this.need();
    cluster.paused = paused;
    // Nodes still starting take the run state as soon as they run (finishStart).
    await Promise.all(
      this.runState(cluster).map(async (sup) => {
        await this.sendRunState(cluster, sup);
        this.setLife(sup, paused || sup.selfPaused ? 'paused' : 'running');
      }),
    );
    if (paused) {
      // Every node holds arrivals now: messages still on their way land, to be stepped.
      await Promise.all(this.runState(cluster).map(async (sup) => {
        const body = await sup.request({ type: 'land' }, this.requestTimeoutMs).catch(() => null);
        if (body !== null) await this.settle(cluster, body);
      }));
      await Promise.all(this.runState(cluster).map((sup) => this.refreshStatus(sup).catch(() => undefined)));
      // A change still awaited now applies only as the person steps: it is answered as proposed.
      for (const waiter of [...cluster.confWaiters.values()]) waiter(false);
    }
    this.emitRunState(cluster);
    this.emitPending(cluster);
  }

  setSpeed(speed: number): Promise<void> {
    return this.setPace({ speed, networkMs: this.need().networkMs });
  }

  /** Speed and network time at once: every node rescales its timer and its messages on the way. */
  async setPace(pace: Pace): Promise<void> {
    checkPace(pace);
    const { speed, networkMs } = pace;
    const cluster = this.need();
    cluster.speed = speed;
    cluster.networkMs = networkMs;
    await Promise.all(this.runState(cluster).map((sup) => this.sendRunState(cluster, sup)));
    this.emitRunState(cluster);
  }

  /** The cluster's pause (or the node's own), speed and network time, to one node. */
  private async sendRunState(cluster: Cluster, sup: NodeSupervisor): Promise<void> {
    await sup.request({ type: 'set-run', paused: cluster.paused || sup.selfPaused, speed: cluster.speed, networkMs: cluster.networkMs }, this.requestTimeoutMs);
  }

  private emitRunState(cluster: Cluster): void {
    this.stream.emit({ type: 'run-state', paused: cluster.paused, speed: cluster.speed, networkMs: cluster.networkMs });
  }

  deliver(pendingId: string): Promise<void> {
    return this.step(async (cluster) => {
      const holder = this.holderOf(cluster, pendingId);
      if (pendingId.startsWith('t:')) {
        await this.fireAndSettle(cluster, holder);
        return;
      }
      const body = await this.node(holder).request({ type: 'deliver', msgId: pendingId }, this.requestTimeoutMs);
      await this.settle(cluster, body);
    });
  }

  drop(pendingId: string): Promise<void> {
    return this.step(async (cluster) => {
      const holder = this.holderOf(cluster, pendingId);
      if (pendingId.startsWith('t:')) throw new Error(`drop: ${pendingId} is a timeout; only messages can be dropped`);
      await this.node(holder).request({ type: 'drop', msgId: pendingId }, this.requestTimeoutMs);
      await this.refreshStatus(this.node(holder));
    });
  }

  fireTimeout(node: NodeId): Promise<void> {
    return this.step((cluster) => this.fireAndSettle(cluster, node));
  }

  tickOnce(ticks = 1): Promise<void> {
    try {
      checkTicks(ticks);
    } catch (e) {
      return Promise.reject(e instanceof Error ? e : new Error(String(e)));
    }
    return this.step(async (cluster) => {
      if (!cluster.paused) throw new Error('tickOnce: pause the cluster first');
      for (let t = 0; t < ticks && cluster.paused; t++) {
        // One node after the other, in id order, so a tick is the same every time.
        for (const sup of this.runState(cluster).sort((a, b) => a.id - b.id)) {
          const body = await sup.request({ type: 'tick-once' }, this.requestTimeoutMs);
          await this.settle(cluster, body);
        }
      }
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Faults

  async setLinkFault(link: DirectedLink, fault: Partial<LinkFault>): Promise<void> {
    const cluster = this.need();
    cluster.links.set(link, fault, [...cluster.nodes.keys()]);
    await this.pushFaults(cluster, [link.from]);
  }

  async partition(partition: NamedPartition): Promise<void> {
    const cluster = this.need();
    const members = [...cluster.nodes.keys()];
    const leader = partition.kind === 'isolate-leader' ? this.leaderHint() : null;
    const changed = cluster.links.partition(members, partition, leader);
    await this.pushFaults(cluster, [...new Set(changed.map((l) => l.from))]);
  }

  // ---------------------------------------------------------------------------------------------
  // Clients

  submit(op: KvOp, options?: SubmitOptions): Promise<KvResult> {
    const router = this.router;
    if (router === null) return Promise.reject(new Error('submit: no cluster'));
    if (options?.node !== undefined && !this.need().nodes.has(options.node)) return Promise.reject(notInLab(options.node, this.need().nodes.keys(), 'submit'));
    return router.submit(op, options);
  }

  async readLog(node: NodeId, lo: number, hi: number): Promise<LogRange> {
    const problem = logRangeProblem(lo, hi);
    if (problem !== null) throw new Error(`readLog: ${problem}`);
    const sup = this.node(node);
    if (!sup.running || sup.life === 'starting') throw new Error(`readLog: node ${node} is ${sup.life}, so its log cannot be read until it runs again`);
    const body = await sup.request({ type: 'read-log', lo, hi }, this.requestTimeoutMs);
    if (body.kind !== 'log') throw new Error(`readLog: unexpected reply ${body.kind}`);
    return { node, entries: body.entries, firstIndex: body.firstIndex, lastIndex: body.lastIndex, commit: body.commit };
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: processes

  private supervisor(id: NodeId): NodeSupervisor {
    return new NodeSupervisor(id, {
      event: (sup, event) => this.onNodeEvent(sup, event),
      exit: (sup, exit) => this.onNodeExit(sup, exit),
      invalid: (sup, error) => {
        sup.lastError = error;
      },
    });
  }

  /** Starts one node of a running cluster and links it to every running peer. */
  private startNode(cluster: Cluster, id: NodeId, start: NodeInit['start']): Promise<void> {
    // One start at a time, so two nodes starting together still end up linked to each other.
    const next = this.startChain.then(async () => {
      const sup = await this.initNode(cluster, id, start);
      const peers = this.running(cluster).filter((p) => p.id !== id && p.life !== 'starting');
      await Promise.all(peers.map((peer) => this.connectPair(sup, peer)));
      await this.finishStart(cluster, sup);
    });
    this.startChain = next.catch(() => undefined);
    return next;
  }

  /** Spawns the node's process and initialises it from its files (or fresh, as `start` says). */
  private async initNode(cluster: Cluster, id: NodeId, start: NodeInit['start']): Promise<NodeSupervisor> {
    const sup = cluster.nodes.get(id);
    if (sup === undefined) throw new Error(`node ${id} is not in the lab`);
    sup.spawn(this.host);
    this.setLife(sup, 'starting');
    const init: NodeInit = {
      id,
      incarnation: sup.incarnation,
      dataDir: cluster.dataDir,
      start,
      seed: cluster.options.seed,
      tickMs: cluster.options.tickMs,
      speed: cluster.speed,
      // Paused until linked to its peers and given the cluster's run state (finishStart).
      paused: true,
      heartbeatTicks: cluster.options.heartbeatTicks,
      electionTicks: cluster.options.electionTicks,
      preVote: cluster.options.preVote,
      checkQuorum: cluster.options.checkQuorum,
      snapshotEvery: cluster.options.snapshotEvery,
      traceMessages: this.traceMessages,
      reportReadies: this.checkInvariants,
      record: this.run === null ? null : (this.run.cursorOf(id) ?? { seq: 0, lamport: 0 }),
    };
    try {
      await sup.request({ type: 'init', version: 1, init }, Math.max(this.requestTimeoutMs, 30_000));
    } catch (e) {
      const detail = e instanceof NodeRequestError ? e.detail : e instanceof Error ? e.message : String(e);
      await sup.proc?.kill();
      sup.exit = { reason: 'refused-to-start', detail };
      sup.life = 'crashed';
      this.stream.emit({ type: 'node-life', node: id, life: 'crashed', exit: sup.exit });
      throw new Error(`node ${id} refused to start: ${detail}`);
    }
    return sup;
  }

  /** One channel between two nodes; each end goes to its node (peer traffic skips main). */
  private async connectPair(a: NodeSupervisor, b: NodeSupervisor): Promise<void> {
    if (a.proc === null || b.proc === null) return;
    const aReq = a.nextReq();
    const bReq = b.nextReq();
    const replies = Promise.all([a.expect(aReq, 'peer-connect', this.requestTimeoutMs), b.expect(bReq, 'peer-connect', this.requestTimeoutMs)]);
    this.host.connect(a.proc, aReq, b.proc, bReq);
    await replies;
  }

  /**
   * A started, linked node takes the cluster's run state: it was initialised paused, so nothing
   * happens before Pause, Speed or a step chosen during start-up applies. From here on every
   * run-state change is sent to it too, in order, so the last one sent is the one in force.
   */
  private async finishStart(cluster: Cluster, sup: NodeSupervisor): Promise<void> {
    await this.pushFaults(cluster, [sup.id]);
    sup.takesRunState = true;
    await this.sendRunState(cluster, sup);
    this.setLife(sup, cluster.paused || sup.selfPaused ? 'paused' : 'running');
    this.emitPending(cluster);
  }

  private async shutdownNode(sup: NodeSupervisor): Promise<void> {
    if (!sup.running || sup.proc === null) return;
    const proc = sup.proc;
    try {
      await sup.request({ type: 'shutdown' }, 5000);
      await new Promise<void>((resolve) => {
        proc.onExit(() => resolve());
        setTimeout(resolve, 2000);
      });
    } catch {
      // Would not stop cleanly: stop it hard.
    }
    if (!proc.exited) await proc.kill();
  }

  private onNodeExit(sup: NodeSupervisor, exit: ProcessExit): void {
    const cluster = this.cluster;
    this.run?.crashed(sup.id, exit.reason === 'clean-exit' ? 'stopped' : exit.reason === 'killed' ? 'killed' : 'crashed', Date.now());
    if (exit.reason === 'clean-exit') {
      sup.exit = { reason: 'clean-exit' };
      this.setLife(sup, 'stopped');
    } else if (exit.reason === 'killed') {
      sup.exit = { reason: 'killed' };
      this.setLife(sup, 'crashed');
    } else {
      sup.exit = { reason: 'crashed', detail: sup.lastError ?? exit.detail };
      this.setLife(sup, 'crashed');
    }
    if (exit.reason !== 'clean-exit') this.observe((seq) => this.checker?.observe({ type: 'crash', seq, node: sup.id }));
    this.router?.onLeaderLost(sup.id);
    if (cluster === null) return;
    if (cluster.leader?.node === sup.id) cluster.leader = null;
    sup.pending = [];
    this.emitPending(cluster);
    this.checkHeldWaiters(cluster);
  }

  private onNodeEvent(sup: NodeSupervisor, event: NodeEvent): void {
    const cluster = this.cluster;
    if (cluster === null) return;
    switch (event.type) {
      case 'started':
        sup.status = event.status;
        if (event.persisted !== null) {
          const persisted = event.persisted;
          this.observe((seq) => this.checker?.observe({ type: 'restart', seq, node: sup.id, persisted }));
        }
        return;
      case 'ready':
        for (const s of event.summaries) {
          this.noteRole(cluster, sup, s.softState.role, s.softState.leader, s.hardState?.term ?? sup.status?.term ?? 0);
          if (s.ready !== null) {
            const ready = s.ready;
            this.observe((seq) => this.checker?.observeHandledReady(seq, sup.id, ready));
          }
          if (s.committedTo > s.committedFrom) {
            this.stream.emit({ type: 'entries-applied', node: sup.id, from: s.committedFrom, to: s.committedTo - 1 });
          }
        }
        this.scheduleStatus(cluster, sup);
        return;
      case 'applied':
        this.router?.onApplied(event.results);
        return;
      case 'read-served':
        this.router?.onReadServed(sup.id, event.reads);
        return;
      case 'compacted':
        this.observe((seq) => this.checker?.observe({ type: 'compacted', seq, node: sup.id, index: event.index }));
        return;
      case 'conf-applied': {
        const waiter = cluster.confWaiters.get(`${event.index}:${event.term}`);
        waiter?.(true);
        return;
      }
      case 'pending':
        sup.pending = event.items;
        this.emitPending(cluster);
        this.checkHeldWaiters(cluster);
        return;
      case 'trace':
        for (const t of event.traces) {
          if (t.kind === 'sent') this.stream.emit({ type: 'message-sent', atMs: event.atMs, msgId: t.msgId, message: t.message });
          else if (t.kind === 'delivered') this.stream.emit({ type: 'message-delivered', atMs: event.atMs, msgId: t.msgId, message: t.message });
          else this.stream.emit({ type: 'message-dropped', atMs: event.atMs, msgId: t.msgId, message: t.message, why: t.why });
        }
        return;
      case 'records': {
        const problem = this.run?.fromNode(sup.id, event.records) ?? null;
        this.recordingProblem ??= problem;
        return;
      }
      case 'loop-stall':
        this.maxLoopStallMs = Math.max(this.maxLoopStallMs, event.maxBlockedMs);
        return;
      case 'error':
        sup.lastError = event.detail;
        return;
    }
  }

  /** Runs a checker observation under a fresh event seq and publishes what it found. */
  private observe(run: (seq: number) => readonly Violation[] | undefined): void {
    if (this.checker === null) return;
    const found = run(this.stream.seq + 1) ?? [];
    for (const violation of found) this.stream.emit({ type: 'violation', violation });
  }

  private noteRole(cluster: Cluster, sup: NodeSupervisor, role: Role, leader: NodeId, term: number): void {
    const before = sup.status;
    if (before === null || before.role !== role || before.term !== term) {
      if (before === null || before.role !== role) this.stream.emit({ type: 'role-change', node: sup.id, role, term });
      if (before?.role === 'leader' && role !== 'leader') this.router?.onLeaderLost(sup.id);
      if (before !== null) sup.status = { ...before, role, term, leader };
    }
    const known = cluster.leader;
    if (role === 'leader' && (cluster.leader === null || term >= cluster.leader.term)) cluster.leader = { node: sup.id, term };
    else if (leader !== 0 && (cluster.leader === null || term > cluster.leader.term)) cluster.leader = { node: leader, term };
    else if (cluster.leader?.node === sup.id && role !== 'leader') cluster.leader = null;
    if (cluster.leader !== null && (known === null || known.node !== cluster.leader.node)) this.router?.onLeaderKnown();
  }

  /** Asks a node for its status soon (at most every 100 ms per node), for the UI. */
  private scheduleStatus(cluster: Cluster, sup: NodeSupervisor): void {
    if (cluster.statusRefresh.has(sup.id)) return;
    cluster.statusRefresh.set(
      sup.id,
      setTimeout(() => {
        cluster.statusRefresh.delete(sup.id);
        if (this.cluster === cluster && sup.running) this.refreshStatus(sup).catch(() => undefined);
      }, 100),
    );
  }

  private async refreshStatus(sup: NodeSupervisor): Promise<NodeStatus> {
    const body = await sup.request({ type: 'status' }, this.requestTimeoutMs);
    if (body.kind !== 'status') throw new Error(`status: unexpected reply ${body.kind}`);
    sup.status = body.status;
    sup.pending = body.pending;
    this.stream.emit({ type: 'node-status', status: body.status });
    const cluster = this.cluster;
    if (cluster !== null) this.noteRole(cluster, sup, body.status.role, body.status.leader, body.status.term);
    return body.status;
  }

  private setLife(sup: NodeSupervisor, life: NodeView['life']): void {
    if (sup.life === life && life !== 'starting') return;
    sup.life = life;
    this.stream.emit({ type: 'node-life', node: sup.id, life, exit: sup.exit });
  }

  private async propose(node: NodeId, client: string, seq: number, op: KvOp, timeoutMs: number): Promise<ProposeReply> {
    const sup = this.node(node);
    const body = await sup.request({ type: 'propose', client, seq, op }, timeoutMs);
    if (body.kind !== 'proposed') throw new Error(`propose: unexpected reply ${body.kind}`);
    return body.result;
  }

  private async askRead(node: NodeId, id: string, key: string, lease: boolean, timeoutMs: number): Promise<ReadAskReply> {
    const body = await this.node(node).request({ type: 'read-index', id, key, lease }, timeoutMs);
    if (body.kind !== 'read-asked') throw new Error(`read: unexpected reply ${body.kind}`);
    return body.result;
  }

  private waitConfApplied(cluster: Cluster, index: number, term: number, timeoutMs: number): Promise<boolean> {
    return new Promise((resolve) => {
      const key = `${index}:${term}`;
      const timer = setTimeout(() => {
        cluster.confWaiters.delete(key);
        resolve(false);
      }, Math.max(0, timeoutMs));
      cluster.confWaiters.set(key, (applied) => {
        clearTimeout(timer);
        cluster.confWaiters.delete(key);
        resolve(applied);
      });
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: step mode

  /** Runs a step command after the previous one, and once the cluster's first nodes run. */
  private step(run: (cluster: Cluster) => Promise<void>): Promise<void> {
    const cluster = this.need();
    const next = this.stepChain.then(() => cluster.started).then(() => {
      if (this.cluster !== cluster) throw new Error('the cluster was destroyed');
      return run(cluster);
    });
    this.stepChain = next.catch(() => undefined);
    return next;
  }

  private holderOf(cluster: Cluster, pendingId: string): NodeId {
    const holder = pendingHolder(pendingId);
    if (holder === null) throw new Error(`no pending item ${JSON.stringify(pendingId)}: not a pending id`);
    const sup = cluster.nodes.get(holder);
    if (sup === undefined || !sup.running) throw new Error(`pending item ${pendingId}: node ${holder} is not running`);
    return holder;
  }

  private async fireAndSettle(cluster: Cluster, node: NodeId): Promise<void> {
    const sup = this.node(node);
    if (!sup.running) throw notUp('fireTimeout', node, sup.life);
    const body = await sup.request({ type: 'fire-timeout' }, this.requestTimeoutMs);
    await this.settle(cluster, body);
  }

  /**
   * After a step command: wait until every message it sent is held at its receiver (or the
   * receiver is gone), then refresh the statuses, so the next step sees exactly its effects.
   */
  private async settle(cluster: Cluster, body: ReplyBody): Promise<void> {
    const sent = body.kind === 'ack' || body.kind === 'proposed' ? body.sent : [];
    if (cluster.paused && sent.length > 0) {
      await new Promise<void>((resolve) => {
        const waiter = { ids: new Set(sent), resolve };
        const timer = setTimeout(() => {
          cluster.heldWaiters.delete(waiter);
          resolve();
        }, this.stepSettleMs);
        const done = waiter.resolve;
        waiter.resolve = () => {
          clearTimeout(timer);
          done();
        };
        cluster.heldWaiters.add(waiter);
        this.checkHeldWaiters(cluster);
      });
    }
    await Promise.all(this.runState(cluster).map((sup) => this.refreshStatus(sup).catch(() => undefined)));
    this.emitPending(cluster);
  }

  private checkHeldWaiters(cluster: Cluster): void {
    if (cluster.heldWaiters.size === 0) return;
    const held = new Set<string>();
    for (const sup of cluster.nodes.values()) for (const item of sup.pending) if (item.kind === 'message') held.add(item.id);
    for (const waiter of cluster.heldWaiters) {
      for (const id of waiter.ids) {
        const receiver = pendingHolder(id);
        const alive = receiver !== null && cluster.nodes.get(receiver)?.running === true;
        if (held.has(id) || !alive) waiter.ids.delete(id);
      }
      if (waiter.ids.size === 0) {
        cluster.heldWaiters.delete(waiter);
        waiter.resolve();
      }
    }
  }

  /** What the running nodes hold (a starting node's inbox is not steppable yet). */
  private allPending(cluster: Cluster): PendingItem[] {
    return [...cluster.nodes.values()].sort((a, b) => a.id - b.id).flatMap((s) => (s.running && s.takesRunState ? [...s.pending] : []));
  }

  private emitPending(cluster: Cluster): void {
    if (!cluster.paused && this.allPending(cluster).length === 0) return;
    this.stream.emit({ type: 'pending', items: this.allPending(cluster) });
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: faults

  /** Sends each listed node its complete outgoing fault table. */
  private async pushFaults(cluster: Cluster, senders: readonly NodeId[]): Promise<void> {
    const members = [...cluster.nodes.keys()];
    await Promise.all(
      senders.map(async (from) => {
        const sup = cluster.nodes.get(from);
        if (sup === undefined || !sup.running) return;
        const links = members.filter((to) => to !== from).map((to) => ({ to, fault: cluster.links.get(from, to) }));
        await sup.request({ type: 'set-link-faults', links, seed: ++cluster.faultSeed }, this.requestTimeoutMs);
      }),
    );
    this.stream.emit({ type: 'faults', links: cluster.links.faulty() });
  }

  // ---------------------------------------------------------------------------------------------
  // Internals: lookups

  private need(): Cluster {
    if (this.cluster === null) throw new Error('no cluster: call createCluster first');
    return this.cluster;
  }

  private node(id: NodeId): NodeSupervisor {
    const sup = this.need().nodes.get(id);
    if (sup === undefined) throw notInLab(id, this.need().nodes.keys());
    return sup;
  }

  private running(cluster: Cluster): NodeSupervisor[] {
    return [...cluster.nodes.values()].filter((s) => s.running);
  }

  /** Running nodes past start-up: those that follow the cluster's pause and speed. */
  private runState(cluster: Cluster): NodeSupervisor[] {
    return this.running(cluster).filter((s) => s.takesRunState);
  }

  private liveIds(): NodeId[] {
    const cluster = this.cluster;
    return cluster === null ? [] : this.running(cluster).filter((s) => s.life !== 'starting').map((s) => s.id);
  }

  private leaderHint(): NodeId | null {
    const cluster = this.cluster;
    if (cluster === null || cluster.leader === null) return null;
    const sup = cluster.nodes.get(cluster.leader.node);
    return sup !== undefined && sup.running ? cluster.leader.node : null;
  }

  /** How long a client attempt waits for its entry: a few election timeouts, in real time. */
  private attemptMs(): number {
    const cluster = this.cluster;
    if (cluster === null) return 1000;
    const electionMs = (cluster.options.electionTicks * cluster.options.tickMs) / cluster.speed;
    return Math.min(5000, Math.max(300, 3 * electionMs));
  }
}

/** Throws an error naming the first bad option. */
export function validateClusterOptions(o: ClusterOptions): void {
  const int = (name: string, v: number, lo: number, hi: number): void => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new Error(`createCluster: ${name} must be an integer in [${lo}, ${hi}], got ${v}`);
  };
  int('nodes', o.nodes, 1, MAX_NODES);
  if (!(o.tickMs >= TICK_MS_MIN && o.tickMs <= TICK_MS_MAX)) throw new Error(`createCluster: tickMs must be in [${TICK_MS_MIN}, ${TICK_MS_MAX}], got ${o.tickMs}`);
  int('heartbeatTicks', o.heartbeatTicks, HEARTBEAT_TICKS_MIN, HEARTBEAT_TICKS_MAX);
  int('electionTicks', o.electionTicks, ELECTION_TICKS_MIN, ELECTION_TICKS_MAX);
  if (o.heartbeatTicks >= o.electionTicks) {
    throw new Error(`createCluster: heartbeatTicks (${o.heartbeatTicks}) must be below electionTicks (${o.electionTicks})`);
  }
  int('snapshotEvery', o.snapshotEvery, 0, 1_000_000_000);
  int('seed', o.seed, -2_147_483_648, 4_294_967_295);
  if (o.dataDir !== undefined && o.dataDir.length === 0) throw new Error('createCluster: dataDir must be a folder path or omitted');
  if (o.pace !== undefined) checkPace(o.pace, 'createCluster: pace');
}

/** The core's shape of a node process's answer; a stopping node cannot be asked, like one that is down. */
function proposeResultOf(node: NodeId, r: ProposeReply): ProposeResult {
  if (r.ok) return r;
  switch (r.reason) {
    case 'stopping': throw new Error(`node ${node}: stopping${r.detail ? `: ${r.detail}` : ''}`);
    case 'invalid-conf-change': return { ok: false, refusal: { reason: r.reason, leader: r.leader, detail: r.detail } };
    default: return { ok: false, refusal: { reason: r.reason, leader: r.leader } };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
