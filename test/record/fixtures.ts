/**
 * Recordings for the record tests, made by running the real simulator over the real core through
 * the recording factory. Kept small so the suite stays quick on a shared machine.
 */
import { RawNode } from '../../shared/raft/raw-node';
import type { NodeFactory } from '../../shared/record/node-factory';
import { recordSimulation, type RecordedSim } from '../../shared/record/record-sim';
import type { SimOptions } from '../../shared/sim/options';
import type { Simulator } from '../../shared/sim/simulator';

export const factory: NodeFactory = RawNode;

const cache = new Map<string, RecordedSim>();

/**
 * A recorded simulated run (memoised per options within one test file). With `crashes`, the run
 * is scripted so it certainly holds crashes and restarts (of a follower, then of the leader)
 * whatever faults the seed would draw.
 */
export function recordedRun(partial: Partial<SimOptions> = {}, crashes = false): RecordedSim {
  const options: Partial<SimOptions> = { nodes: 3, seed: 7, ops: 25, clients: 2, maxTimeMs: 8_000, faultWindowMs: 2_000, ...partial };
  const key = JSON.stringify([options, crashes]);
  let run = cache.get(key);
  if (!run) {
    run = recordSimulation(options, factory, crashes ? crashScript : (sim) => void sim.run());
    cache.set(key, run);
  }
  return run;
}

function crashScript(sim: Simulator): void {
  sim.advance(400);
  sim.crash(2);
  sim.advance(300);
  sim.restart(2);
  const leader = () => sim.nodeIds().find((id) => sim.node(id)?.status().role === 'leader');
  for (let i = 0; i < 30 && leader() === undefined; i++) sim.advance(100);
  const victim = leader() ?? 1;
  sim.crash(victim);
  sim.advance(400);
  sim.restart(victim);
  sim.run();
}

/** Replace line `n` (1-based) of a JSON Lines text by `f(parsed)`. */
export function editLine(text: string, n: number, f: (value: Record<string, unknown>) => unknown): string {
  const lines = text.split('\n');
  lines[n - 1] = JSON.stringify(f(JSON.parse(lines[n - 1]!) as Record<string, unknown>));
  return lines.join('\n');
}
