/**
 * Runtime schemas (zod) for everything that crosses a LabApi transport: each method's arguments,
 * its result, and the event stream. The Electron IPC handlers and the browser host validate
 * requests with `parseLabArgs`; clients may validate what comes back with `labEventsSchema`.
 *
 * The Raft types inside (messages, entries, node status, configuration changes) use the one set
 * of Raft schemas in raft-schema.ts; bounds come from shared/limits.ts. The schemas are checked
 * against the TypeScript types in lab.ts at compile time (`Agrees` below), so the two cannot
 * drift apart silently.
 */
import { z } from 'zod';
import type {
  ClusterOptions, DirectedLink, KvOp, KvResult, LabEvent, LinkFault, NamedPartition, NodeExit, Pace,
  NodeView, PendingItem, Violation, ClusterSnapshot, ExportedFile, ExportFormat, LogRange, RunMatch, RunSearch, ReadMode, SubmitOptions,
} from './lab';
import { readModeProblem } from './lab';
import {
  CLIENT_TIMEOUT_MS_MAX, ELECTION_TICKS_MAX, ELECTION_TICKS_MIN, HEARTBEAT_TICKS_MAX, HEARTBEAT_TICKS_MIN, KV_LIMITS,
  LINK_DELAY_MS_MAX, MAX_LOG_READ, MAX_NETWORK_MS, MAX_NODES, MAX_TICKS_PER_STEP, PENDING_ID_CHARS_MAX, RUN_SEARCH_LIMIT_MAX, RUN_SEARCH_QUERY_MAX, SPEED_MAX, SPEED_MIN, TICK_MS_MAX, TICK_MS_MIN,
} from '../limits';
import type { Agrees } from './agrees';
import { exportIdSchema } from './export-save';
import type { LabArgs, LabMethod } from './lab-methods';
import { confChangeSchema, entrySchema, messageSchema, nodeIdOrNoneSchema, nodeStatusSchema, roleSchema } from './raft-schema';

/** Raised for input that does not match the schema; the message names the offending field. */
export class LabInputError extends Error {
  override readonly name = 'LabInputError';
}

// ---------------------------------------------------------------------------------------------
// Building blocks

// 0 is allowed here only where the type says "none" (a result's unknown leader); every argument
// that names a node adds .min(1).
const nodeId = nodeIdOrNoneSchema;
const index = z.number().int().min(0);
const term = z.number().int().min(0);
const probability = z.number().min(0).max(1);
const ms = z.number().min(0).max(LINK_DELAY_MS_MAX);
const role = roleSchema;

export const clusterOptionsSchema = z.object({
  nodes: z.number().int().min(1).max(MAX_NODES),
  tickMs: z.number().min(TICK_MS_MIN).max(TICK_MS_MAX),
  heartbeatTicks: z.number().int().min(HEARTBEAT_TICKS_MIN).max(HEARTBEAT_TICKS_MAX),
  electionTicks: z.number().int().min(ELECTION_TICKS_MIN).max(ELECTION_TICKS_MAX),
  preVote: z.boolean(),
  checkQuorum: z.boolean(),
  snapshotEvery: z.number().int().min(0),
  seed: z.number().int(),
  dataDir: z.string().min(1).optional(),
  startPaused: z.boolean().optional(),
  pace: z.lazy(() => paceSchema).optional(),
}).refine((o) => o.electionTicks > o.heartbeatTicks, { message: 'electionTicks must exceed heartbeatTicks', path: ['electionTicks'] });

const nodeLife = z.enum(['starting', 'running', 'paused', 'stopped', 'crashed']);
const nodeExit = z.discriminatedUnion('reason', [
  z.object({ reason: z.literal('clean-exit') }),
  z.object({ reason: z.literal('killed') }),
  z.object({ reason: z.literal('crashed'), detail: z.string() }),
  z.object({ reason: z.literal('refused-to-start'), detail: z.string() }),
]);

export const linkFaultSchema = z.object({
  cut: z.boolean(), loss: probability, delayMs: ms, jitterMs: ms, duplicate: probability, reorder: probability,
});
const directedLink = z.object({ from: nodeId.min(1), to: nodeId.min(1) }).refine((l) => l.from !== l.to, { message: 'a link joins two different nodes' });
const linkState = z.object({ from: nodeId, to: nodeId, ...linkFaultSchema.shape });

