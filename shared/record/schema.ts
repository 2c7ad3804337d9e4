/**
 * zod schemas of every record in a recording (format.ts). Raft messages, entries and client
 * operations reuse the lab protocol's schemas. Records are strict: an unknown field is an error,
 * so a mutated or foreign file is named rather than half-read.
 */
import { z } from 'zod';
import { confChangeSchema, entrySchema, kvOpSchema, kvResultSchema, messageSchema } from '../protocol/lab-schema';
import { RECORDING_FORMAT, RECORDING_VERSION } from './format';

const nodeId = z.number().int().min(1).max(1_000);
const nodeIdOrNone = z.number().int().min(0).max(1_000);
const count = z.number().int().min(0);
const positive = z.number().int().min(1);
const wallMs = z.number().min(0);
const u32 = z.number().int().min(0).max(0xffffffff);
const hex64 = z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex digits');
const range = z.tuple([count, count]).refine(([lo, hi]) => lo <= hi, 'range [lo, hi) has lo > hi');

const confState = z.strictObject({ voters: z.array(nodeId), learners: z.array(nodeId) });
const hardState = z.strictObject({ term: count, vote: nodeIdOrNone, commit: count });
const snapshotMeta = z.strictObject({ index: count, term: count, conf: confState });
const snapshot = z.strictObject({ meta: snapshotMeta, data: z.string() });
const role = z.enum(['follower', 'pre-candidate', 'candidate', 'leader']);

const raftConfig = z.strictObject({
  id: nodeId,
  heartbeatTicks: positive,
  electionTicks: positive,
  preVote: z.boolean(),
  checkQuorum: z.boolean(),
  maxEntriesPerMsg: positive,
  maxInflightMsgs: positive,
  leaseRead: z.boolean(),
  unsafe: z.strictObject({
    commitPreviousTermByCount: z.boolean().optional(),
    skipVoteLogCheck: z.boolean().optional(),
    allowDoubleVote: z.boolean().optional(),
    replyBeforePersist: z.boolean().optional(),
  }).optional(),
});

const persisted = z.strictObject({ hardState, snapshot: snapshot.nullable(), entries: z.array(entrySchema) });

const startMode = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('bootstrap'), conf: confState }),
  z.strictObject({ type: z.literal('join') }),
  z.strictObject({ type: z.literal('restore'), persisted }),
]);

export const sendStampSchema = z.strictObject({ startSeq: positive, seq: positive, index: count, lamport: positive });
const stamp = sendStampSchema;

const nodeInput = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('tick') }),
  z.strictObject({ type: z.literal('step'), msg: messageSchema, stamp: stamp.nullable() }),
  z.strictObject({ type: z.literal('campaign') }),
  z.strictObject({ type: z.literal('propose'), data: z.string() }),
  z.strictObject({ type: z.literal('propose-conf-change'), change: confChangeSchema }),
  z.strictObject({ type: z.literal('read-index'), ctx: z.string() }),
  z.strictObject({ type: z.literal('transfer-leadership'), to: nodeId }),
  z.strictObject({ type: z.literal('compact'), index: count, data: z.string() }),
  z.strictObject({ type: z.literal('advance') }),
]);

const refusal = z.discriminatedUnion('reason', [
  z.strictObject({ reason: z.literal('not-leader'), leader: nodeIdOrNone }),
  z.strictObject({ reason: z.literal('transfer-in-progress'), leader: nodeIdOrNone }),
  z.strictObject({ reason: z.literal('conf-change-pending'), leader: nodeIdOrNone }),
  z.strictObject({ reason: z.literal('invalid-conf-change'), leader: nodeIdOrNone, detail: z.string() }),
]);

const callResult = z.union([
  z.strictObject({ ok: z.literal(true), index: count, term: count }),
  z.strictObject({ ok: z.literal(true) }),
  z.strictObject({ ok: z.literal(false), refusal }),
]);

const nodeBase = { node: nodeId, seq: positive, lamport: positive, wallMs };

const jsonValue: z.ZodType = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(jsonValue), z.record(z.string(), jsonValue)]),
);

export const headerSchema = z.strictObject({
  kind: z.literal('header'),
  format: z.literal(RECORDING_FORMAT),
  version: z.literal(RECORDING_VERSION),
  source: z.enum(['sim', 'lab', 'test']),
  createdAtMs: wallMs,
  digest: z.string().min(1).max(100),
  cluster: z.strictObject({
    nodes: z.array(nodeId),
    seed: z.number().int(),
    settings: z.record(z.string(), jsonValue),
  }),
});

export const bodySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('start'), ...nodeBase, config: raftConfig, rng: z.tuple([u32, u32, u32, u32]), mode: startMode, digest: hex64 }),
  z.strictObject({ kind: z.literal('input'), ...nodeBase, input: nodeInput, result: callResult.nullable(), error: z.string().nullable(), digest: hex64 }),
  z.strictObject({
    kind: z.literal('ready'), ...nodeBase,
    softState: z.strictObject({ role, leader: nodeIdOrNone }),
    hardState: hardState.nullable(),
    appended: range,
    applied: range,
    snapshot: snapshotMeta.nullable(),
    messages: z.array(messageSchema),
    readStates: z.array(z.strictObject({ ctx: z.string(), index: count })),
    readyDigest: hex64,
    digest: hex64,
  }),
  z.strictObject({ kind: z.literal('crash'), ...nodeBase, reason: z.enum(['crashed', 'killed', 'stopped']) }),
  z.strictObject({ kind: z.literal('invoke'), opId: z.string().min(1), client: z.string(), op: kvOpSchema, wallMs }),
  z.strictObject({ kind: z.literal('complete'), opId: z.string().min(1), result: kvResultSchema, wallMs }),
  z.strictObject({ kind: z.literal('note'), wallMs, text: z.string() }),
]);

export const endSchema = z.strictObject({ kind: z.literal('end'), wallMs, records: count });

/** The first zod issue as `field.path: problem`. */
export function describeIssue(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid record';
  let path = '';
  for (const p of issue.path) path += typeof p === 'number' ? `[${p}]` : path ? `.${String(p)}` : String(p);
  return path ? `field ${path}: ${issue.message}` : issue.message;
}
