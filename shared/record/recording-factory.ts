/**
 * A NodeFactory that records: it builds each node through the real factory wrapped in a
 * RecordingNode that writes to one RunRecorder. Hosts that already take a factory (the simulator)
 * record a run by passing this instead, with no other change. Nodes in one process share one
 * stamp book, so receives are linked to their sends without the host passing stamps.
 */
import type { ConfState, NodeId, PersistedState, RaftConfig } from '../raft/types';
import type { Rng } from '../util/rng';
import type { StateDigest } from './digest';
import type { CrashRecord, StartMode } from './format';
import type { NodeFactory } from './node-factory';
import { RecordingNode, type StampBook } from './recorder';
import type { RunRecorder } from './write';

export class RecordingFactory implements NodeFactory {
  private readonly book: StampBook = new WeakMap();
  private readonly live = new Map<NodeId, RecordingNode>();

  constructor(
    private readonly inner: NodeFactory,
    private readonly run: RunRecorder,
    private readonly clock: () => number,
    private readonly digest?: StateDigest,
  ) {}

  bootstrap(config: RaftConfig, rng: Rng, conf: ConfState): RecordingNode {
    return this.start({ type: 'bootstrap', conf }, config, rng);
  }

  join(config: RaftConfig, rng: Rng): RecordingNode {
    return this.start({ type: 'join' }, config, rng);
  }

  restore(config: RaftConfig, rng: Rng, persisted: PersistedState): RecordingNode {
    return this.start({ type: 'restore', persisted }, config, rng);
  }

  /** The host dropped this node's instance (crash, kill, stop). */
  crashed(node: NodeId, reason: CrashRecord['reason'] = 'crashed'): void {
    this.live.get(node)?.recordCrash(reason);
    this.live.delete(node);
  }

  private start(mode: StartMode, config: RaftConfig, rng: Rng): RecordingNode {
    // A host that does not report crashes still yields a valid recording: a new instance of a
    // live node means the old one died just now.
    if (this.live.has(config.id)) this.crashed(config.id);
    const resume = this.run.cursorOf(config.id);
    const node = RecordingNode.start(this.inner, mode, config, rng, {
      sink: this.run.nodeSink,
      clock: this.clock,
      stampBook: this.book,
      ...(this.digest ? { digest: this.digest } : {}),
      ...(resume ? { resume } : {}),
    });
    this.live.set(config.id, node);
    return node;
  }
}