export const namedPartitionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('isolate'), node: nodeId.min(1) }),
  z.object({ kind: z.literal('isolate-leader') }),
  z.object({ kind: z.literal('split'), groups: z.array(z.array(nodeId.min(1))).min(1) }),
  z.object({ kind: z.literal('ring') }),
  z.object({ kind: z.literal('heal') }),
]);

export const pendingItemSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('message'), id: z.string(), message: messageSchema, heldAtMs: z.number() }),
  z.object({ kind: z.literal('timeout'), id: z.string(), node: nodeId, timeout: z.enum(['election', 'heartbeat']) }),
]);

const kvKey = z.string().min(1).max(KV_LIMITS.keyChars);
const kvValue = z.string().max(KV_LIMITS.valueChars);
export const kvOpSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('put'), key: kvKey, value: kvValue }),
  z.object({ type: z.literal('get'), key: kvKey }),
  z.object({ type: z.literal('delete'), key: kvKey }),
  z.object({ type: z.literal('cas'), key: kvKey, expected: kvValue.nullable(), value: kvValue }),
]);

export const readModeSchema = z.enum(['log', 'read-index', 'lease']);

export const submitOptionsSchema = z.object({
  client: z.string().min(1).max(KV_LIMITS.clientIdChars).optional(), timeoutMs: z.number().int().min(1).max(CLIENT_TIMEOUT_MS_MAX).optional(), node: nodeId.min(1).optional(),
  read: readModeSchema.optional(),
});

export const kvResultSchema = z.union([
  z.object({ ok: z.literal(true), value: z.string().nullable(), index, leader: nodeId }),
  z.object({
    ok: z.literal(false), error: z.enum(['timeout', 'no-leader', 'not-leader', 'cas-mismatch', 'stopped']), detail: z.string(),
    value: z.string().nullable().optional(), leaderHint: nodeId.min(1).optional(),
  }),
]);

const safetyProperty = z.enum([
  'election-safety', 'leader-append-only', 'log-matching', 'leader-completeness',
  'state-machine-safety', 'monotonic-term', 'monotonic-commit', 'persisted-before-sent',
]);
export const violationSchema = z.object({
  property: safetyProperty, nodes: z.array(nodeId), indexes: z.array(index), term,
  eventSeq: z.number().int(), message: z.string(),
});

const nodeViewSchema = z.object({ id: nodeId, life: nodeLife, status: nodeStatusSchema.nullable(), exit: nodeExit.nullable() });

export const clusterSnapshotSchema = z.object({
  options: clusterOptionsSchema,
  dataDir: z.string(),
  nodes: z.array(nodeViewSchema),
  paused: z.boolean(),
  speed: z.number(),
  networkMs: z.number(),
  pending: z.array(pendingItemSchema),
  links: z.array(linkState),
  violations: z.array(violationSchema),
  seq: z.number().int(),
});

// ---------------------------------------------------------------------------------------------
// Events

const ev = { seq: z.number().int().min(0), atMs: z.number() };
export const labEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('cluster-created'), ...ev, options: clusterOptionsSchema, nodes: z.array(nodeId) }),
  z.object({ type: z.literal('node-life'), ...ev, node: nodeId, life: nodeLife, exit: nodeExit.nullable() }),
  z.object({ type: z.literal('node-status'), ...ev, status: nodeStatusSchema }),
  z.object({ type: z.literal('role-change'), ...ev, node: nodeId, role, term }),
  z.object({ type: z.literal('message-sent'), ...ev, msgId: z.string(), message: messageSchema }),
  z.object({ type: z.literal('message-delivered'), ...ev, msgId: z.string(), message: messageSchema }),
  z.object({ type: z.literal('message-dropped'), ...ev, msgId: z.string(), message: messageSchema, why: z.enum(['cut', 'loss', 'crashed', 'user']) }),
  z.object({ type: z.literal('entries-applied'), ...ev, node: nodeId, from: index, to: index }),
  z.object({ type: z.literal('client-invoke'), ...ev, opId: z.string(), client: z.string(), op: kvOpSchema, read: z.enum(['read-index', 'lease']).optional() }),
  z.object({ type: z.literal('client-complete'), ...ev, opId: z.string(), result: kvResultSchema }),
  z.object({ type: z.literal('run-state'), ...ev, paused: z.boolean(), speed: z.number(), networkMs: z.number().optional() }),
  z.object({ type: z.literal('pending'), ...ev, items: z.array(pendingItemSchema) }),
  z.object({ type: z.literal('faults'), ...ev, links: z.array(linkState) }),
  z.object({ type: z.literal('violation'), ...ev, violation: violationSchema }),
]);
export const labEventsSchema = z.array(labEventSchema);

