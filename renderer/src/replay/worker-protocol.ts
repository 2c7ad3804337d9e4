/**
 * Messages between the page and the replay worker. The worker owns the parsed recording and its
 * ReplayIndex (a million events must not block the page); the page asks for one frame at a time.
 * A large file is indexed in chunks: the page gets `opened` after the first chunk and then
 * `indexing` progress; it only asks for positions up to `indexed`.
 */
import type { ClusterOptions, LabEvent } from '../../../shared/protocol/lab';
import type { NodeBranchState } from '../../../shared/replay/replay-index';
import type { Entry, NodeId } from '../../../shared/raft/types';

export interface ViolationLink {
  /** The event that revealed it. */
  readonly event: number;
  readonly text: string;
}

/** How far the worker has indexed the open recording. */
export interface IndexProgress {
  /** Positions 0..indexed can be shown (every record up to there is replayed and checked). */
  readonly indexed: number;
  /** Body records in the file (its end record's count, checked when the file has been read). */
  readonly events: number;
  readonly bytesRead: number;
  readonly bytes: number;
  /** 'failed': a problem later in the file stopped indexing; positions 0..indexed stay true. */
  readonly state: 'indexing' | 'complete' | 'failed';
  /** What stopped indexing ('failed'), naming the line. */
  readonly error: string | null;
}

export interface OpenedRecording {
  readonly fileName: string;
  readonly events: number;
  readonly nodes: readonly number[];
  readonly source: string;
  readonly seed: number;
  /** Violations found so far (all of them once indexing is complete). */
  readonly violations: readonly ViolationLink[];
  /** The first place where replay through the core did not match the recording, as text. */
  readonly divergence: string | null;
  readonly progress: IndexProgress;
}

/**
 * One node's log at the frame, as a change to the log the worker sent last (logs are long and
 * mostly unchanged between frames): entries from index `from` on replace the page's copy, which
 * is then cut at `lastIndex`. The first frame after an open sends everything (from = 1).
 */
export interface LogPatch {
  readonly node: NodeId;
  readonly from: number;
  /** Entries for indexes from, from+1, ...; null where an index is not known. */
  readonly entries: readonly (Entry | null)[];
  readonly lastIndex: number;
}

export interface FrameOut {
  readonly position: number;
  readonly events: readonly LabEvent[];
  readonly logs: readonly LogPatch[];
}

export type ToWorker =
  | { readonly type: 'open'; readonly file: Blob; readonly fileName: string }
  | { readonly type: 'frame'; readonly id: number; readonly position: number }
  | { readonly type: 'branch'; readonly position: number }
  /** The page dropped its copies of the logs: the next frame sends them whole. */
  | { readonly type: 'forget-logs' };

/** What the page needs to build a branch (shared/replay/branch-lab.ts) at a position. */
export interface BranchStart {
  readonly position: number;
  readonly states: readonly NodeBranchState[];
  readonly options: ClusterOptions;
  readonly atMs: number;
  readonly seed: number;
}

export type FromWorker =
  | { readonly type: 'progress'; readonly phase: 'reading' | 'parsing' | 'replaying' }
  | { readonly type: 'opened'; readonly info: OpenedRecording }
  /** Indexing went on; violations and divergence are sent when they changed. */
  | { readonly type: 'indexing'; readonly progress: IndexProgress; readonly nodes: readonly number[]; readonly violations?: readonly ViolationLink[]; readonly divergence?: string | null }
  | { readonly type: 'open-error'; readonly fileName: string; readonly message: string }
  /** `indexed`: how far the index was when the frame was made. */
  | { readonly type: 'frame'; readonly id: number; readonly frame: FrameOut; readonly text: string; readonly indexed: number }
  | { readonly type: 'frame-error'; readonly id: number; readonly message: string }
  | { readonly type: 'branch'; readonly start: BranchStart }
  | { readonly type: 'branch-error'; readonly position: number; readonly message: string };

/** To the validating worker that the replay worker starts beside itself (validate.worker.ts). */
export interface ToValidator {
  readonly type: 'validate';
  readonly file: Blob;
  readonly sliceBytes: number;
  /** Report how far it has got after at most this many lines. */
  readonly linesPerReport: number;
}

export type FromValidator =
  /** Lines 1..lines are valid (each on its own and in sequence). */
  | { readonly type: 'valid'; readonly lines: number; readonly done: boolean }
  /** The first problem, naming its line (null: the file as a whole). */
  | { readonly type: 'invalid'; readonly line: number | null; readonly message: string };
