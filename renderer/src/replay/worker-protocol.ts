/**
 * Messages between the page and the replay worker. The worker owns the parsed recording and its
 * ReplayIndex (a million events must not block the page); the page asks for one frame at a time.
 */
import type { ReplayFrame } from '../../../shared/replay/lab-projection';

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

export type ToWorker =
  | { readonly type: 'open'; readonly file: Blob; readonly fileName: string }
  | { readonly type: 'frame'; readonly id: number; readonly position: number };

export type FromWorker =
  | { readonly type: 'progress'; readonly phase: 'reading' | 'parsing' | 'replaying' }
  | { readonly type: 'opened'; readonly info: OpenedRecording }
  | { readonly type: 'open-error'; readonly fileName: string; readonly message: string }
  | { readonly type: 'frame'; readonly id: number; readonly frame: ReplayFrame; readonly text: string }
  | { readonly type: 'frame-error'; readonly id: number; readonly message: string };
