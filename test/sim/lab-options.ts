/** Cluster settings for tests of the simulator's lab face: the simulator's own default timing. */
import { DEFAULT_CLUSTER_OPTIONS, type ClusterOptions } from '../../shared/protocol/lab';

export function simLabOptions(o: Partial<ClusterOptions> = {}): ClusterOptions {
  return { ...DEFAULT_CLUSTER_OPTIONS, nodes: 3, tickMs: 10, snapshotEvery: 0, ...o };
}
