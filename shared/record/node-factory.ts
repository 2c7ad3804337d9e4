/**
 * How recording and replay build a node: the three static factories of RawNode (see the header
 * of shared/raft/api.ts). `RawNode` itself satisfies NodeFactory, so hosts pass the class.
 */
import type { RaftNodeApi, RaftNodeFactory } from '../raft/api';
import type { RaftConfig } from '../raft/types';
import type { Rng } from '../util/rng';
import type { StartMode } from './format';

export type NodeFactory = RaftNodeFactory;

export function buildNode(factory: NodeFactory, mode: StartMode, config: RaftConfig, rng: Rng): RaftNodeApi {
  switch (mode.type) {
    case 'bootstrap':
      return factory.bootstrap(config, rng, mode.conf);
    case 'join':
      return factory.join(config, rng);
    case 'restore':
      return factory.restore(config, rng, mode.persisted);
  }
}
