/**
 * The control protocol between the lab controller (main process) and one node process, over the
 * node's control port, plus the envelope of node-to-node messages on peer ports. The same unions
 * run over an Electron utility-process port and a worker_threads port.
 *
 * Every message that crosses a port is validated on arrival (`parseNodeCommand`,
 * `parseNodeEvent`, `parsePeerEnvelope`): a bad message is rejected with an error naming the
 * field that was wrong, and never reaches the node.
 *
 * Requests carry a `req` number; the node answers each with exactly one `reply` of the same
 * `req`. Everything else the node sends is an unsolicited event.
 */
import { z } from 'zod';
import type { ConfChange, Entry, HardState, Message, NodeId, NodeStatus, PersistedState, Ready, SnapshotMeta, SoftState } from '../raft/types';
import type { KvOp, KvResult, LinkFault, PendingItem } from './lab';
import type { ProposeResult } from '../raft/api';
import type { SendStamp } from '../record/format';
import type { RecordCursor } from '../record/recorder';
import { sendStampSchema } from '../record/schema';
import { KV_LIMITS, MAX_LOG_READ, MAX_NETWORK_MS, READ_ID_CHARS_MAX, SPEED_MAX, SPEED_MIN, TICK_MS_MAX, TICK_MS_MIN } from '../limits';
import type { Agrees } from './agrees';
import { kvOpSchema, kvResultSchema, linkFaultSchema, pendingItemSchema } from './lab-schema';
import {
  confChangeSchema, countSchema, entrySchema, hardStateSchema, messageSchema, nodeIdOrNoneSchema, nodeIdSchema,
  nodeStatusSchema, persistedStateSchema, readySchema, snapshotMetaSchema, softStateSchema,
} from './raft-schema';

export const NODE_IPC_VERSION = 1 as const;

// ---------------------------------------------------------------------------------------------
// The Raft types that cross ports use the one set of Raft schemas (raft-schema.ts); link faults,
// client operations and pending items are the lab API's (lab-schema.ts).

const nodeId = nodeIdSchema;
const nodeIdOrNone = nodeIdOrNoneSchema;
const count = countSchema;
/** A read's id, chosen by the controller (unique in the lab), used as the core's read ctx. */
const readId = z.string().min(1).max(READ_ID_CHARS_MAX);

// ---------------------------------------------------------------------------------------------
// Controller -> node commands

/** How a node process comes up when its database holds no state yet. */
export type NodeStart =
  | { readonly kind: 'bootstrap'; readonly voters: readonly NodeId[] }
  | { readonly kind: 'join' };

/** Everything a node process needs to start; sent once, first, on the control port. */
export interface NodeInit {
  readonly id: NodeId;
  /** Counts this node's process starts; message ids embed it so they never repeat. */
  readonly incarnation: number;
  /** Folder of the node's files (NodeStorage names them by id). If they hold state, the node restores from them and ignores `start`. */
  readonly dataDir: string;
  readonly start: NodeStart;
  readonly seed: number;
  readonly tickMs: number;
  readonly speed: number;
  readonly paused: boolean;
  readonly heartbeatTicks: number;
  readonly electionTicks: number;
  readonly preVote: boolean;
  readonly checkQuorum: boolean;
  readonly snapshotEvery: number;
  /** Report every message sent, delivered and dropped (the UI wants it; benchmarks turn it off). */
  readonly traceMessages: boolean;
  /** Send each whole Ready and the restored state to the controller (the invariant checker needs them). */
  readonly reportReadies: boolean;
  /** Record this node (shared/record) continuing from this cursor; absent or null: do not record. */
  readonly record?: RecordCursor | null;
}

/** Outgoing-link faults for one peer of the receiving node. */
export interface OutgoingFault {
  readonly to: NodeId;
  readonly fault: LinkFault;
}

