/**
 * The membership stored in the database's `conf` table: the snapshot's configuration with the
 * log's conf entries applied in order (the configuration in effect, committed or not, as
 * NodeStatus.conf defines it). Kept only so people reading the file with sqlite3 see it; the
 * node itself rebuilds its configuration from the snapshot and entries.
 */
import type { ConfChange, ConfState } from '../../shared/raft/types';

export function applyConfChange(conf: ConfState, change: ConfChange): ConfState {
  const voters = conf.voters.filter((id) => id !== change.node);
  const learners = conf.learners.filter((id) => id !== change.node);
  switch (change.type) {
    case 'add-voter':
      voters.push(change.node);
      break;
    case 'add-learner':
      learners.push(change.node);
      break;
    case 'remove':
      break;
  }
  return { voters: voters.sort((a, b) => a - b), learners: learners.sort((a, b) => a - b) };
}
