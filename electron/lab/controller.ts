/**
 * The lab controller: the live lab's LabApi. It is a thin composition: the lab's one cluster
 * engine (shared/cluster/lab-engine.ts) over real node processes (process-substrate.ts), plus
 * what only the live lab has: creating a cluster in a data folder, recording the run to a file,
 * exporting and searching it, and discarding a node's refused files.
 */
import { mkdir, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { NodeId } from '../../shared/raft/types';
import {
  type ClusterOptions,
  type ClusterSnapshot,
  type ExportedFile,
  type ExportFormat,
  type LabApi,
  type LabEvent,
  REAL_PACE,
  RUN_SEARCH_LIMIT,
  type RunSearch,
} from '../../shared/protocol/lab';
import {
  ELECTION_TICKS_MAX, ELECTION_TICKS_MIN, HEARTBEAT_TICKS_MAX, HEARTBEAT_TICKS_MIN, MAX_NODES,
  TICK_MS_MAX, TICK_MS_MIN,
} from '../../shared/limits';
import { parseNodeEvent } from '../../shared/protocol/node-ipc';
import { InvariantChecker } from '../../shared/check/invariants';
import type { JsonValue, Recording } from '../../shared/record/format';
import { LineBuffer } from '../../shared/record/line-buffer';
import { RunRecorder } from '../../shared/record/write';
import type { ProcessHost } from '../host/process-host';
import { LabEngine } from '../../shared/cluster/lab-engine';
import { engineFeed } from '../../shared/record/engine-feed';
import { EngineLab } from '../../shared/cluster/engine-lab';
import { checkPace, isUp } from '../../shared/cluster/lab-checks';
import { liveEventStream, type EventStream } from './event-stream';
import { ProcessSubstrate } from './process-substrate';
import { ExportStore } from './export-store';
import { exportRunFile, type DatabaseSource } from './run-export';
import { loadSource, readSourceHeader, type RecordingSource } from './recording-source';
import { searchRecording } from './run-search';
import { GzipAppender } from './gzip-appender';
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

/** The running cluster: the engine over its node processes. */
interface Cluster {
  readonly dataDir: string;
  readonly engine: LabEngine;
  readonly substrate: ProcessSubstrate;
}

export class LabController extends EngineLab implements LabApi {
  private cluster: Cluster | null = null;
  private readonly stream: EventStream;
  private readonly traceMessages: boolean;
  private readonly checkInvariants: boolean;
  private readonly requestTimeoutMs: number;
  private readonly stepSettleMs: number;
  private readonly host: ProcessHost;
  /** Longest event-loop stall any node reported, in ms (for benchmarks). */
  maxLoopStallMs = 0;
  private readonly recordRuns: boolean;
  private readonly dataRoot: string | null;
  /** Serialises create and destroy: see lifecycleStep. */
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
  /** A problem writing the recording file (the recording is incomplete from there on). */
  private fileProblem: string | null = null;
  /** The engine of the current (or last) cluster, for the problems its nodes' records had. */
  private lastEngine: LabEngine | null = null;
  /** Exports written by exportRun, until the page saves them (the hosts hand them over). */
  readonly exports: ExportStore;

  constructor(options: LabControllerOptions) {
    super();
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

  /** The first problem with the current (or last) run's recording, or null. */
  get recordingProblem(): string | null {
    return this.fileProblem ?? this.lastEngine?.recordingProblem ?? null;
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
    const clusterOptions = { ...options, dataDir };
    const run = { paused: options.startPaused ?? false, speed: options.pace?.speed ?? REAL_PACE.speed, networkMs: options.pace?.networkMs ?? REAL_PACE.networkMs };
    this.fileProblem = null;
    this.startRecording(clusterOptions, dataDir, ids);
    const substrate = new ProcessSubstrate({
      host: this.host, options: clusterOptions, dataDir, nodes: ids, run,
      traceMessages: this.traceMessages, reportReadies: this.checkInvariants,
      requestTimeoutMs: this.requestTimeoutMs, stepSettleMs: this.stepSettleMs,
      recordCursor: (node) => (this.run === null ? null : (this.run.cursorOf(node) ?? { seq: 0, lamport: 0 })),
      loopStall: (ms) => {
        this.maxLoopStallMs = Math.max(this.maxLoopStallMs, ms);
      },
    });
    const engine = new LabEngine(substrate, {
      options: clusterOptions, dataDir, nodes: ids.map((id) => ({ id, life: 'stopped', exit: null })), initialVoters: ids, run,
      stream: this.stream, checker: this.checkInvariants ? new InvariantChecker() : null, recorder: this.run === null ? null : engineFeed(this.run),
      statusRefreshMs: 100,
    });
    this.cluster = { dataDir, engine, substrate };
    this.lastEngine = engine;
    this.stream.emit({ type: 'cluster-created', options: clusterOptions, nodes: ids });
    if (run.paused || run.speed !== 1 || run.networkMs !== 0) this.stream.emit({ type: 'run-state', ...run });
    try {
      await engine.startInitial({ kind: 'bootstrap', voters: ids });
    } catch (e) {
      await this.destroyNow();
      throw e;
    }
    return engine.snapshot();
  }

  /** Waits for a lifecycle operation in progress (a create too), then stops every node. */
  async destroyCluster(): Promise<void> {
    return this.lifecycleStep(() => this.destroyNow());
  }

  /**
   * Runs create and destroy one at a time, in call order. Why: each checks the lab's state and
   * then awaits; interleaved, two creates both started clusters. A destroy also waits for the
   * engine's own lifecycle operations (restart, add), so no node starts after it stopped them all.
   */
  private lifecycleStep<T>(run: () => Promise<T>): Promise<T> {
    const next = this.lifecycle.then(run);
    this.lifecycle = next.then(() => undefined, () => undefined);
    return next;
  }

  private async destroyNow(): Promise<void> {
    const cluster = this.cluster;
    if (cluster === null) return;
    const { engine } = cluster;
    await engine.lifecycleStep(() => engine.close()).catch(() => engine.close());
    await this.stopRecording();
    this.cluster = null;
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
    for (const id of cluster?.engine.ids() ?? []) ids.add(id);
    const databaseSource = (node: NodeId): DatabaseSource => {
      const life = cluster?.engine.ids().includes(node) ? cluster.engine.view(node).life : 'stopped';
      if (cluster === null || !isUp(life)) {
        return { kind: 'files', write: (copyDir, path) => this.exportFilesInProcess(node, copyDir, path) };
      }
      if (life === 'starting') return { kind: 'busy', why: 'it is starting' };
      return { kind: 'live', write: (path) => cluster.substrate.exportDatabase(node, path, Math.max(this.requestTimeoutMs, 60_000)) };
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
  private startRecording(options: ClusterOptions, dataDir: string, ids: readonly NodeId[]): void {
    this.recordFile = null;
    this.run = null;
    if (!this.recordRuns) return;
    const createdAtMs = Date.now();
    const file = join(dataDir, `recording-${createdAtMs}.jsonl.gz`);
    const gzip = new GzipAppender(file);
    const buffer = new LineBuffer((chunk) => gzip.append(chunk));
    this.recordFile = file;
    this.recordBuffer = buffer;
    this.recordGzip = gzip;
    this.run = new RunRecorder({
      source: 'lab', createdAtMs, nodes: ids, seed: options.seed, keep: false,
      settings: JSON.parse(JSON.stringify(options)) as Record<string, JsonValue>,
      onLine: (line) => buffer.push(line),
    });
    this.recordTimer = setInterval(() => {
      buffer.flush().catch((e: unknown) => {
        this.fileProblem ??= `writing ${file}: ${e instanceof Error ? e.message : String(e)}`;
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
      this.fileProblem ??= `writing ${this.recordFile}: ${e instanceof Error ? e.message : String(e)}`;
      await gzip?.close().catch(() => undefined);
    }
  }

  /** The current view without asking the nodes (statuses as last reported). */
  snapshotNow(): ClusterSnapshot {
    return this.engine().snapshotNow();
  }

  onEvents(listener: (events: readonly LabEvent[]) => void): () => void {
    return this.stream.subscribe(listener);
  }

  /**
   * Gives up the files of a node whose storage was refused at start and brings it back empty.
   * The leader still believes the node holds what it acknowledged (a rejection below that is
   * ignored as stale), so it is not simply restarted: it is removed from the configuration,
   * started empty, and added back in its old role, which gives it a fresh progress at the
   * leader; it then catches up like a new member.
   */
  async discardNodeData(node: NodeId): Promise<void> {
    const { dataDir, engine } = this.needCluster();
    const role = await engine.lifecycleStep(async () => {
      const view = engine.view(node);
      if (isUp(view.life)) {
        throw new Error(`discardNodeData: node ${node} is running (it is ${view.life}); only a node whose storage was refused can have its data discarded`);
      }
      if (view.exit?.reason !== 'refused-to-start') {
        throw new Error(`discardNodeData: node ${node} did not refuse to start (it ${view.exit === null ? 'never stopped' : `stopped: ${view.exit.reason}`}); its data is kept, restart it instead`);
      }
      if (engine.paused) throw new Error('discardNodeData: resume the cluster first (the node is removed and added back, which needs the cluster running)');
      const leader = engine.leaderHint();
      const conf = leader === null ? null : (engine.view(leader).status?.conf ?? null);
      if (conf === null) throw new Error('discardNodeData: no leader is known; the node is removed and added back through the leader');
      const role = conf.voters.includes(node) ? 'voter' : conf.learners.includes(node) ? 'learner' : null;
      await discardNodeFiles(dataDir, node);
      engine.observe({ type: 'discard', node });
      return role;
    });
    if (role !== null) {
      const removed = await engine.changeMembership({ type: 'remove', node });
      if (!removed.ok) throw new Error(`discardNodeData: node ${node}'s files are deleted, but removing it from the configuration failed: ${removed.detail}`);
    }
    await engine.lifecycleStep(() => engine.startNode(node, { kind: 'join' }));
    if (role !== null) {
      const added = await engine.changeMembership({ type: role === 'voter' ? 'add-voter' : 'add-learner', node });
      if (!added.ok) throw new Error(`discardNodeData: node ${node} started empty, but adding it back as a ${role} failed: ${added.detail}`);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Lookups

  private needCluster(): Cluster {
    if (this.cluster === null) throw new Error('no cluster: call createCluster first');
    return this.cluster;
  }

  protected engine(): LabEngine {
    return this.needCluster().engine;
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