// ---------------------------------------------------------------------------------------------
// Method arguments and results

const speed = z.number().min(SPEED_MIN).max(SPEED_MAX);
export const paceSchema = z.object({ speed, networkMs: z.number().min(0).max(MAX_NETWORK_MS) });
const pendingId = z.string().min(1).max(PENDING_ID_CHARS_MAX);

export const exportFormatSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('replay') }),
  z.object({ kind: z.literal('shiviz') }),
  z.object({ kind: z.literal('perfetto') }),
  z.object({ kind: z.literal('history'), flavor: z.enum(['porcupine', 'knossos']) }),
  z.object({ kind: z.literal('sqlite'), node: nodeId.min(1) }),
  z.object({ kind: z.literal('archive') }),
]);

// A file name, not a path: no separators, so a host can never be steered to save elsewhere.
const exportFileName = z.string().min(1).max(200).regex(/^[^/\\]+$/, 'a file name without folders');
export const exportedFileSchema = z.object({
  id: exportIdSchema, fileName: exportFileName, mimeType: z.string().min(1).max(100), bytes: z.number().int().min(0),
});

const runMatchSchema = z.object({ line: z.number().int().min(1), atS: z.number(), text: z.string() });
export const runSearchSchema = z.object({
  query: z.string().max(RUN_SEARCH_QUERY_MAX),
  matches: z.array(runMatchSchema).max(RUN_SEARCH_LIMIT_MAX),
  total: z.number().int().min(0),
  records: z.number().int().min(0),
});
const searchQuery = z.string().max(RUN_SEARCH_QUERY_MAX).refine((q) => q.trim() !== '', 'an empty query');
const searchLimit = z.number().int().min(1).max(RUN_SEARCH_LIMIT_MAX);

/** Problem with a readLog range [lo, hi), or null when it is fine (shared by every LabApi). */
export function logRangeProblem(lo: number, hi: number): string | null {
  if (!Number.isInteger(lo) || !Number.isInteger(hi)) return `log range [${lo}, ${hi}) must be whole numbers`;
  if (lo < 1) return `log range [${lo}, ${hi}) must start at index 1 or later`;
  if (hi < lo) return `log range [${lo}, ${hi}) ends before it starts`;
  if (hi - lo > MAX_LOG_READ) return `log range [${lo}, ${hi}) asks for ${hi - lo} entries; at most ${MAX_LOG_READ} per call`;
  return null;
}

const readLogArgs = z.tuple([nodeId.min(1), index, index]).superRefine(([, lo, hi], ctx) => {
  const problem = logRangeProblem(lo, hi);
  if (problem !== null) ctx.addIssue({ code: 'custom', message: problem, path: [1] });
});

export const logRangeSchema = z.object({
  node: nodeId, entries: z.array(entrySchema).max(MAX_LOG_READ), firstIndex: index, lastIndex: index, commit: index,
});

/** One tuple schema per method: the method's parameters, positionally. */
export const labArgsSchemas = {
  createCluster: z.tuple([clusterOptionsSchema]),
  destroyCluster: z.tuple([]),
  snapshot: z.tuple([]),
  crashNode: z.tuple([nodeId.min(1)]),
  restartNode: z.tuple([nodeId.min(1)]),
  stopNode: z.tuple([nodeId.min(1)]),
  setNodePaused: z.tuple([nodeId.min(1), z.boolean()]),
  discardNodeData: z.tuple([nodeId.min(1)]),
  addNode: z.tuple([z.object({ learner: z.boolean() })]),
  changeMembership: z.tuple([confChangeSchema]),
  transferLeadership: z.tuple([nodeId.min(1)]),
  setPaused: z.tuple([z.boolean()]),
  setSpeed: z.tuple([speed]),
  setPace: z.tuple([z.lazy(() => paceSchema)]),
  deliver: z.tuple([pendingId]),
  drop: z.tuple([pendingId]),
  fireTimeout: z.tuple([nodeId.min(1)]),
  tickOnce: z.union([z.tuple([]), z.tuple([z.number().int().min(1).max(MAX_TICKS_PER_STEP)])]),
  setLinkFault: z.tuple([directedLink, linkFaultSchema.partial()]),
  partition: z.tuple([namedPartitionSchema]),
  // One tuple with an optional options object (not a union), so a bad field is named in the error.
  submit: z.tuple([kvOpSchema, submitOptionsSchema.optional()]).superRefine(([op, options], ctx) => {
    const problem = readModeProblem(op, options?.read);
    if (problem !== null) ctx.addIssue({ code: 'custom', path: [1, 'read'], message: problem });
  }),
  readLog: readLogArgs,
  exportRun: z.tuple([exportFormatSchema]),
  searchRun: z.union([z.tuple([searchQuery]), z.tuple([searchQuery, searchLimit])]),
} as const satisfies { [M in LabMethod]: z.ZodType };