export type NodeCommand =
  | { readonly type: 'init'; readonly req: number; readonly version: typeof NODE_IPC_VERSION; readonly init: NodeInit }
  /** A peer port arrives with this command (transferred beside it, not inside the validated body). */
  | { readonly type: 'peer-connect'; readonly req: number; readonly peer: NodeId }
  /** `networkMs`: lab ms each message spends on its link before link faults add theirs (0: none). */
  | { readonly type: 'set-run'; readonly req: number; readonly paused: boolean; readonly speed: number; readonly networkMs: number }
  | { readonly type: 'deliver'; readonly req: number; readonly msgId: string }
  | { readonly type: 'drop'; readonly req: number; readonly msgId: string }
  | { readonly type: 'fire-timeout'; readonly req: number }
  | { readonly type: 'tick-once'; readonly req: number }
  /** Paused: every message still on its way arrives now (the reply lists them), so each peer holds it. */
  | { readonly type: 'land'; readonly req: number }
  | { readonly type: 'propose'; readonly req: number; readonly client: string; readonly seq: number; readonly op: KvOp }
  | { readonly type: 'conf-change'; readonly req: number; readonly change: ConfChange }
  /**
   * A linearizable read of `key` at the leader, by a ReadIndex round or, with `lease`, by lease
   * while it holds (shared/raft readIndex). The reply says at once whether the node took it
   * (`read-asked`); the answer comes later as a `read-served` event with the same `id`.
   */
  | { readonly type: 'read-index'; readonly req: number; readonly id: string; readonly key: string; readonly lease: boolean }
  | { readonly type: 'transfer'; readonly req: number; readonly to: NodeId }
  | { readonly type: 'set-link-faults'; readonly req: number; readonly links: readonly OutgoingFault[]; readonly seed: number }
  | { readonly type: 'status'; readonly req: number }
  /** The entries held with index in [lo, hi) (the lab's readLog; the controller bounds the range). */
  | { readonly type: 'read-log'; readonly req: number; readonly lo: number; readonly hi: number }
  /** Write a complete SQLite copy of everything persisted so far to `path` (a new file; the live files are only checkpointed as usual). */
  | { readonly type: 'export-db'; readonly req: number; readonly path: string }
  /**
   * Instead of `init`, to a fresh process: open node `node`'s files in `dataDir` (a scratch copy
   * of a stopped node's files; opening may rewrite them), write a complete SQLite copy to `path`,
   * reply, and do nothing else. Main then kills the process.
   */
  | { readonly type: 'export-files'; readonly req: number; readonly node: NodeId; readonly dataDir: string; readonly path: string }
  | { readonly type: 'shutdown'; readonly req: number };

export type NodeCommandType = NodeCommand['type'];

const nodeInitSchema = z.object({
  id: nodeId,
  incarnation: count,
  dataDir: z.string().min(1),
  start: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal('bootstrap'), voters: z.array(nodeId).min(1) }),
    z.object({ kind: z.literal('join') }),
  ]),
  seed: z.number().int(),
  tickMs: z.number().min(TICK_MS_MIN).max(TICK_MS_MAX),
  speed: z.number().min(SPEED_MIN).max(SPEED_MAX),
  paused: z.boolean(),
  heartbeatTicks: z.number().int().min(1),
  electionTicks: z.number().int().min(2),
  preVote: z.boolean(),
  checkQuorum: z.boolean(),
  snapshotEvery: count,
  traceMessages: z.boolean(),
  reportReadies: z.boolean(),
  record: z.object({ seq: count, lamport: count }).nullable().optional(),
});

