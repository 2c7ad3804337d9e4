/**
 * Messages between nodes and the recent event log, for the cluster view's flying messages, the
 * space-time diagram and the invariant panel's links. Bounded: the newest MAX_MESSAGES messages
 * and MAX_EVENTS events are kept (a long run must not grow the renderer without limit).
 *
 * Reactivity is coarse on purpose: records are plain objects mutated in place and `version`
 * bumps once per batch, so a batch of thousands of events costs one re-render, not thousands.
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { onScopeDispose, ref, shallowRef } from 'vue';
import type { LabEvent } from '../../../shared/protocol/lab';
import type { Message } from '../../../shared/raft/types';
import { SPEED_MIN } from '../../../shared/limits';
import { useLabClient } from '../transport/inject';
import { describeMessage, describeRequest, describeResult } from '../format/describe';
import { IDLE_MS, type Gap } from '../timeline/time-axis';
import { useLabStore } from './lab';

export const MAX_MESSAGES = 5_000;
export const MAX_EVENTS = 3_000;
export const MAX_GAPS = 1_000;

export type MessageOutcome = 'in-flight' | 'delivered' | 'dropped';

export interface MessageRecord {
  readonly msgId: string;
  readonly message: Message;
  /** Lab clock (event atMs) when sent. */
  readonly sentAtMs: number;
  /** performance.now() when the send event reached the renderer (drives the animation). */
  readonly sentLocalMs: number;
  readonly sentSeq: number;
  outcome: MessageOutcome;
  endAtMs: number | null;
  endLocalMs: number | null;
  endSeq: number | null;
  dropWhy: string | null;
}

/** Something that happened to one node, drawn on its lane of the space-time diagram. */
export interface LaneMark {
  readonly seq: number;
  readonly atMs: number;
  readonly node: number;
  readonly label: string;
  readonly kind: 'role' | 'life';
}

export interface EventLine {
  readonly seq: number;
  readonly atMs: number;
  readonly type: LabEvent['type'];
  readonly text: string;
  readonly msgId: string | null;
  /** The node a lifecycle, role or apply event is about. */
  readonly node?: number;
  /** Why a dropped message was dropped. */
  readonly dropWhy?: string;
}

export const useTrafficStore = defineStore('traffic', () => {
  const client = useLabClient();
  const lab = useLabStore();
  /** Oldest first; sentAtMs is non-decreasing (events arrive in seq order). */
  const messages = shallowRef<MessageRecord[]>([]);
  const byId = new Map<string, MessageRecord>();
  /**
   * Deliveries reported before their send: sender and receiver report separately, so the
   * receiver's report can reach the lab first. Held here until the send arrives (bounded).
   */
  /** Reads at the leader still unanswered, by op id, so their answer reads as a read (bounded). */
  const readOps = new Map<string, 'read-index' | 'lease'>();
  const earlyEnds = new Map<string, Extract<LabEvent, { type: 'message-delivered' | 'message-dropped' }>>();
  const events = shallowRef<EventLine[]>([]);
  const marks = shallowRef<LaneMark[]>([]);
  const version = ref(0);
  /** Lab clock of the newest event seen, and the local time it arrived (to extrapolate "now"). */
  const labNowMs = ref(0);
  /** Lab clock of the first event of this cluster: where the space-time diagram starts. */
  const originMs = ref<number | null>(null);
  let labNowLocal = performance.now();
  /**
   * Stretches of lab time with no event at all, oldest first: the pauses between a person's
   * steps and node start-up. The space-time diagram squeezes them. In slow motion the ticks
   * themselves are far apart, so the threshold grows as the speed drops: only silence longer
   * than a few ticks at the current speed counts.
   */
  const gaps = shallowRef<Gap[]>([]);

  function apply(batch: readonly LabEvent[]): void {
    const now = performance.now();
    const msgs = messages.value;
    const log = events.value;
    const laneMarks = marks.value;
    for (const e of batch) {
      if (e.type === 'cluster-created') {
        msgs.length = 0;
        log.length = 0;
        laneMarks.length = 0;
        byId.clear();
        earlyEnds.clear();
        readOps.clear();
        gaps.value.length = 0;
        originMs.value = e.atMs;
        labNowMs.value = e.atMs;
      }
      if (originMs.value === null) originMs.value = e.atMs;
      // (Paused, or the resume that ends a pause, any silence is a person's: the plain threshold.)
      const idleMs = lab.paused || e.type === 'run-state' ? IDLE_MS : IDLE_MS / Math.min(1, Math.max(lab.speed, SPEED_MIN));
      if (e.atMs - labNowMs.value > idleMs && labNowMs.value > 0) gaps.value.push({ fromMs: labNowMs.value, toMs: e.atMs });
      labNowMs.value = Math.max(labNowMs.value, e.atMs);
      labNowLocal = now;
      switch (e.type) {
        case 'message-sent': {
          const rec: MessageRecord = {
            msgId: e.msgId, message: e.message, sentAtMs: e.atMs, sentLocalMs: now, sentSeq: e.seq,
            outcome: 'in-flight', endAtMs: null, endLocalMs: null, endSeq: null, dropWhy: null,
          };
          msgs.push(rec);
          byId.set(e.msgId, rec);
          const early = earlyEnds.get(e.msgId);
          if (early) {
            earlyEnds.delete(e.msgId);
            end(rec, early, now);
          }
          break;
        }
        case 'message-delivered':
        case 'message-dropped': {
          const rec = byId.get(e.msgId);
          if (rec) end(rec, e, now);
          else {
            earlyEnds.set(e.msgId, e);
            if (earlyEnds.size > 1_000) earlyEnds.delete(earlyEnds.keys().next().value as string);
          }
          break;
        }
        case 'role-change':
          laneMarks.push({ seq: e.seq, atMs: e.atMs, node: e.node, label: `${e.role} t${e.term}`, kind: 'role' });
          break;
        case 'node-life':
          laneMarks.push({ seq: e.seq, atMs: e.atMs, node: e.node, label: e.life, kind: 'life' });
          // Whatever was on its way to a node that went down will never be delivered.
          if (e.life === 'crashed' || e.life === 'stopped') {
            for (let i = msgs.length - 1; i >= 0 && i >= msgs.length - 2_000; i--) {
              const r = msgs[i] as MessageRecord;
              if (r.outcome === 'in-flight' && r.message.to === e.node) end(r, { type: 'message-dropped', seq: e.seq, atMs: e.atMs, msgId: r.msgId, message: r.message, why: 'crashed' }, now);
            }
          }
          break;
        default:
          break;
      }
      if (e.type === 'client-invoke' && e.read !== undefined) {
        readOps.set(e.opId, e.read);
        if (readOps.size > MAX_READ_OPS) readOps.delete(readOps.keys().next().value as string);
      }
      const read = e.type === 'client-complete' ? readOps.get(e.opId) ?? null : null;
      if (e.type === 'client-complete') readOps.delete(e.opId);
      const line = eventLine(e, read);
      if (line) log.push(line);
    }
    if (msgs.length > MAX_MESSAGES) for (const r of msgs.splice(0, msgs.length - MAX_MESSAGES)) byId.delete(r.msgId);
    if (log.length > MAX_EVENTS) log.splice(0, log.length - MAX_EVENTS);
    if (laneMarks.length > MAX_EVENTS) laneMarks.splice(0, laneMarks.length - MAX_EVENTS);
    if (gaps.value.length > MAX_GAPS) gaps.value.splice(0, gaps.value.length - MAX_GAPS);
    version.value++;
  }

  /** The lab clock now, extrapolated from the last event (for the live edge of the diagram). */
  function labClockNow(paused: boolean, speed: number): number {
    return paused ? labNowMs.value : labNowMs.value + (performance.now() - labNowLocal) * Math.max(speed, 0);
  }

  function message(id: string): MessageRecord | undefined {
    return byId.get(id);
  }

  const off = client.onEvents(apply);
  onScopeDispose(off);

  return { messages, events, marks, gaps, version, labNowMs, originMs, apply, labClockNow, message };
});

