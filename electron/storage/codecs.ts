/**
 * Runtime decoders for everything storage reads back from disk (journal records, database
 * rows). Disk bytes are untrusted input: a decoder failure becomes a StorageError naming the
 * file and the record or row, never a half-built state.
 */
import { z } from 'zod';
import type { ConfChange, ConfState, Entry, HardState, Snapshot } from '../../shared/raft/types';

const count = z.number().int().nonnegative();
const nodeId = z.number().int().positive();

export const confChangeSchema: z.ZodType<ConfChange> = z.discriminatedUnion('type', [
  z.object({ type: z.literal('add-voter'), node: nodeId }),
  z.object({ type: z.literal('add-learner'), node: nodeId }),
  z.object({ type: z.literal('remove'), node: nodeId }),
]);

export const confStateSchema: z.ZodType<ConfState> = z.object({
  voters: z.array(nodeId),
  learners: z.array(nodeId),
});

export const entrySchema: z.ZodType<Entry> = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('noop'), term: count, index: count.min(1) }),
  z.object({ kind: z.literal('command'), term: count, index: count.min(1), data: z.string() }),
  z.object({ kind: z.literal('conf'), term: count, index: count.min(1), change: confChangeSchema }),
]);

export const hardStateSchema: z.ZodType<HardState> = z.object({
  term: count,
  vote: count,
  commit: count,
});

export const snapshotSchema: z.ZodType<Snapshot> = z.object({
  meta: z.object({ index: count, term: count, conf: confStateSchema }),
  data: z.string(),
});

/**
 * The journal format version; a record with another `v` is refused as an unknown schema.
 * Version 1 journals had no start and extend frames (docs/storage.md, "Format versions").
 */
export const JOURNAL_VERSION = 2 as const;

/**
 * One journal record: what one persist() or compact() call made durable. `seq` numbers records
 * 1, 2, 3, ... for the life of the node; the database remembers the last seq folded into it, so
 * replay skips records a checkpoint already contains (replay is therefore exactly-once).
 */
export type JournalRecord =
  | {
      readonly v: typeof JOURNAL_VERSION;
      readonly type: 'ready';
      readonly seq: number;
      readonly snapshot: Snapshot | null;
      readonly entries: readonly Entry[];
      readonly hardState: HardState | null;
    }
  | { readonly v: typeof JOURNAL_VERSION; readonly type: 'compact'; readonly seq: number; readonly snapshot: Snapshot };


/**
 * The frames that describe a journal file itself rather than carry a record. Every journal file
 * begins with `start`; `extend` precedes the first record written past the previous allocation.
 * `alloc` is the file size the journal had made durable before this frame was written: a file
 * shorter than the last `alloc` it states was cut by something other than a crash.
 */
export type JournalMarker =
  | { readonly v: typeof JOURNAL_VERSION; readonly type: 'start'; readonly node: number; readonly afterSeq: number; readonly alloc: number }
  | { readonly v: typeof JOURNAL_VERSION; readonly type: 'extend'; readonly alloc: number };

export type JournalFrame = JournalRecord | JournalMarker;

export const journalFrameSchema: z.ZodType<JournalFrame> = z.discriminatedUnion('type', [
  z.object({
    v: z.literal(JOURNAL_VERSION),
    type: z.literal('ready'),
    seq: count.min(1),
    snapshot: snapshotSchema.nullable(),
    entries: z.array(entrySchema),
    hardState: hardStateSchema.nullable(),
  }),
  z.object({ v: z.literal(JOURNAL_VERSION), type: z.literal('compact'), seq: count.min(1), snapshot: snapshotSchema }),
  z.object({ v: z.literal(JOURNAL_VERSION), type: z.literal('start'), node: nodeId, afterSeq: count, alloc: count }),
  z.object({ v: z.literal(JOURNAL_VERSION), type: z.literal('extend'), alloc: count }),
]);

/** A short, single-line description of a zod failure, for error messages. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length > 0 ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
