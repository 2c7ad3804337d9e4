/**
 * The cluster in one line for the toolbar: how many members the configuration has (not how many
 * processes run: a removed node's process may still be up), the quorum that takes, and the
 * leader with its own term (the highest term any node reports can be newer: a candidate's).
 */
import type { NodeView } from '../../../shared/protocol/lab';
import { majority } from '../../../shared/raft/quorum';
import type { NodeId, NodeStatus } from '../../../shared/raft/types';

export interface ClusterFacts {
  readonly voters: number;
  readonly learners: number;
  /** Votes (or acknowledgements) a decision needs: a majority of the voters. */
  readonly quorum: number;
  readonly leader: { readonly id: NodeId; readonly term: number } | null;
  /** The highest term any running node reports. */
  readonly maxTerm: number;
}

const up = (n: NodeView) => n.life === 'running' || n.life === 'paused';

export function clusterFacts(nodes: Iterable<NodeView>): ClusterFacts {
  let leader: NodeStatus | null = null;
  let newest: NodeStatus | null = null;
  let maxTerm = 0;
  const processes: NodeId[] = [];
  for (const n of nodes) {
    processes.push(n.id);
    const s = n.status;
    if (!s || !up(n)) continue;
    maxTerm = Math.max(maxTerm, s.term);
    if (s.role === 'leader' && (!leader || s.term > leader.term)) leader = s;
    // The configuration of the node that has the most of the log knows the newest one.
    if (!newest || s.lastIndex > newest.lastIndex || (s.lastIndex === newest.lastIndex && s.term > newest.term)) newest = s;
  }
  const conf = (leader ?? newest)?.conf;
  const voters = conf ? conf.voters.length : processes.length;
  return {
    voters,
    learners: conf ? conf.learners.length : 0,
    quorum: majority(voters),
    leader: leader ? { id: leader.id, term: leader.term } : null,
    maxTerm,
  };
}

/** "5 voters + 1 learner · quorum 3". */
export function membersText(f: ClusterFacts): string {
  const voters = `${f.voters} ${f.voters === 1 ? 'voter' : 'voters'}`;
  const learners = f.learners > 0 ? ` + ${f.learners} ${f.learners === 1 ? 'learner' : 'learners'}` : '';
  return `${voters}${learners} · quorum ${f.quorum}`;
}

/** The term fact's tooltip: whose term it is, and a newer term some node already holds. */
export function termTitle(f: ClusterFacts): string {
  if (!f.leader) return `the newest term any node reports (no leader in it yet)`;
  const newer = f.maxTerm > f.leader.term ? `; node(s) already at term ${f.maxTerm} (an election is under way)` : '';
  return `leader ${f.leader.id}'s own term${newer}`;
}