const req = z.number().int().min(0);
const nodeCommandSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('init'), req, version: z.literal(NODE_IPC_VERSION), init: nodeInitSchema }),
  z.object({ type: z.literal('peer-connect'), req, peer: nodeId }),
  z.object({ type: z.literal('set-run'), req, paused: z.boolean(), speed: z.number().min(SPEED_MIN).max(SPEED_MAX), networkMs: z.number().min(0).max(MAX_NETWORK_MS) }),
  z.object({ type: z.literal('deliver'), req, msgId: z.string().min(1) }),
  z.object({ type: z.literal('drop'), req, msgId: z.string().min(1) }),
  z.object({ type: z.literal('fire-timeout'), req }),
  z.object({ type: z.literal('tick-once'), req }),
  z.object({ type: z.literal('land'), req }),
  z.object({ type: z.literal('propose'), req, client: z.string().min(1), seq: z.number().int().min(1), op: kvOpSchema }),
  z.object({ type: z.literal('conf-change'), req, change: confChangeSchema }),
  z.object({ type: z.literal('read-index'), req, id: readId, key: z.string().max(KV_LIMITS.keyChars), lease: z.boolean() }),
  z.object({ type: z.literal('transfer'), req, to: nodeId }),
  z.object({ type: z.literal('set-link-faults'), req, links: z.array(z.object({ to: nodeId, fault: linkFaultSchema })), seed: z.number().int() }),
  z.object({ type: z.literal('status'), req }),
  z.object({ type: z.literal('read-log'), req, lo: count.min(1), hi: count.min(1) }).refine((c) => c.hi >= c.lo && c.hi - c.lo <= MAX_LOG_READ, `read-log: hi must be >= lo and the range at most ${MAX_LOG_READ} entries`),
  z.object({ type: z.literal('export-db'), req, path: z.string().min(1) }),
  z.object({ type: z.literal('export-files'), req, node: nodeId.min(1), dataDir: z.string().min(1), path: z.string().min(1) }),
  z.object({ type: z.literal('shutdown'), req }),
]);

// ---------------------------------------------------------------------------------------------
// Node -> controller events

export type ProposeReply =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | { readonly ok: false; readonly reason: 'not-leader' | 'transfer-in-progress' | 'conf-change-pending' | 'invalid-conf-change' | 'stopping'; readonly leader: NodeId; readonly detail: string };

/** One linearizable read served by the node that took it. */
export interface ServedRead {
  readonly id: string;
  readonly value: string | null;
  /** The read index: the node had applied at least this far when it read. */
  readonly index: number;
}

export type ReadAskReply = { readonly ok: true } | Extract<ProposeReply, { readonly ok: false }>;

/** A proposal's (or a read's) outcome as the control port carries it: a refusal flattened, its detail or ''. */
export function toProposeReply(r: Extract<ProposeResult, { ok: false }>): Extract<ProposeReply, { ok: false }>;
export function toProposeReply(r: ProposeResult): ProposeReply;
export function toProposeReply(r: ProposeResult): ProposeReply {
  if (r.ok) return r;
  return { ok: false, reason: r.refusal.reason, leader: r.refusal.leader, detail: 'detail' in r.refusal ? r.refusal.detail : '' };
}

/** The body of a successful reply; which one depends on the command. */
export type ReplyBody =
  /** The command ran; `sent` lists the ids of the peer messages it caused (step mode waits on them). */
  | { readonly kind: 'ack'; readonly sent: readonly string[] }
  | { readonly kind: 'status'; readonly status: NodeStatus; readonly pending: readonly PendingItem[] }
  | { readonly kind: 'proposed'; readonly result: ProposeReply; readonly sent: readonly string[] }
  /** The node took the read (`ok`), or refused it like a proposal (not the leader, stopping). */
  | { readonly kind: 'read-asked'; readonly result: ReadAskReply; readonly sent: readonly string[] }
  | { readonly kind: 'log'; readonly entries: readonly Entry[]; readonly firstIndex: number; readonly lastIndex: number; readonly commit: number };

/**
 * One Ready as the node handled it (persisted, then sent, then applied): what the invariant
 * checker and the UI are fed. `ready` is the whole Ready when the controller asked for it
 * (`reportReadies`), else null and only the ranges say what happened.
 */
export interface ReadySummary {
  readonly ready: Ready | null;
  readonly softState: SoftState;
  readonly hardState: HardState | null;
  /** Persisted entries' index range [entriesFrom, entriesTo) (equal when none). */
  readonly entriesFrom: number;
  readonly entriesTo: number;
  readonly snapshot: SnapshotMeta | null;
  /** Applied entries' index range [committedFrom, committedTo) (equal when none). */
  readonly committedFrom: number;
  readonly committedTo: number;
  readonly messagesSent: number;
  /** Milliseconds spent persisting this Ready (one durable write per batch). */
  readonly persistMs: number;
}

/** A client request this node proposed was applied: what to tell the client. */
export interface AppliedResult {
  readonly client: string;
  readonly seq: number;
  readonly result: KvResult;
}

