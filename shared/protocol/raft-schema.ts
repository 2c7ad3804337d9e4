/**
 * The one set of zod schemas for the Raft core's types (shared/raft/types.ts): configuration
 * changes and states, log entries, hard state, snapshots, messages, Ready and node status. The lab
 * API (lab-schema.ts), the node IPC (node-ipc.ts) and the recording format
 * (shared/record/schema.ts) all validate with these.
 *
 * Objects are strict: an unknown field is an error (the core builds each of these as a literal
 * of one fixed shape, so an extra field means a foreign or corrupted sender). Node ids are bounded
 * by MAX_NODE_ID (shared/limits.ts). The check at the end fails `tsc` when a schema and its type
 * drift apart in either direction.
 */
import { z } from 'zod';
import { MAX_NODE_ID } from '../limits';
import type {
  AppendEntries, AppendEntriesResponse, ConfChange, ConfState, Entry, HardState, InstallSnapshot,
  InstallSnapshotResponse, Message, NodeStatus, PeerProgress, PersistedState, ProposalRefusal, RaftConfig, ReadState,
  Ready, RequestVote, RequestVoteResponse, Role, Snapshot, SnapshotMeta, SoftState, TimeoutNow,
  UnsafeOptions,
} from '../raft/types';
import type { Agrees } from './agrees';

/** A node: 1..MAX_NODE_ID. */
export const nodeIdSchema = z.number().int().min(1).max(MAX_NODE_ID);
/** A node, or 0 for "none" (no vote, no known leader). */
export const nodeIdOrNoneSchema = z.number().int().min(0).max(MAX_NODE_ID);
/** Terms, indexes and other counters. */
export const countSchema = z.number().int().min(0);

const nodeId = nodeIdSchema;
const nodeIdOrNone = nodeIdOrNoneSchema;
const count = countSchema;

export const roleSchema = z.enum(['follower', 'pre-candidate', 'candidate', 'leader']);

// ---------------------------------------------------------------------------------------------
// Membership

export const confChangeSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('add-voter'), node: nodeId }),
  z.strictObject({ type: z.literal('add-learner'), node: nodeId }),
  z.strictObject({ type: z.literal('remove'), node: nodeId }),
]);

export const confStateSchema = z.strictObject({ voters: z.array(nodeId), learners: z.array(nodeId) });

// ---------------------------------------------------------------------------------------------
// Log and persisted state

export const entrySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('noop'), term: count, index: count }),
  z.strictObject({ kind: z.literal('command'), term: count, index: count, data: z.string() }),
  z.strictObject({ kind: z.literal('conf'), term: count, index: count, change: confChangeSchema }),
]);

export const hardStateSchema = z.strictObject({ term: count, vote: nodeIdOrNone, commit: count });
export const snapshotMetaSchema = z.strictObject({ index: count, term: count, conf: confStateSchema });
export const snapshotSchema = z.strictObject({ meta: snapshotMetaSchema, data: z.string() });
export const persistedStateSchema = z.strictObject({
  hardState: hardStateSchema, snapshot: snapshotSchema.nullable(), entries: z.array(entrySchema),
});

// ---------------------------------------------------------------------------------------------
// Messages

const base = { from: nodeId, to: nodeId, term: count };
const requestVoteSchema = z.strictObject({
  type: z.literal('RequestVote'), ...base, preVote: z.boolean(), lastLogIndex: count, lastLogTerm: count, transfer: z.boolean(),
});
const requestVoteResponseSchema = z.strictObject({ type: z.literal('RequestVoteResponse'), ...base, preVote: z.boolean(), granted: z.boolean() });
const appendEntriesSchema = z.strictObject({
  type: z.literal('AppendEntries'), ...base, prevLogIndex: count, prevLogTerm: count,
  entries: z.array(entrySchema), leaderCommit: count, readCtx: count,
});
const appendEntriesResponseSchema = z.strictObject({
  type: z.literal('AppendEntriesResponse'), ...base, success: z.boolean(), matchIndex: count,
  rejectHint: z.strictObject({ lastIndex: count, conflictTerm: count, conflictIndex: count }).nullable(), readCtx: count,
});
const installSnapshotSchema = z.strictObject({ type: z.literal('InstallSnapshot'), ...base, snapshot: snapshotSchema });
const installSnapshotResponseSchema = z.strictObject({ type: z.literal('InstallSnapshotResponse'), ...base, matchIndex: count });
const timeoutNowSchema = z.strictObject({ type: z.literal('TimeoutNow'), ...base });

export const messageSchema = z.discriminatedUnion('type', [
  requestVoteSchema, requestVoteResponseSchema, appendEntriesSchema, appendEntriesResponseSchema,
  installSnapshotSchema, installSnapshotResponseSchema, timeoutNowSchema,
]);

