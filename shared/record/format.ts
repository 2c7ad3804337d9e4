/**
 * The run recording: one JSON value per line (JSON Lines). The first line is a `header`, the
 * last an `end`; between them, in any interleaving across nodes, each node's records in its own
 * order (`seq` 1, 2, 3, ... with no gaps), client operation records and free-text notes.
 * docs/replay-format.md is the human description of this file; schema.ts is the reader's check.
 *
 * Bump RECORDING_VERSION on any incompatible change; readers reject other versions by name.
 */
import type { ProposeResult, ReadIndexResult } from '../raft/api';
import type {
  ConfChange,
  ConfState,
  HardState,
  Message,
  NodeId,
  PersistedState,
  RaftConfig,
  ReadState,
  SnapshotMeta,
  SoftState,
} from '../raft/types';
import type { KvOp, KvResult } from '../protocol/lab';

export const RECORDING_FORMAT = 'raft-lab-recording' as const;
export const RECORDING_VERSION = 2 as const;
/** Versions this reader reads: 1 has no `terms` on ready records and no `base` on restarts. */
export const READABLE_VERSIONS: readonly number[] = [1, 2];

/** A plain JSON value (what `settings` may hold). */
export type JsonValue = null | boolean | number | string | readonly JsonValue[] | { readonly [key: string]: JsonValue };

/** Which host produced the recording. */
export type RecordingSource = 'sim' | 'lab' | 'test';

export interface HeaderRecord {
  readonly kind: 'header';
  readonly format: typeof RECORDING_FORMAT;
  readonly version: 1 | typeof RECORDING_VERSION;
  readonly source: RecordingSource;
  /** Host wall time (or virtual time for the simulator) when recording began. */
  readonly createdAtMs: number;
  /** Name of the state digest used for every `digest` field (see digest.ts). */
  readonly digest: string;
  readonly cluster: {
    /** Node ids present at the start. Nodes added later appear through their `start` record. */
    readonly nodes: readonly NodeId[];
    readonly seed: number;
    /** The host's cluster settings (tick length, fault settings, ...), for people and tools. */
    readonly settings: { readonly [key: string]: JsonValue };
  };
}

/**
 * Where a received message came from: the sender's `ready` record (`seq`), the position of the
 * message in it (`index`) and the sender's Lamport clock at that send. Hosts carry this beside
 * the message (in-process or across ports); it links sends to receives for the exporters.
 */
export interface SendStamp {
  /**
   * Seq of the sender's `start` record for the instance that sent: a sender process killed
   * before its last records reached the controller leaves gaps that a restart's records reuse,
   * and this tells the two apart.
   */
  readonly startSeq: number;
  readonly seq: number;
  readonly index: number;
  readonly lamport: number;
}

/** One input to a node, in the order the node saw it. */
export type NodeInput =
  | { readonly type: 'tick' }
  | { readonly type: 'step'; readonly msg: Message; readonly stamp: SendStamp | null }
  | { readonly type: 'campaign' }
  | { readonly type: 'propose'; readonly data: string }
  | { readonly type: 'propose-conf-change'; readonly change: ConfChange }
  /** `lease`: the read asked for a lease read (true) or a round (false); absent: the node's config decided. */
  | { readonly type: 'read-index'; readonly ctx: string; readonly lease?: boolean }
  | { readonly type: 'transfer-leadership'; readonly to: NodeId }
  | { readonly type: 'compact'; readonly index: number; readonly data: string }
  | { readonly type: 'advance' };

export type NodeInputType = NodeInput['type'];

/** How a node instance came to life; enough for replay to rebuild it with no other file. */
export type StartMode =
  | { readonly type: 'bootstrap'; readonly conf: ConfState }
  | { readonly type: 'join' }
  | { readonly type: 'restore'; readonly persisted: PersistedState; readonly base?: RestoreBase };

/**
 * A restart that does not copy the log its node's earlier instance already recorded: entries
 * `first`..`through` are those of the node's log as its recorded Readies and compactions left it
 * (replay rebuilds that log and checks it against `digest`, entriesDigest of those entries), and
 * `persisted.entries` holds only the entries after `through`.
 */
export interface RestoreBase {
  readonly first: number;
  readonly through: number;
  readonly digest: string;
}

/** Fields every per-node record carries. */
interface NodeRecordBase {
  readonly node: NodeId;
  /** 1, 2, 3, ... per node across the whole run (restarts continue the count). */
  readonly seq: number;
  /** Lamport clock: +1 per record, max(own, sender's) + 1 on a received message. */
  readonly lamport: number;
  /** Host wall time in ms (virtual time in the simulator). Informational; replay ignores it. */
  readonly wallMs: number;
}