export type MessageTrace =
  | { readonly kind: 'sent'; readonly msgId: string; readonly message: Message }
  | { readonly kind: 'delivered'; readonly msgId: string; readonly message: Message }
  | { readonly kind: 'dropped'; readonly msgId: string; readonly message: Message; readonly why: 'cut' | 'loss' | 'crashed' | 'user' };

export type NodeEvent =
  | { readonly type: 'reply'; readonly req: number; readonly ok: true; readonly body: ReplyBody }
  | { readonly type: 'reply'; readonly req: number; readonly ok: false; readonly error: string }
  /** The node is up. `persisted` is what it restored from disk (null for a brand-new node, or when readies are not reported). */
  | { readonly type: 'started'; readonly node: NodeId; readonly incarnation: number; readonly restored: boolean; readonly persisted: PersistedState | null; readonly status: NodeStatus }
  | { readonly type: 'ready'; readonly node: NodeId; readonly atMs: number; readonly summaries: readonly ReadySummary[] }
  | { readonly type: 'applied'; readonly node: NodeId; readonly results: readonly AppliedResult[] }
  /** Reads this node took (`read-index`) were served: each `value` as of its `index`, which the node had applied. */
  | { readonly type: 'read-served'; readonly node: NodeId; readonly reads: readonly ServedRead[] }
  /** The node wrote a snapshot at `index` and compacted its log up to it. */
  | { readonly type: 'compacted'; readonly node: NodeId; readonly index: number }
  /** A membership change entry was applied on this node. */
  | { readonly type: 'conf-applied'; readonly node: NodeId; readonly index: number; readonly term: number; readonly change: ConfChange }
  | { readonly type: 'pending'; readonly node: NodeId; readonly items: readonly PendingItem[] }
  | { readonly type: 'trace'; readonly node: NodeId; readonly atMs: number; readonly traces: readonly MessageTrace[] }
  /** Longest time the node's event loop was blocked since the last report, in ms. */
  | { readonly type: 'loop-stall'; readonly node: NodeId; readonly maxBlockedMs: number }
  /**
   * Recording (shared/record): this node's records in order. Checked by the controller's
   * RunRecorder.fromNode, which keeps them exactly as sent (key order is part of their hashes).
   */
  | { readonly type: 'records'; readonly node: NodeId; readonly records: readonly unknown[] }
  | { readonly type: 'error'; readonly node: NodeId; readonly detail: string };

export type NodeEventType = NodeEvent['type'];

const proposeReplySchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), index: count, term: count }),
  z.object({
    ok: z.literal(false),
    reason: z.enum(['not-leader', 'transfer-in-progress', 'conf-change-pending', 'invalid-conf-change', 'stopping']),
    leader: nodeIdOrNone, detail: z.string(),
  }),
]);

const readAskReplySchema = z.union([z.object({ ok: z.literal(true) }), proposeReplySchema.options[1]]);

const replyBodySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('ack'), sent: z.array(z.string()) }),
  z.object({ kind: z.literal('status'), status: nodeStatusSchema, pending: z.array(pendingItemSchema) }),
  z.object({ kind: z.literal('proposed'), result: proposeReplySchema, sent: z.array(z.string()) }),
  z.object({ kind: z.literal('read-asked'), result: readAskReplySchema, sent: z.array(z.string()) }),
  z.object({ kind: z.literal('log'), entries: z.array(entrySchema), firstIndex: count, lastIndex: count, commit: count }),
]);

const readySummarySchema = z.object({
  ready: readySchema.nullable(), softState: softStateSchema, hardState: hardStateSchema.nullable(),
  entriesFrom: count, entriesTo: count, snapshot: snapshotMetaSchema.nullable(),
  committedFrom: count, committedTo: count, messagesSent: count, persistMs: z.number().min(0),
});

const traceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('sent'), msgId: z.string(), message: messageSchema }),
  z.object({ kind: z.literal('delivered'), msgId: z.string(), message: messageSchema }),
  z.object({ kind: z.literal('dropped'), msgId: z.string(), message: messageSchema, why: z.enum(['cut', 'loss', 'crashed', 'user']) }),
]);

const replySchema = z.discriminatedUnion('ok', [
  z.object({ type: z.literal('reply'), req, ok: z.literal(true), body: replyBodySchema }),
  z.object({ type: z.literal('reply'), req, ok: z.literal(false), error: z.string() }),
]);

