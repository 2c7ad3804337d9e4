/**
 * The cluster engine's part of a run's recording (shared/cluster/lab-engine.ts `EngineRecorder`)
 * written into a RunRecorder: client requests, node stops, and the nodes' own records.
 */
import type { EngineRecorder } from '../cluster/lab-engine';
import type { RunRecorder } from './write';

export function engineFeed(run: RunRecorder): EngineRecorder {
  return {
    invoke: (opId, client, _seq, op, atMs, read) => run.invoke(opId, client, op, atMs, read),
    complete: (opId, result, atMs) => run.complete(opId, result, atMs),
    nodeDown: (node, how, atMs) => run.crashed(node, how, atMs),
    fromNode: (node, records) => run.fromNode(node, records),
  };
}