// ---------------------------------------------------------------------------------------------
// Configuration of one node

export const unsafeOptionsSchema = z.strictObject({
  commitPreviousTermByCount: z.boolean().optional(),
  skipVoteLogCheck: z.boolean().optional(),
  allowDoubleVote: z.boolean().optional(),
  replyBeforePersist: z.boolean().optional(),
});

export const raftConfigSchema = z.strictObject({
  id: nodeId,
  heartbeatTicks: count.min(1),
  electionTicks: count.min(1),
  preVote: z.boolean(),
  checkQuorum: z.boolean(),
  maxEntriesPerMsg: count.min(1),
  maxInflightMsgs: count.min(1),
  leaseRead: z.boolean(),
  unsafe: unsafeOptionsSchema.optional(),
});

// ---------------------------------------------------------------------------------------------
// Outputs and inspection

export const softStateSchema = z.strictObject({ role: roleSchema, leader: nodeIdOrNone });
export const readStateSchema = z.strictObject({ ctx: z.string(), index: count });

export const proposalRefusalSchema = z.discriminatedUnion('reason', [
  z.strictObject({ reason: z.literal('not-leader'), leader: nodeIdOrNone }),
  z.strictObject({ reason: z.literal('transfer-in-progress'), leader: nodeIdOrNone }),
  z.strictObject({ reason: z.literal('conf-change-pending'), leader: nodeIdOrNone }),
  z.strictObject({ reason: z.literal('invalid-conf-change'), leader: nodeIdOrNone, detail: z.string() }),
]);

export const readySchema = z.strictObject({
  softState: softStateSchema, hardState: hardStateSchema.nullable(), entries: z.array(entrySchema),
  snapshot: snapshotSchema.nullable(), messages: z.array(messageSchema), committedEntries: z.array(entrySchema),
  readStates: z.array(readStateSchema), messagesBeforePersist: z.boolean(),
});

export const peerProgressSchema = z.strictObject({
  id: nodeId, match: count, next: count, state: z.enum(['probe', 'replicate', 'snapshot']),
  inflight: count, recentActive: z.boolean(), learner: z.boolean(),
});

export const nodeStatusSchema = z.strictObject({
  id: nodeId, role: roleSchema, term: count, vote: nodeIdOrNone, leader: nodeIdOrNone,
  commit: count, applied: count, firstIndex: count, lastIndex: count, lastTerm: count,
  snapshotIndex: count, snapshotTerm: count, conf: confStateSchema,
  // Elapsed counters are not clamped at zero by every host, so only whole numbers are required.
  electionElapsed: z.number().int(), randomizedElectionTicks: count, heartbeatElapsed: z.number().int(),
  progress: z.array(peerProgressSchema), leadTransferee: nodeIdOrNone, pendingConfIndex: count,
});

// ---------------------------------------------------------------------------------------------
// Compile-time agreement with shared/raft/types.ts, both directions.

const _agreement: [
  Agrees<typeof roleSchema, Role>,
  Agrees<typeof confChangeSchema, ConfChange>,
  Agrees<typeof confStateSchema, ConfState>,
  Agrees<typeof entrySchema, Entry>,
  Agrees<typeof hardStateSchema, HardState>,
  Agrees<typeof snapshotMetaSchema, SnapshotMeta>,
  Agrees<typeof snapshotSchema, Snapshot>,
  Agrees<typeof persistedStateSchema, PersistedState>,
  Agrees<typeof requestVoteSchema, RequestVote>,
  Agrees<typeof requestVoteResponseSchema, RequestVoteResponse>,
  Agrees<typeof appendEntriesSchema, AppendEntries>,
  Agrees<typeof appendEntriesResponseSchema, AppendEntriesResponse>,
  Agrees<typeof installSnapshotSchema, InstallSnapshot>,
  Agrees<typeof installSnapshotResponseSchema, InstallSnapshotResponse>,
  Agrees<typeof timeoutNowSchema, TimeoutNow>,
  Agrees<typeof messageSchema, Message>,
  Agrees<typeof unsafeOptionsSchema, UnsafeOptions>,
  Agrees<typeof raftConfigSchema, RaftConfig>,
  Agrees<typeof softStateSchema, SoftState>,
  Agrees<typeof readStateSchema, ReadState>,
  Agrees<typeof proposalRefusalSchema, ProposalRefusal>,
  Agrees<typeof readySchema, Ready>,
  Agrees<typeof peerProgressSchema, PeerProgress>,
  Agrees<typeof nodeStatusSchema, NodeStatus>,
] = [
  true, true, true, true, true, true, true, true, true, true, true, true,
  true, true, true, true, true, true, true, true, true, true, true, true,
];
void _agreement;
