/** What the user is looking at: the selected node, message or event, and the side panel's tab. */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { ref } from 'vue';
import type { NodeId } from '../../../shared/raft/types';

export type PanelTab = 'step' | 'inspect' | 'client' | 'network' | 'members' | 'events';

export const useSelectionStore = defineStore('selection', () => {
  const node = ref<NodeId | null>(null);
  const msgId = ref<string | null>(null);
  /** An event picked from the invariant panel or the event log: the timeline scrolls to it. */
  const eventSeq = ref<number | null>(null);
  const tab = ref<PanelTab>('inspect');

  function selectNode(id: NodeId | null): void {
    node.value = id;
    msgId.value = null;
    if (id !== null) tab.value = 'inspect';
  }
  function selectMessage(id: string | null): void {
    msgId.value = id;
    if (id !== null) tab.value = 'inspect';
  }
  function focusEvent(seq: number): void {
    eventSeq.value = seq;
    tab.value = 'events';
  }
  function showTab(t: PanelTab): void {
    tab.value = t;
  }

  return { node, msgId, eventSeq, tab, selectNode, selectMessage, focusEvent, showTab };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useSelectionStore, import.meta.hot));
