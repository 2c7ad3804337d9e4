/**
 * zod schemas of every record in a recording (format.ts). The Raft types (messages, entries,
 * snapshots, hard state, configuration) use the one set of Raft schemas
 * (shared/protocol/raft-schema.ts); client operations reuse the lab protocol's. Records are
 * strict: an unknown field is an error, so a mutated or foreign file is named rather than
 * half-read.
 */
import { z } from 'zod';
import { kvOpSchema, kvResultSchema } from '../protocol/lab-schema';
import {
  confChangeSchema, confStateSchema, countSchema, hardStateSchema, messageSchema, nodeIdSchema,
  persistedStateSchema, proposalRefusalSchema, raftConfigSchema, readStateSchema, snapshotMetaSchema, softStateSchema,
} from '../protocol/raft-schema';
import { RECORDING_FORMAT, RECORDING_VERSION } from './format';

const nodeId = nodeIdSchema;
const count = countSchema;
const positive = z.number().int().min(1);
const wallMs = z.number().min(0);
const u32 = z.number().int().min(0).max(0xffffffff);
const hex64 = z.string().regex(/^[0-9a-f]{16}$/, 'expected 16 lowercase hex digits');
const range = z.tuple([count, count]).refine(([lo, hi]) => lo <= hi, 'range [lo, hi) has lo > hi');

const startMode = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('bootstrap'), conf: confStateSchema }),
  z.strictObject({ type: z.literal('join') }),
  z.strictObject({
    type: z.literal('restore'),
    persisted: persistedStateSchema,
    base: z.strictObject({ first: positive, through: count, digest: hex64 })
      .refine((b) => b.through >= b.first, 'base.through is below base.first')
      .optional(),
  }),
]);

export const sendStampSchema = z.strictObject({ startSeq: positive, seq: positive, index: count, lamport: positive });
const stamp = sendStampSchema;

const nodeInput = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('tick') }),
  z.strictObject({ type: z.literal('step'), msg: messageSchema, stamp: stamp.nullable() }),
  z.strictObject({ type: z.literal('campaign') }),
  z.strictObject({ type: z.literal('propose'), data: z.string() }),
  z.strictObject({ type: z.literal('propose-conf-change'), change: confChangeSchema }),
  z.strictObject({ type: z.literal('read-index'), ctx: z.string(), lease: z.boolean().optional() }),
  z.strictObject({ type: z.literal('transfer-leadership'), to: nodeId }),
  z.strictObject({ type: z.literal('compact'), index: count, data: z.string() }),
  z.strictObject({ type: z.literal('advance') }),
]);

const refusal = proposalRefusalSchema;

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
  version: z.union([z.literal(1), z.literal(RECORDING_VERSION)]),
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
  z.strictObject({ kind: z.literal('start'), ...nodeBase, config: raftConfigSchema, rng: z.tuple([u32, u32, u32, u32]), mode: startMode, digest: hex64 }),
  z.strictObject({ kind: z.literal('input'), ...nodeBase, input: nodeInput, result: callResult.nullable(), error: z.string().nullable(), digest: hex64 }),
  z.strictObject({
    kind: z.literal('ready'), ...nodeBase,
    softState: softStateSchema,
    hardState: hardStateSchema.nullable(),
    appended: range,
    terms: z.array(z.tuple([positive, count])).min(1).optional(),
    applied: range,
    snapshot: snapshotMetaSchema.nullable(),
    messages: z.array(messageSchema),
    readStates: z.array(readStateSchema),
    readyDigest: hex64,
    digest: hex64,
  }),
  z.strictObject({ kind: z.literal('crash'), ...nodeBase, reason: z.enum(['crashed', 'killed', 'stopped']) }),
  z.strictObject({ kind: z.literal('invoke'), opId: z.string().min(1), client: z.string(), op: kvOpSchema, read: z.enum(['read-index', 'lease']).optional(), wallMs }),
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
