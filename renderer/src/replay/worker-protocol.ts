/**
 * Messages between the page and the replay worker. The worker owns the parsed recording and its
 * ReplayIndex (a million events must not block the page); the page asks for one frame at a time.
 */
import type { ClusterOptions, LabEvent } from '../../../shared/protocol/lab';
import type { NodeBranchState } from '../../../shared/replay/replay-index';
import type { Entry, NodeId } from '../../../shared/raft/types';

export interface ViolationLink {
  /** The event that revealed it. */
  readonly event: number;
  readonly text: string;
}

export interface OpenedRecording {
  readonly fileName: string;
  readonly events: number;
  readonly nodes: readonly number[];
  readonly source: string;
  readonly seed: number;
  readonly violations: readonly ViolationLink[];
  /** The first place where replay through the core did not match the recording, as text. */
  readonly divergence: string | null;
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
  | { readonly type: 'open-error'; readonly fileName: string; readonly message: string }
  | { readonly type: 'frame'; readonly id: number; readonly frame: FrameOut; readonly text: string }
  | { readonly type: 'frame-error'; readonly id: number; readonly message: string }
  | { readonly type: 'branch'; readonly start: BranchStart }
  | { readonly type: 'branch-error'; readonly position: number; readonly message: string };