export interface StartRecord extends NodeRecordBase {
  readonly kind: 'start';
  readonly config: RaftConfig;
  /** The node's Rng state (`Rng.state()`) as handed to the factory. */
  readonly rng: readonly [number, number, number, number];
  readonly mode: StartMode;
  /** State digest right after construction. */
  readonly digest: string;
}

export interface InputRecord extends NodeRecordBase {
  readonly kind: 'input';
  readonly input: NodeInput;
  /** What propose / proposeConfChange / readIndex returned; null for the other inputs. */
  readonly result: ProposeResult | ReadIndexResult | null;
  /** The error message when the call threw, else null. */
  readonly error: string | null;
  /** State digest after the input. */
  readonly digest: string;
}

/** A `ready()` call: the node's outputs. Entries are summarised; messages are kept whole. */
export interface ReadyRecord extends NodeRecordBase {
  readonly kind: 'ready';
  readonly softState: SoftState;
  readonly hardState: HardState | null;
  /** Log entries to persist, as [lo, hi) of indexes ([0, 0) when none). */
  readonly appended: readonly [number, number];
  /**
   * The appended entries' terms as runs `[firstIndex, term]` (one run per term; absent when none
   * were appended, and in version 1). Writers use them to know which log a restart can refer to.
   */
  readonly terms?: readonly (readonly [number, number])[];
  /** Committed entries to apply, as [lo, hi) of indexes. */
  readonly applied: readonly [number, number];
  readonly snapshot: SnapshotMeta | null;
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
  /** Digest of the rest of the Ready (entries with their data, snapshot, states; digest.ts readyDigest). */
  readonly readyDigest: string;
  /** State digest after ready(). */
  readonly digest: string;
}

/** The host saw this node instance die (crash, kill or stop). A later `start` restores it. */
export interface CrashRecord extends NodeRecordBase {
  readonly kind: 'crash';
  readonly reason: 'crashed' | 'killed' | 'stopped';
}

export type NodeRecord = StartRecord | InputRecord | ReadyRecord | CrashRecord;

export interface InvokeRecord {
  readonly kind: 'invoke';
  readonly opId: string;
  readonly client: string;
  readonly op: KvOp;
  /** A get read at the leader (ReadIndex or lease) rather than through the log; absent: through the log. */
  readonly read?: 'read-index' | 'lease';
  readonly wallMs: number;
}

export interface CompleteRecord {
  readonly kind: 'complete';
  readonly opId: string;
  readonly result: KvResult;
  readonly wallMs: number;
}

/** A host event worth keeping for people (a partition, a fault setting). Replay ignores it. */
export interface NoteRecord {
  readonly kind: 'note';
  readonly wallMs: number;
  readonly text: string;
}

export interface EndRecord {
  readonly kind: 'end';
  readonly wallMs: number;
  /** Number of records between header and end; a mismatch means lines went missing. */
  readonly records: number;
}

export type BodyRecord = NodeRecord | InvokeRecord | CompleteRecord | NoteRecord;
export type AnyRecord = HeaderRecord | BodyRecord | EndRecord;

/** A record with the 1-based line it was read from (or will be written to). */
export interface Located<R> {
  readonly line: number;
  readonly record: R;
}

/** A parsed recording. `records` holds the body in file order. */
export interface Recording {
  readonly header: HeaderRecord;
  readonly records: readonly Located<BodyRecord>[];
  /** Null only when read with `allowIncomplete` from a file that has no end line. */
  readonly end: EndRecord | null;
}

export function isNodeRecord(r: BodyRecord): r is NodeRecord {
  return r.kind === 'start' || r.kind === 'input' || r.kind === 'ready' || r.kind === 'crash';
}

/** Each node's records in seq order, keyed by node id (ascending). */
export function recordsByNode(recording: Recording): Map<NodeId, Located<NodeRecord>[]> {
  const out = new Map<NodeId, Located<NodeRecord>[]>();
  for (const located of recording.records) {
    const r = located.record;
    if (!isNodeRecord(r)) continue;
    let list = out.get(r.node);
    if (!list) {
      list = [];
      out.set(r.node, list);
    }
    list.push({ line: located.line, record: r });
  }
  for (const list of out.values()) list.sort((a, b) => a.record.seq - b.record.seq);
  return new Map([...out.entries()].sort((a, b) => a[0] - b[0]));
}
