/**
 * Writing recordings as JSON Lines, and collecting one from a running cluster: RunRecorder is the
 * controller's side (the "merge"): it takes every node's records through `nodeSink`, the
 * client history through `invoke`/`complete`, and produces the file's lines in arrival order.
 * Per-node order is what matters to readers, and each node's records arrive in its own order.
 */
import type { KvOp, KvResult } from '../protocol/lab';
import type { NodeId } from '../raft/types';
import {
  RECORDING_FORMAT,
  RECORDING_VERSION,
  type AnyRecord,
  type BodyRecord,
  type HeaderRecord,
  type Located,
  type NodeRecord,
  type Recording,
} from './format';
import { STATUS_DIGEST } from './digest';
import { parseNodeRecord } from './read';
import type { RecordCursor, RecordSink } from './recorder';
import { RecordedTerms, withRestoreBase } from './restart-base';

export function encodeRecord(record: AnyRecord): string {
  return JSON.stringify(record);
}

/** The whole file text of a recording (with a trailing newline). */
export function encodeRecording(recording: Recording): string {
  const out = [encodeRecord(recording.header)];
  for (const r of recording.records) out.push(encodeRecord(r.record));
  if (recording.end) out.push(encodeRecord(recording.end));
  return out.join('\n') + '\n';
}

export interface RunRecorderOptions {
  readonly source: HeaderRecord['source'];
  readonly createdAtMs: number;
  readonly nodes: readonly NodeId[];
  readonly seed: number;
  readonly settings?: HeaderRecord['cluster']['settings'];
  /** Name of the state digest the nodes use (default: the status digest). */
  readonly digest?: string;
  /** Called with each encoded line as it is produced (to stream to a file). */
  readonly onLine?: (line: string) => void;
  /** Keep records in memory for finish() (default true). */
  readonly keep?: boolean;
}

export class RunRecorder {
  readonly header: HeaderRecord;
  private readonly records: Located<BodyRecord>[] = [];
  private count = 0;
  private readonly cursors = new Map<NodeId, RecordCursor>();
  /** Each node's log as its records built it (terms only), for restarts. */
  private readonly logs = new Map<NodeId, RecordedTerms>();
  /** Nodes whose last record is a crash. */
  private readonly down = new Set<NodeId>();
  private readonly onLine: ((line: string) => void) | undefined;
  private readonly keep: boolean;
  private finished: Recording | null = null;

  constructor(options: RunRecorderOptions) {
    this.header = {
      kind: 'header',
      format: RECORDING_FORMAT,
      version: RECORDING_VERSION,
      source: options.source,
      createdAtMs: options.createdAtMs,
      digest: options.digest ?? STATUS_DIGEST.name,
      cluster: { nodes: [...options.nodes], seed: options.seed, settings: options.settings ?? {} },
    };
    this.onLine = options.onLine;
    this.keep = options.keep ?? true;
    this.onLine?.(encodeRecord(this.header));
  }

  /** The sink to hand every RecordingNode of this run (`sink: run.nodeSink`). */
  readonly nodeSink: RecordSink = (given: NodeRecord) => {
    const record = this.withoutRecordedLog(given);
    this.cursors.set(record.node, { seq: record.seq, lamport: record.lamport });
    if (record.kind === 'crash') this.down.add(record.node);
    else this.down.delete(record.node);
    this.add(record);
  };

  /**
   * Follows each node's log as its records build it, and writes a restart's entries that log
   * already holds as a reference (restart-base.ts), so restarts never copy a whole log.
   */
  private withoutRecordedLog(record: NodeRecord): NodeRecord {
    let log = this.logs.get(record.node);
    if (!log) this.logs.set(record.node, (log = new RecordedTerms()));
    if (record.kind === 'ready') log.onReady(record);
    else if (record.kind === 'input' && record.input.type === 'compact') log.onCompact(record.input.index);
    else if (record.kind === 'start') {
      const mode = record.mode;
      if (mode.type !== 'restore') {
        log.reset(null);
        return record;
      }
      if (mode.base !== undefined) {
        log.forget();
        return record;
      }
      const written = withRestoreBase(mode, log);
      log.reset(mode.persisted);
      return written === mode ? record : { ...record, mode: written };
    }
    return record;
  }

