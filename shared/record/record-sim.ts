/**
 * Recording a simulated run: the simulator builds its nodes through a RecordingFactory, and its
 * client history is added at the end (the simulator keeps it itself). Used by tests, the bench
 * and anyone who wants a recording of a seed.
 */
import type { JsonValue, Recording } from './format';
import { RecordingFactory } from './recording-factory';
import { RunRecorder } from './write';
import { Simulator } from '../sim/simulator';
import { resolveSimOptions, type SimOptions } from '../sim/options';
import type { NodeFactory } from './node-factory';

export interface RecordedSim {
  readonly sim: Simulator;
  readonly recording: Recording;
}

/**
 * Run the simulator with `options` through `factory`, recording everything. `drive` replaces the
 * default `sim.run()` for scripted runs (crash this node now, partition, then run to the end).
 */
export function recordSimulation(
  partial: Partial<SimOptions>,
  factory: NodeFactory,
  drive: (sim: Simulator) => void = (s) => void s.run(),
  simOptions: { readonly keepTrace?: boolean } = {},
): RecordedSim {
  const options = resolveSimOptions(partial);
  const run = new RunRecorder({
    source: 'sim',
    createdAtMs: 0,
    nodes: Array.from({ length: options.nodes }, (_, i) => i + 1),
    seed: options.seed,
    settings: JSON.parse(JSON.stringify(options)) as { [key: string]: JsonValue },
  });
  let sim: Simulator | null = null;
  const recording = new RecordingFactory(factory, run, () => sim?.now ?? 0);
  sim = new Simulator(options, recording, simOptions);
  drive(sim);
  sim.history.forEach((h, i) => {
    const opId = `${h.client}#${h.seq}.${i}`;
    run.invoke(opId, h.client, h.op, h.invokeMs, h.read);
    if (h.completeMs !== null && h.result !== null) run.complete(opId, h.result, h.completeMs);
  });
  return { sim, recording: run.finish(sim.now) };
}
