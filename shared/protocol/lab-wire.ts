/**
 * The envelope that carries the LabApi over any transport: the Electron preload's IPC and the
 * browser host's WebSocket speak the same frames, so both validate the same way (lab-schema.ts)
 * and one dispatcher (`dispatchLabRequest`) serves both.
 *
 * Frames:
 * - client -> host: `LabRequestFrame` { kind: 'request', id, method, args }
 * - host -> client: `LabResponseFrame` (the answer to one request, matched by id) and
 *   `LabEventsFrame` (a pushed batch of lab events, in seq order).
 *
 * For IPC each method is its own channel (`labChannel(method)`), events arrive on
 * LAB_EVENTS_CHANNEL; the request/response pairing is then Electron's `invoke`.
 */
import type { LabApi, LabEvent } from './lab';
import type { LabArgs, LabMethod, LabResult } from './lab-methods';
import { LabInputError, parseLabArgs } from './lab-schema';

export { LabInputError };
export type { LabArgs, LabMethod, LabResult };

/** The request methods, in the order of the interface. The schema module has one entry each. */
export const LAB_METHODS = [
  'createCluster', 'destroyCluster', 'snapshot',
  'crashNode', 'restartNode', 'stopNode', 'setNodePaused', 'discardNodeData',
  'addNode', 'changeMembership', 'transferLeadership',
  'setPaused', 'setSpeed', 'setPace', 'deliver', 'drop', 'fireTimeout', 'tickOnce',
  'setLinkFault', 'partition',
  'submit',
  'readLog',
  'exportRun', 'searchRun',
] as const satisfies readonly LabMethod[];

// Compile-time check that LAB_METHODS names every method: a missing one makes this `never`.
type MissingMethods = Exclude<LabMethod, (typeof LAB_METHODS)[number]>;
const _allMethodsListed: MissingMethods extends never ? true : never = true;
void _allMethodsListed;

export function isLabMethod(name: unknown): name is LabMethod {
  return typeof name === 'string' && (LAB_METHODS as readonly string[]).includes(name);
}

export interface LabRequestFrame<M extends LabMethod = LabMethod> {
  readonly kind: 'request';
  /** Chosen by the client, unique among its outstanding requests. */
  readonly id: number;
  readonly method: M;
  readonly args: LabArgs<M>;
}

/** Why a request failed. `bad-request`: it did not match the schema (nothing was done). */
export interface LabWireError {
  readonly code: 'bad-request' | 'failed';
  readonly message: string;
}

export type LabResponseFrame =
  | { readonly kind: 'response'; readonly id: number; readonly ok: true; readonly result: unknown }
  | { readonly kind: 'response'; readonly id: number; readonly ok: false; readonly error: LabWireError };

export interface LabEventsFrame {
  readonly kind: 'events';
  readonly events: readonly LabEvent[];
}

export type LabServerFrame = LabResponseFrame | LabEventsFrame;

/** The IPC channel of one method (`lab:createCluster`, ...). */
export function labChannel(method: LabMethod): `lab:${LabMethod}` {
  return `lab:${method}`;
}
export const LAB_EVENTS_CHANNEL = 'lab:events' as const;

/**
 * Validate `args` for `method` and call it on `api`. Never throws: bad input becomes a
 * `bad-request` response (and the api is not called), a rejected call becomes `failed`.
 */
export async function dispatchLabRequest(api: LabApi, id: number, method: unknown, args: unknown): Promise<LabResponseFrame> {
  let call: () => Promise<unknown>;
  try {
    call = bindLabCall(api, method, args);
  } catch (err) {
    return { kind: 'response', id, ok: false, error: { code: 'bad-request', message: errorText(err) } };
  }
  try {
    const result = await call();
    return { kind: 'response', id, ok: true, result: result ?? null };
  } catch (err) {
    return { kind: 'response', id, ok: false, error: { code: 'failed', message: errorText(err) } };
  }
}

/** Validate, then return a thunk that performs the call. Throws LabInputError on bad input. */
export function bindLabCall(api: LabApi, method: unknown, args: unknown): () => Promise<unknown> {
  if (!isLabMethod(method)) throw new LabInputError(`unknown lab method ${JSON.stringify(method)}`);
  const parsed = parseLabArgs(method, args) as unknown[];
  const fn = api[method] as (...a: unknown[]) => Promise<unknown>;
  return () => fn.apply(api, parsed);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