  /**
   * Records reported by a node in another process: each is validated, must belong to `node` and
   * continue its numbering, and must not follow the node's crash record (a dead process's late
   * reports). The first record that fails ends the batch; the problem is returned, else null.
   */
  fromNode(node: NodeId, records: readonly unknown[]): string | null {
    if (this.finished && records.length > 0) return `node ${node}: records after the recording was finished`;
    for (const raw of records) {
      let record: NodeRecord;
      try {
        record = parseNodeRecord(raw);
      } catch (e) {
        return `node ${node}: ${e instanceof Error ? e.message : String(e)}`;
      }
      if (record.node !== node) return `node ${node} reported a record of node ${record.node}`;
      const expected = (this.cursors.get(node)?.seq ?? 0) + 1;
      if (record.seq !== expected) return `node ${node}: record seq ${record.seq} where ${expected} was expected`;
      if (this.down.has(node) && record.kind !== 'start') return `node ${node}: ${record.kind} record after its crash record`;
      this.nodeSink(record);
    }
    return null;
  }

  /** Where a node's numbering stands; pass as `resume` when the node restarts. */
  cursorOf(node: NodeId): RecordCursor | undefined {
    return this.cursors.get(node);
  }

  /**
   * The host saw `node`'s instance die. Records it unless the node's last record already is a
   * crash (or the node never started). For hosts whose nodes live in other processes: a killed
   * process cannot record its own death.
   */
  crashed(node: NodeId, reason: 'crashed' | 'killed' | 'stopped', wallMs: number): void {
    const cursor = this.cursors.get(node);
    if (!cursor || this.down.has(node) || this.finished) return;
    this.nodeSink({ kind: 'crash', node, seq: cursor.seq + 1, lamport: cursor.lamport + 1, wallMs, reason });
  }

  /** `read`: how a get was read when not through the log. */
  invoke(opId: string, client: string, op: KvOp, wallMs: number, read?: 'read-index' | 'lease'): void {
    this.add(read === undefined ? { kind: 'invoke', opId, client, op, wallMs } : { kind: 'invoke', opId, client, op, read, wallMs });
  }

  complete(opId: string, result: KvResult, wallMs: number): void {
    this.add({ kind: 'complete', opId, result, wallMs });
  }

  note(text: string, wallMs: number): void {
    this.add({ kind: 'note', wallMs, text });
  }

  /** Records taken so far (header and end excluded). */
  get size(): number {
    return this.count;
  }

  /**
   * The recording so far, complete with an end record, while recording goes on (for an export
   * in the middle of a run). Needs `keep` (the default).
   */
  snapshot(wallMs: number): Recording {
    if (!this.keep) throw new Error('RunRecorder.snapshot: records are not kept (keep: false)');
    return { header: this.header, records: this.records.slice(), end: { kind: 'end', wallMs, records: this.records.length } };
  }

  /** Close the recording with its end record. Further records are refused. */
  finish(wallMs: number): Recording {
    if (this.finished) return this.finished;
    const end = { kind: 'end' as const, wallMs, records: this.count };
    this.onLine?.(encodeRecord(end));
    this.finished = { header: this.header, records: this.keep ? this.records : [], end };
    return this.finished;
  }

  private add(record: BodyRecord): void {
    if (this.finished) throw new Error('RunRecorder: record after finish()');
    this.count++;
    // Line numbers as written: the header is line 1.
    if (this.keep) this.records.push({ line: this.count + 1, record });
    this.onLine?.(encodeRecord(record));
  }
}
