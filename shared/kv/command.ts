/**
 * The KV command codec: what travels as the `data` string of a `command` log entry.
 *
 * A command is one client request tagged with the client's session id and a per-client sequence
 * number, so the state machine can apply each request exactly once however often it is retried.
 * The encoding is versioned JSON; decoding validates every field and throws a `KvCommandError`
 * naming the first thing that was wrong. Encoding validates too, so nothing malformed is ever
 * proposed.
 */
import type { KvOp } from '../protocol/lab';
import { KV_LIMITS } from '../limits';

/** Bump when the command shape changes incompatibly; decoders reject other versions. */
export const KV_COMMAND_VERSION = 1 as const;

/** Limits on what one command may carry (a bound on everything that enters the log); kept in shared/limits.ts. */
export { KV_LIMITS };

export interface KvCommand {
  /** The client session id (any non-empty string; the lab uses names such as "c1"). */
  readonly client: string;
  /**
   * The client's request number: 1 for its first request, then increasing. A retry of the same
   * request reuses its number. Clients issue one request at a time (dissertation §6.3).
   */
  readonly seq: number;
  readonly op: KvOp;
}

export class KvCommandError extends Error {
  override readonly name = 'KvCommandError';
}

/** Serialises a command for `RaftNodeApi.propose`. Throws KvCommandError on an invalid command. */
export function encodeCommand(cmd: KvCommand): string {
  const checked = validateCommand(cmd);
  // Fixed field order, so the same command always encodes to the same string.
  return JSON.stringify({ v: KV_COMMAND_VERSION, client: checked.client, seq: checked.seq, op: canonicalOp(checked.op) });
}

/** Parses and validates the `data` of a command entry. Throws KvCommandError on malformed data. */
export function decodeCommand(data: string): KvCommand {
  let raw: unknown;
  try {
    raw = JSON.parse(data);
  } catch (e) {
    throw new KvCommandError(`kv command: not JSON (${(e as Error).message}): ${preview(data)}`);
  }
  if (!isRecord(raw)) throw new KvCommandError(`kv command: expected an object, got ${describeValue(raw)}`);
  if (raw['v'] !== KV_COMMAND_VERSION) {
    throw new KvCommandError(`kv command: unsupported version ${describeValue(raw['v'])} (this build reads version ${KV_COMMAND_VERSION})`);
  }
  return validateCommand(raw);
}

/** Validates an unknown value as a command; also used by encodeCommand and snapshot restore. */
export function validateCommand(raw: unknown): KvCommand {
  if (!isRecord(raw)) throw new KvCommandError(`kv command: expected an object, got ${describeValue(raw)}`);
  const client = raw['client'];
  const seq = raw['seq'];
  return { client: validateClientId(client, 'kv command: client'), seq: validateSeq(seq, 'kv command: seq'), op: validateOp(raw['op'], 'kv command: op') };
}

export function validateClientId(client: unknown, where: string): string {
  if (typeof client !== 'string' || client.length === 0) throw new KvCommandError(`${where} must be a non-empty string, got ${describeValue(client)}`);
  if (client.length > KV_LIMITS.clientIdChars) throw new KvCommandError(`${where} is ${client.length} characters, the limit is ${KV_LIMITS.clientIdChars}`);
  return client;
}

export function validateSeq(seq: unknown, where: string): number {
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 1) {
    throw new KvCommandError(`${where} must be a positive integer, got ${describeValue(seq)}`);
  }
  return seq;
}

/** Validates an unknown value as a KvOp. `where` prefixes the error message. */
export function validateOp(raw: unknown, where: string): KvOp {
  if (!isRecord(raw)) throw new KvCommandError(`${where}: expected an object, got ${describeValue(raw)}`);
  const type = raw['type'];
  const key = validateKey(raw['key'], `${where}.key`);
  switch (type) {
    case 'put':
      return { type, key, value: validateValue(raw['value'], `${where}.value`) };
    case 'get':
      return { type, key };
    case 'delete':
      return { type, key };
    case 'cas': {
      const expected = raw['expected'];
      return {
        type,
        key,
        expected: expected === null ? null : validateValue(expected, `${where}.expected`),
        value: validateValue(raw['value'], `${where}.value`),
      };
    }
    default:
      throw new KvCommandError(`${where}.type must be one of put, get, delete, cas; got ${describeValue(type)}`);
  }
}

function validateKey(key: unknown, where: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new KvCommandError(`${where} must be a non-empty string, got ${describeValue(key)}`);
  if (key.length > KV_LIMITS.keyChars) throw new KvCommandError(`${where} is ${key.length} characters, the limit is ${KV_LIMITS.keyChars}`);
  return key;
}

function validateValue(value: unknown, where: string): string {
  if (typeof value !== 'string') throw new KvCommandError(`${where} must be a string, got ${describeValue(value)}`);
  if (value.length > KV_LIMITS.valueChars) throw new KvCommandError(`${where} is ${value.length} characters, the limit is ${KV_LIMITS.valueChars}`);
  return value;
}

/** The op with only its own fields, in a fixed order (drops extra properties a caller passed). */
export function canonicalOp(op: KvOp): KvOp {
  switch (op.type) {
    case 'put':
      return { type: 'put', key: op.key, value: op.value };
    case 'get':
      return { type: 'get', key: op.key };
    case 'delete':
      return { type: 'delete', key: op.key };
    case 'cas':
      return { type: 'cas', key: op.key, expected: op.expected, value: op.value };
  }
}

export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A short description of an unexpected value for error messages. */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'object') return 'an object';
  if (typeof v === 'string') return JSON.stringify(preview(v));
  return `${typeof v} ${String(v)}`;
}

function preview(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}