function end(rec: MessageRecord, e: Extract<LabEvent, { type: 'message-delivered' | 'message-dropped' }>, nowLocal: number): void {
  rec.outcome = e.type === 'message-delivered' ? 'delivered' : 'dropped';
  rec.endAtMs = e.atMs;
  rec.endLocalMs = nowLocal;
  rec.endSeq = e.seq;
  rec.dropWhy = e.type === 'message-dropped' ? e.why : null;
}

/** Bound on reads remembered while they wait for their answer. */
const MAX_READ_OPS = 1_000;

function eventLine(e: LabEvent, read: 'read-index' | 'lease' | null): EventLine | null {
  const base = { seq: e.seq, atMs: e.atMs, type: e.type, msgId: null };
  switch (e.type) {
    case 'cluster-created': return { ...base, text: `cluster created: nodes ${e.nodes.join(', ')}` };
    case 'node-life': return { ...base, node: e.node, text: `node ${e.node} ${e.life}${e.exit ? ` (${e.exit.reason})` : ''}` };
    case 'role-change': return { ...base, node: e.node, text: `node ${e.node} became ${e.role} in term ${e.term}` };
    case 'message-sent': return { ...base, msgId: e.msgId, text: `sent ${describeMessage(e.message)}` };
    case 'message-delivered': return { ...base, msgId: e.msgId, text: `delivered ${describeMessage(e.message)}` };
    case 'message-dropped': return { ...base, msgId: e.msgId, dropWhy: e.why, text: `dropped (${e.why}) ${describeMessage(e.message)}` };
    case 'entries-applied': return { ...base, text: `node ${e.node} applied ${e.from}..${e.to}` };
    case 'client-invoke': return { ...base, text: `client ${e.client} ${describeRequest(e.op, e.read)}` };
    case 'client-complete': return { ...base, text: `client op ${e.opId}: ${describeResult(e.result, undefined, read)}` };
    case 'run-state': return { ...base, text: e.paused ? 'paused' : `running at ${e.speed}×` };
    case 'violation': return { ...base, text: `VIOLATION ${e.violation.property}: ${e.violation.message}` };
    case 'node-status':
    case 'pending':
    case 'faults':
      return null;
  }
}

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useTrafficStore, import.meta.hot));