const nodeEventSchema = z.discriminatedUnion('type', [
  replySchema,
  z.object({
    type: z.literal('started'), node: nodeId, incarnation: count, restored: z.boolean(),
    persisted: persistedStateSchema.nullable(), status: nodeStatusSchema,
  }),
  z.object({ type: z.literal('ready'), node: nodeId, atMs: z.number(), summaries: z.array(readySummarySchema) }),
  z.object({ type: z.literal('read-served'), node: nodeId, reads: z.array(z.object({ id: readId, value: z.string().nullable(), index: count })) }),
  z.object({ type: z.literal('applied'), node: nodeId, results: z.array(z.object({ client: z.string(), seq: count, result: kvResultSchema })) }),
  z.object({ type: z.literal('compacted'), node: nodeId, index: count }),
  z.object({ type: z.literal('conf-applied'), node: nodeId, index: count, term: count, change: confChangeSchema }),
  z.object({ type: z.literal('pending'), node: nodeId, items: z.array(pendingItemSchema) }),
  z.object({ type: z.literal('trace'), node: nodeId, atMs: z.number(), traces: z.array(traceSchema) }),
  z.object({ type: z.literal('loop-stall'), node: nodeId, maxBlockedMs: z.number().min(0) }),
  z.object({ type: z.literal('records'), node: nodeId, records: z.array(z.unknown()).max(100_000) }),
  z.object({ type: z.literal('error'), node: nodeId, detail: z.string() }),
]);

// ---------------------------------------------------------------------------------------------
// Peer envelope (node to node, on the peer ports)

/** A batch of Raft messages on one peer link, each with its id (for step mode and traces). */
export interface PeerEnvelope {
  readonly type: 'raft';
  /** `stamp`: the sender's recording stamp of the message, when the sender records. */
  readonly items: readonly { readonly id: string; readonly message: Message; readonly stamp?: SendStamp | null }[];
}

const peerEnvelopeSchema = z.object({
  type: z.literal('raft'),
  items: z.array(z.object({ id: z.string().min(1), message: messageSchema, stamp: sendStampSchema.nullable().optional() })).min(1).max(10_000),
});

// ---------------------------------------------------------------------------------------------
// Parsing

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

/** Renders a zod error as "where: what" lines, so a rejected message says what was wrong. */
function describeIssues(what: string, error: z.ZodError): string {
  const issues = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
  return `invalid ${what}: ${issues.join('; ')}`;
}

function parseWith<T>(what: string, schema: z.ZodType, raw: unknown): Parsed<T> {
  const result = schema.safeParse(raw);
  // The schemas agree with the TypeScript types above (checked at compile time at the end of this file).
  if (result.success) return { ok: true, value: result.data as T };
  return { ok: false, error: describeIssues(what, result.error) };
}

export function parseNodeCommand(raw: unknown): Parsed<NodeCommand> {
  return parseWith<NodeCommand>('node command', nodeCommandSchema, raw);
}

export function parseNodeEvent(raw: unknown): Parsed<NodeEvent> {
  return parseWith<NodeEvent>('node event', nodeEventSchema, raw);
}

export function parsePeerEnvelope(raw: unknown): Parsed<PeerEnvelope> {
  return parseWith<PeerEnvelope>('peer message', peerEnvelopeSchema, raw);
}

/** The `req` of a command that failed validation, when it can be read, so the error can be answered. */
export function requestIdOf(raw: unknown): number | null {
  if (typeof raw === 'object' && raw !== null && 'req' in raw) {
    const value = (raw as { req: unknown }).req;
    if (typeof value === 'number' && Number.isInteger(value) && value >= 0) return value;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Compile-time agreement between the schemas and the types above, both directions.

const _agreement: [
  Agrees<typeof nodeInitSchema, NodeInit>,
  Agrees<typeof nodeCommandSchema, NodeCommand>,
  Agrees<typeof nodeEventSchema, NodeEvent>,
  Agrees<typeof peerEnvelopeSchema, PeerEnvelope>,
] = [true, true, true, true];
void _agreement;
