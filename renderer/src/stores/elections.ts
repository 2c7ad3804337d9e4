/**
 * Vote tallies of the elections in the run (shared/election), a projection of the event stream
 * like the other stores, so it shows the live lab, a branch and a replay the same way.
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { onScopeDispose, ref, watch } from 'vue';
import type { LabEvent } from '../../../shared/protocol/lab';
import type { NodeId } from '../../../shared/raft/types';
import { ElectionTracker, type Campaign } from '../../../shared/election/tally';
import { useLabClient } from '../transport/inject';
import { useLabStore } from './lab';

export const useElectionsStore = defineStore('elections', () => {
  const client = useLabClient();
  const tracker = new ElectionTracker();
  /** Bumps once per batch that changed a campaign: getters depend on it. */
  const version = ref(0);
  let lastSeq = 0;

  function apply(events: readonly LabEvent[]): void {
    const before = tracker.version;
    for (const e of events) {
      // A new cluster (or a replay frame) restarts the numbering; anything else seen twice is skipped.
      if (e.type !== 'cluster-created' && e.seq <= lastSeq) continue;
      lastSeq = e.seq;
      tracker.applyOne(e);
    }
    if (tracker.version !== before) version.value++;
  }

  /** The newest campaign of `node`, or null if it never asked for votes. */
  function latestOf(node: NodeId): Campaign | null {
    void version.value;
    return tracker.latestOf(node);
  }

  /** The campaign a vote request or reply belongs to. */
  function ofMessage(msgId: string): { campaign: Campaign; voter: NodeId } | null {
    void version.value;
    return tracker.campaignOfMessage(msgId);
  }

  // A page that connects to a running cluster learns its options from the snapshot, not an event.
  const lab = useLabStore();
  watch(() => lab.options, (o) => { if (o) tracker.setRules(o); }, { immediate: true });

  const off = client.onEvents(apply);
  onScopeDispose(off);

  return { version, latestOf, ofMessage, apply };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useElectionsStore, import.meta.hot));
