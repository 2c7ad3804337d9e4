/**
 * The KV snapshot format: versioned JSON with object keys sorted at every level, so two replicas
 * with the same state produce byte-identical snapshots (and digests). Parsing validates every
 * field and throws a KvSnapshotError naming the first thing that is wrong.
 */
import type { OpResult } from './op-result';
import { describeValue, isRecord, validateClientId, validateSeq, KvCommandError } from './command';

export const KV_SNAPSHOT_VERSION = 1 as const;

export interface KvSnapshotData {
  readonly appliedIndex: number;
  readonly maxSessions: number;
  /** Key to value. */
  readonly data: Readonly<Record<string, string>>;
  /** Sessions, least recently used first (the order is part of the state: it decides eviction). */
  readonly sessions: readonly { readonly client: string; readonly lastSeq: number; readonly result: OpResult }[];
}

export class KvSnapshotError extends Error {
  override readonly name = 'KvSnapshotError';
}

export function serializeSnapshot(snap: KvSnapshotData): string {
  return canonicalJson({ v: KV_SNAPSHOT_VERSION, ...snap });
}

export function parseSnapshot(text: string): KvSnapshotData {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new KvSnapshotError(`kv snapshot: not JSON (${(e as Error).message})`);
  }
  if (!isRecord(raw)) throw new KvSnapshotError(`kv snapshot: expected an object, got ${describeValue(raw)}`);
  if (raw['v'] !== KV_SNAPSHOT_VERSION) {
    throw new KvSnapshotError(`kv snapshot: unsupported version ${describeValue(raw['v'])} (this build reads version ${KV_SNAPSHOT_VERSION})`);
  }
  const appliedIndex = nonNegativeInt(raw['appliedIndex'], 'kv snapshot: appliedIndex');
  const maxSessions = nonNegativeInt(raw['maxSessions'], 'kv snapshot: maxSessions');
  if (maxSessions < 1) throw new KvSnapshotError('kv snapshot: maxSessions must be at least 1, got 0');

  const rawData = raw['data'];
  if (!isRecord(rawData)) throw new KvSnapshotError(`kv snapshot: data must be an object, got ${describeValue(rawData)}`);
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawData)) {
    if (typeof v !== 'string') throw new KvSnapshotError(`kv snapshot: data[${JSON.stringify(k)}] must be a string, got ${describeValue(v)}`);
    data[k] = v;
  }

  const rawSessions = raw['sessions'];
  if (!Array.isArray(rawSessions)) throw new KvSnapshotError(`kv snapshot: sessions must be an array, got ${describeValue(rawSessions)}`);
  if (rawSessions.length > maxSessions) throw new KvSnapshotError(`kv snapshot: ${rawSessions.length} sessions exceed maxSessions ${maxSessions}`);
  const seen = new Set<string>();
  const sessions = rawSessions.map((s: unknown, i) => {
    const where = `kv snapshot: sessions[${i}]`;
    if (!isRecord(s)) throw new KvSnapshotError(`${where} must be an object, got ${describeValue(s)}`);
    const client = rethrow(() => validateClientId(s['client'], `${where}.client`));
    if (seen.has(client)) throw new KvSnapshotError(`${where}: client ${JSON.stringify(client)} appears twice`);
    seen.add(client);
    const lastSeq = rethrow(() => validateSeq(s['lastSeq'], `${where}.lastSeq`));
    return { client, lastSeq, result: parseResult(s['result'], `${where}.result`, appliedIndex) };
  });
  return { appliedIndex, maxSessions, data, sessions };
}

function parseResult(raw: unknown, where: string, appliedIndex: number): OpResult {
  if (!isRecord(raw)) throw new KvSnapshotError(`${where} must be an object, got ${describeValue(raw)}`);
  const index = nonNegativeInt(raw['index'], `${where}.index`);
  if (index < 1 || index > appliedIndex) throw new KvSnapshotError(`${where}.index ${index} is outside [1, appliedIndex ${appliedIndex}]`);
  const kind = raw['kind'];
  if (kind === 'ok') return { kind, value: nullableString(raw['value'], `${where}.value`), index };
  if (kind === 'cas-mismatch') return { kind, actual: nullableString(raw['actual'], `${where}.actual`), index };
  throw new KvSnapshotError(`${where}.kind must be "ok" or "cas-mismatch", got ${describeValue(kind)}`);
}

function nonNegativeInt(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) throw new KvSnapshotError(`${where} must be a non-negative integer, got ${describeValue(v)}`);
  return v;
}

function nullableString(v: unknown, where: string): string | null {
  if (v === null || typeof v === 'string') return v;
  throw new KvSnapshotError(`${where} must be a string or null, got ${describeValue(v)}`);
}

function rethrow<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof KvCommandError) throw new KvSnapshotError(e.message);
    throw e;
  }
}

/** JSON with object keys sorted (code-unit order) at every level; arrays keep their order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    if (s === undefined) throw new TypeError(`canonicalJson: cannot encode ${typeof value}`);
    return s;
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const rec = value as Record<string, unknown>;
  const keys = Object.keys(rec).filter((k) => rec[k] !== undefined).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(rec[k])}`).join(',')}}`;
}
