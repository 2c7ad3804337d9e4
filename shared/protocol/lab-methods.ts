/**
 * The LabApi's request methods as types: their names, parameters and results. A leaf, so the
 * schemas (lab-schema.ts) and the wire envelope (lab-wire.ts) both import it and not each other.
 */
import type { LabApi } from './lab';

/** Every LabApi method that is a request (everything except the event subscription). */
export type LabMethod = Exclude<keyof LabApi, 'onEvents'>;
export type LabArgs<M extends LabMethod> = Parameters<LabApi[M]>;
export type LabResult<M extends LabMethod> = Awaited<ReturnType<LabApi[M]>>;
