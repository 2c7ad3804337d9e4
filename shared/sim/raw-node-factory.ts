/** The simulator's nodes are the real core: RawNode's static factories. */
import { RawNode } from '../raft/raw-node';
import type { NodeFactory } from './simulator';

export const rawNodeFactory: NodeFactory = {
  bootstrap: (config, rng, conf) => RawNode.bootstrap(config, rng, conf),
  join: (config, rng) => RawNode.join(config, rng),
  restore: (config, rng, persisted) => RawNode.restore(config, rng, persisted),
};
