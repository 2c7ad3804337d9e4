/**
 * What the last step did. In step mode a person delivers one message or fires one timeout and
 * then has to find its effects across the cluster view, the timeline and the logs; a step that
 * changes nothing (a vote request a node ignores) looked exactly like a step that had not
 * happened. Each step records the event sequence and every node's state before it; its effects
 * are the events after it and the state that differs now.
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { computed, ref, shallowRef } from 'vue';
import type { NodeId, NodeStatus } from '../../../shared/raft/types';
import { useLabStore } from './lab';
import { useTrafficStore, type EventLine } from './traffic';
import { splitEffects, type SplitEffects } from './step-effects';
import { useElectionsStore } from './elections';
import { tallyText } from '../../../shared/election/explain';

/** The parts of a node's state a step can change that the step panel reports. */
interface Brief {
  readonly term: number;
  readonly vote: NodeId;
  readonly commit: number;
  readonly lastIndex: number;
}

export interface StepRecord {
  /** "Delivered PreVote 2→3", "Fired node 2's election timeout", "Advanced one tick". */
  readonly what: string;
  /** Events with a greater seq happened after the step was asked for. */
  readonly afterSeq: number;
  readonly before: ReadonlyMap<NodeId, Brief>;
  /** The candidate whose vote count the step may change (a vote request or reply, a fired timeout). */
  readonly candidate: NodeId | null;
}

/** Events worth reporting as a step's effect (the delivery itself and run-state noise are not). */
const EFFECT_TYPES: ReadonlySet<EventLine['type']> = new Set([
  'message-sent', 'message-dropped', 'role-change', 'entries-applied', 'client-complete', 'violation', 'node-life',
]);
/** Effects arrive as events shortly after the lab answers; wait this long before saying "nothing". */
const SETTLE_MS = 400;
export const MAX_EFFECT_LINES = 10;

function brief(s: NodeStatus): Brief {
  return { term: s.term, vote: s.vote, commit: s.commit, lastIndex: s.lastIndex };
}

export const useLastStepStore = defineStore('lastStep', () => {
  const lab = useLabStore();
  const traffic = useTrafficStore();
  const elections = useElectionsStore();
  const step = shallowRef<StepRecord | null>(null);
  /** True once the lab answered and the effects had time to arrive. */
  const settled = ref(false);
  let generation = 0;

  /** Run one step action, remembering what the cluster looked like before it. */
  async function track(what: string, action: () => Promise<unknown>, candidate: NodeId | null = null): Promise<void> {
    const before = new Map<NodeId, Brief>();
    for (const n of lab.nodes.values()) if (n.status) before.set(n.id, brief(n.status));
    const events = traffic.events;
    step.value = { what, afterSeq: events.length ? (events[events.length - 1] as EventLine).seq : 0, before, candidate };
    settled.value = false;
    const mine = ++generation;
    await action();
    window.setTimeout(() => { if (mine === generation) settled.value = true; }, SETTLE_MS);
  }

  /** The events after the step, oldest first. */
  const effectEvents = computed<EventLine[]>(() => {
    void traffic.version;
    const s = step.value;
    if (!s) return [];
    const out: EventLine[] = [];
    const events = traffic.events;
    for (let i = events.length - 1; i >= 0; i--) {
      const l = events[i] as EventLine;
      if (l.seq <= s.afterSeq) break;
      if (EFFECT_TYPES.has(l.type)) out.push(l);
    }
    return out.reverse();
  });

  /** The effects the step caused, apart from what the person did meanwhile (see step-effects.ts). */
  const split = computed<SplitEffects<EventLine>>(() => {
    const s = step.value;
    return splitEffects(effectEvents.value, s ? lab.userActions : [], s?.afterSeq ?? 0);
  });

  /** "node 3 has 2 of 3 votes" after a step that concerns a candidate's election. */
  const tally = computed<string | null>(() => {
    const id = step.value?.candidate;
    if (id == null) return null;
    const c = elections.latestOf(id);
    if (!c) return null;
    const end = c.outcome.kind === 'won' ? (c.kind === 'pre-vote' ? ': pre-vote won' : ': won, now leader') : c.outcome.kind === 'lost' ? ': lost' : '';
    return `${tallyText(c)}${end}`;
  });

  /** One line per node whose term, vote, commit or log changed since the step. */
  const changes = computed<string[]>(() => {
    const s = step.value;
    if (!s) return [];
    const out: string[] = [];
    for (const n of lab.nodeList) {
      const was = s.before.get(n.id);
      if (!was || !n.status) continue;
      const now = brief(n.status);
      const parts: string[] = [];
      if (now.term !== was.term) parts.push(`term ${was.term} → ${now.term}`);
      if (now.vote !== was.vote) parts.push(`vote ${was.vote || '–'} → ${now.vote || '–'}`);
      if (now.lastIndex !== was.lastIndex) parts.push(`log ${was.lastIndex} → ${now.lastIndex} entries`);
      if (now.commit !== was.commit) parts.push(`commit ${was.commit} → ${now.commit}`);
      if (parts.length) out.push(`node ${n.id}: ${parts.join(', ')}`);
    }
    return out;
  });

  /** One tick for the whole cluster, from whichever control asked (Step tab, toolbar, "."). */
  const tick = () => track('Advanced every node one tick', () => lab.tickOnce());

  function clear(): void {
    generation++;
    step.value = null;
  }

  return { step, settled, effectEvents, split, tally, changes, track, tick, clear };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useLastStepStore, import.meta.hot));
