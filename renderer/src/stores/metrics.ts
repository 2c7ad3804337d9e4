/**
 * Cluster metrics from the event stream: elections started, term changes, commits per second,
 * client commit latency and messages per second. Rates are over a sliding window of lab time
 * that keeps moving when no events come (a paused cluster's rates fall to zero), with lab time
 * estimated from the last event's time plus the local time since it arrived.
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { onScopeDispose, ref } from 'vue';
import type { LabEvent } from '../../../shared/protocol/lab';
import { useLabClient } from '../transport/inject';

const WINDOW_MS = 5_000;
const LATENCY_SAMPLES = 200;
/** How often the rates are recomputed when no events arrive. */
const RECOMPUTE_MS = 500;

export const useMetricsStore = defineStore('metrics', () => {
  const client = useLabClient();
  const elections = ref(0);
  const termChanges = ref(0);
  const commitsPerSec = ref(0);
  const messagesPerSec = ref(0);
  const latencyP50Ms = ref<number | null>(null);
  const latencyP99Ms = ref<number | null>(null);
  const totalCommitted = ref(0);

  let maxTerm = 0;
  let maxCommit = 0;
  /** (atMs, count) samples inside the window. */
  let commitMarks: [number, number][] = [];
  let sendMarks: [number, number][] = [];
  const invokedAt = new Map<string, number>();
  let latencies: number[] = [];
  /** Lab time of the newest event, and the local time it arrived. */
  let lastAtMs = 0;
  let lastLocalMs = 0;

  function reset(): void {
    elections.value = 0;
    termChanges.value = 0;
    commitsPerSec.value = 0;
    messagesPerSec.value = 0;
    latencyP50Ms.value = null;
    latencyP99Ms.value = null;
    totalCommitted.value = 0;
    maxTerm = 0;
    maxCommit = 0;
    commitMarks = [];
    sendMarks = [];
    invokedAt.clear();
    latencies = [];
  }

  /** Rates over the window ending at lab time `nowMs`. */
  function recompute(nowMs: number): void {
    const from = nowMs - WINDOW_MS;
    commitMarks = commitMarks.filter(([t]) => t >= from);
    sendMarks = sendMarks.filter(([t]) => t >= from);
    commitsPerSec.value = sum(commitMarks) / (WINDOW_MS / 1_000);
    messagesPerSec.value = sum(sendMarks) / (WINDOW_MS / 1_000);
  }

  function apply(batch: readonly LabEvent[]): void {
    let lastAt = 0;
    let sent = 0;
    for (const e of batch) {
      lastAt = Math.max(lastAt, e.atMs);
      switch (e.type) {
        case 'cluster-created': reset(); break;
        case 'role-change':
          if (e.role === 'candidate') elections.value++;
          break;
        case 'node-status':
          if (e.status.term > maxTerm) {
            if (maxTerm > 0) termChanges.value += e.status.term - maxTerm;
            maxTerm = e.status.term;
          }
          if (e.status.commit > maxCommit) {
            commitMarks.push([e.atMs, e.status.commit - maxCommit]);
            totalCommitted.value += e.status.commit - maxCommit;
            maxCommit = e.status.commit;
          }
          break;
        case 'message-sent': sent++; break;
        case 'client-invoke': invokedAt.set(e.opId, e.atMs); break;
        case 'client-complete': {
          const t0 = invokedAt.get(e.opId);
          invokedAt.delete(e.opId);
          if (t0 !== undefined && e.result.ok) {
            latencies.push(e.atMs - t0);
            if (latencies.length > LATENCY_SAMPLES) latencies = latencies.slice(-LATENCY_SAMPLES);
          }
          break;
        }
        default: break;
      }
    }
    if (batch.length === 0) return;
    if (sent > 0) sendMarks.push([lastAt, sent]);
    lastAtMs = lastAt;
    lastLocalMs = performance.now();
    recompute(lastAt);
    if (latencies.length > 0) {
      const sorted = [...latencies].sort((a, b) => a - b);
      latencyP50Ms.value = sorted[Math.floor(sorted.length * 0.5)] ?? null;
      latencyP99Ms.value = sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))] ?? null;
    }
    if (invokedAt.size > 10_000) invokedAt.clear();
  }

  const off = client.onEvents(apply);
  const timer = setInterval(() => {
    if (lastLocalMs > 0) recompute(lastAtMs + (performance.now() - lastLocalMs));
  }, RECOMPUTE_MS);
  onScopeDispose(() => {
    off();
    clearInterval(timer);
  });

  return { elections, termChanges, commitsPerSec, messagesPerSec, latencyP50Ms, latencyP99Ms, totalCommitted, apply };
});

function sum(marks: readonly [number, number][]): number {
  let s = 0;
  for (const [, n] of marks) s += n;
  return s;
}

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useMetricsStore, import.meta.hot));
