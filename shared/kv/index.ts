/**
 * The replicated key-value store: command codec, state machine with client sessions, snapshot
 * format and digest. See README.md in this folder.
 */
export {
  KV_COMMAND_VERSION,
  KV_LIMITS,
  KvCommandError,
  decodeCommand,
  encodeCommand,
  validateOp,
  type KvCommand,
} from './command';
export {
  DEFAULT_MAX_SESSIONS,
  KvStateMachine,
  toKvResult,
  type ApplyOutcome,
  type ClientOutcome,
  type KvStateMachineOptions,
  type OpResult,
  type Session,
} from './state-machine';
export { KV_SNAPSHOT_VERSION, KvSnapshotError, canonicalJson } from './snapshot';
export { KvClientSession } from './client';
export { fnv1a64 } from './fnv';