/** Result schemas, for clients that check what a host answers. */
export const labResultSchemas = {
  createCluster: clusterSnapshotSchema,
  destroyCluster: z.null(),
  snapshot: clusterSnapshotSchema,
  crashNode: z.null(),
  restartNode: z.null(),
  stopNode: z.null(),
  setNodePaused: z.null(),
  discardNodeData: z.null(),
  addNode: nodeId,
  changeMembership: z.object({ ok: z.boolean(), detail: z.string() }),
  transferLeadership: z.null(),
  setPaused: z.null(),
  setSpeed: z.null(),
  setPace: z.null(),
  deliver: z.null(),
  drop: z.null(),
  fireTimeout: z.null(),
  tickOnce: z.null(),
  setLinkFault: z.null(),
  partition: z.null(),
  submit: kvResultSchema,
  readLog: logRangeSchema,
  exportRun: exportedFileSchema,
  searchRun: runSearchSchema,
} as const satisfies { [M in LabMethod]: z.ZodType };

/**
 * Validate the positional arguments of `method`. Throws LabInputError naming the method and the
 * first offending path, e.g. `createCluster: args[0].nodes: Too big: expected number to be <=9`.
 */
export function parseLabArgs<M extends LabMethod>(method: M, args: unknown): LabArgs<M> {
  const schema: z.ZodType = labArgsSchemas[method];
  const parsed = schema.safeParse(args);
  if (!parsed.success) throw new LabInputError(`${method}: ${describeIssues(parsed.error)}`);
  return parsed.data as LabArgs<M>;
}

/** Validate a host's answer to `method` (`void` results travel as null). */
export function parseLabResult(method: LabMethod, result: unknown): unknown {
  const parsed = (labResultSchemas[method] as z.ZodType).safeParse(result);
  if (!parsed.success) throw new LabInputError(`${method} result: ${describeIssues(parsed.error)}`);
  return parsed.data;
}

/** Validate one pushed batch of events. */
export function parseLabEvents(events: unknown): LabEvent[] {
  const parsed = labEventsSchema.safeParse(events);
  if (!parsed.success) throw new LabInputError(`events: ${describeIssues(parsed.error)}`);
  return parsed.data as LabEvent[];
}

function describeIssues(error: z.ZodError): string {
  return error.issues.slice(0, 3).map((i) => `${formatPath(i.path)}: ${i.message}`).join('; ');
}

function formatPath(path: readonly PropertyKey[]): string {
  let out = 'args';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : `.${String(p)}`;
  return out;
}

// ---------------------------------------------------------------------------------------------
// Compile-time agreement between schemas and the hand-written types.

// (The Raft types' schemas are checked in raft-schema.ts.)
const _agreement: [
  Agrees<typeof linkFaultSchema, LinkFault>,
  Agrees<typeof namedPartitionSchema, NamedPartition>,
  Agrees<typeof pendingItemSchema, PendingItem>,
  Agrees<typeof kvOpSchema, KvOp>,
  Agrees<typeof kvResultSchema, KvResult>,
  Agrees<typeof readModeSchema, ReadMode>,
  Agrees<typeof submitOptionsSchema, SubmitOptions>,
  Agrees<typeof violationSchema, Violation>,
  Agrees<typeof nodeExit, NodeExit>,
  Agrees<typeof nodeViewSchema, NodeView>,
  Agrees<typeof labEventSchema, LabEvent>,
  Agrees<typeof clusterSnapshotSchema, ClusterSnapshot>,
  Agrees<typeof clusterOptionsSchema, ClusterOptions>,
  Agrees<typeof directedLink, DirectedLink>,
  Agrees<typeof exportFormatSchema, ExportFormat>,
  Agrees<typeof exportedFileSchema, ExportedFile>,
  Agrees<typeof runMatchSchema, RunMatch>,
  Agrees<typeof runSearchSchema, RunSearch>,
  Agrees<typeof logRangeSchema, LogRange>,
  Agrees<typeof paceSchema, Pace>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];
void _agreement;
