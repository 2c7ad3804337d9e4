/**
 * Every boundary that checks a cluster's settings takes its bounds from shared/limits.ts: the lab
 * API's schema, the simulator's options and the lab controller accept each limit and refuse one
 * step past it. Before the limits had one home, the simulator refused an election timeout the
 * lab accepted, and the lab's schema let link delays through that the controller then refused.
 */
import { describe, expect, it } from 'vitest';
import { validateClusterOptions } from '../../electron/lab/controller';
import {
  ELECTION_TICKS_MAX, HEARTBEAT_TICKS_MAX, LINK_DELAY_MS_MAX, MAX_NODE_ID, MAX_NODES, SPEED_MAX, SPEED_MIN, TICK_MS_MAX,
} from '../../shared/limits';
import { DEFAULT_CLUSTER_OPTIONS, type ClusterOptions } from '../../shared/protocol/lab';
import { parseLabArgs } from '../../shared/protocol/lab-schema';
import { resolveSimOptions } from '../../shared/sim/options';
import { SPEEDS } from '../../renderer/src/controls/speed';

type Setting = 'nodes' | 'tickMs' | 'heartbeatTicks' | 'electionTicks';

const LIMITS: readonly (readonly [Setting, number])[] = [
  ['nodes', MAX_NODES],
  ['tickMs', TICK_MS_MAX],
  ['heartbeatTicks', HEARTBEAT_TICKS_MAX],
  ['electionTicks', ELECTION_TICKS_MAX],
];

/** Options with `name` set to `value`, the election timeout kept above the heartbeat. */
function withSetting(name: Setting, value: number): ClusterOptions {
  const o = { ...DEFAULT_CLUSTER_OPTIONS, [name]: value };
  return name === 'heartbeatTicks' ? { ...o, electionTicks: value + 1 } : o;
}

/** Whether each boundary accepts `o`: the lab API's schema, the controller, the simulator. */
function accepted(o: ClusterOptions): { schema: boolean; controller: boolean; sim: boolean } {
  const ok = (f: () => unknown): boolean => {
    try {
      f();
      return true;
    } catch {
      return false;
    }
  };
  return {
    schema: ok(() => parseLabArgs('createCluster', [o])),
    controller: ok(() => validateClusterOptions(o)),
    sim: ok(() => resolveSimOptions({ nodes: o.nodes, tickMs: o.tickMs, heartbeatTicks: o.heartbeatTicks, electionTicks: o.electionTicks })),
  };
}

describe('one set of limits', () => {
  for (const [name, max] of LIMITS) {
    it(`${name}: every boundary accepts ${max} and refuses ${max + 1}`, () => {
      expect(accepted(withSetting(name, max))).toEqual({ schema: true, controller: true, sim: true });
      expect(accepted(withSetting(name, max + 1))).toEqual({ schema: false, controller: false, sim: false });
    });
  }

  it('link delays: the schema and the simulator stop at the same bound', () => {
    const link = { from: 1, to: 2 };
    expect(() => parseLabArgs('setLinkFault', [link, { delayMs: LINK_DELAY_MS_MAX }])).not.toThrow();
    expect(() => parseLabArgs('setLinkFault', [link, { delayMs: LINK_DELAY_MS_MAX + 1 }])).toThrow(/delayMs/);
    expect(() => resolveSimOptions({ delayMs: LINK_DELAY_MS_MAX })).not.toThrow();
    expect(() => resolveSimOptions({ delayMs: LINK_DELAY_MS_MAX + 1 })).toThrow(/delayMs/);
  });

  it('node ids: a node the lab could never have is refused at the API', () => {
    expect(MAX_NODE_ID).toBeGreaterThanOrEqual(MAX_NODES);
    expect(() => parseLabArgs('crashNode', [MAX_NODE_ID])).not.toThrow();
    expect(() => parseLabArgs('crashNode', [MAX_NODE_ID + 1])).toThrow(/crashNode/);
    expect(() => parseLabArgs('changeMembership', [{ type: 'add-voter', node: MAX_NODE_ID + 1 }])).toThrow(/changeMembership/);
  });

  it('speed: the API accepts exactly the range the toolbar steps through', () => {
    expect(SPEEDS[0]).toBe(SPEED_MIN);
    expect(SPEEDS[SPEEDS.length - 1]).toBe(SPEED_MAX);
    expect(() => parseLabArgs('setSpeed', [SPEED_MIN])).not.toThrow();
    expect(() => parseLabArgs('setSpeed', [SPEED_MAX])).not.toThrow();
    expect(() => parseLabArgs('setSpeed', [SPEED_MIN / 2])).toThrow(/setSpeed/);
    expect(() => parseLabArgs('setSpeed', [SPEED_MAX * 2])).toThrow(/setSpeed/);
  });
});
