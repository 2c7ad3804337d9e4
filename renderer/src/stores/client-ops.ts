/**
 * Client operations and their results, as the lab reports them (from any client, not only ours),
 * and the UI's load generator (here, not in the Client panel, so it keeps running while the user
 * looks at other tabs).
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { onScopeDispose, ref, shallowRef } from 'vue';
import type { KvOp, KvResult, LabEvent } from '../../../shared/protocol/lab';
import { useLabClient } from '../transport/inject';
import { useLabStore } from './lab';

const MAX_OPS = 200;
const MAX_LOAD_IN_FLIGHT = 16;

export interface ClientOp {
  readonly opId: string;
  readonly client: string;
  readonly op: KvOp;
  /** How a get is read when not through the log (ReadIndex or lease), else null. */
  readonly read: 'read-index' | 'lease' | null;
  readonly invokedAtMs: number;
  readonly result: KvResult | null;
  readonly latencyMs: number | null;
}

export const useClientOpsStore = defineStore('clientOps', () => {
  const client = useLabClient();
  /** Newest first. */
  const ops = shallowRef<readonly ClientOp[]>([]);

  function apply(batch: readonly LabEvent[]): void {
    let list = ops.value;
    let changed = false;
    for (const e of batch) {
      if (e.type === 'cluster-created') { list = []; changed = true; }
      if (e.type === 'client-invoke') {
        list = [{ opId: e.opId, client: e.client, op: e.op, read: e.read ?? null, invokedAtMs: e.atMs, result: null, latencyMs: null }, ...list];
        changed = true;
      } else if (e.type === 'client-complete') {
        list = list.map((o) => (o.opId === e.opId ? { ...o, result: e.result, latencyMs: e.atMs - o.invokedAtMs } : o));
        changed = true;
      }
    }
    if (changed) ops.value = list.slice(0, MAX_OPS);
  }

  /** The load generator: puts at `loadRate` per second, at most MAX_LOAD_IN_FLIGHT outstanding. */
  const loadOn = ref(false);
  const loadRate = ref(20);
  let timer = 0;
  let outstanding = 0;
  let counter = 0;
  function startLoad(): void {
    stopLoad();
    const lab = useLabStore();
    loadOn.value = true;
    timer = window.setInterval(() => {
      if (outstanding >= MAX_LOAD_IN_FLIGHT) return;
      outstanding++;
      counter++;
      void lab.submit({ type: 'put', key: `k${counter % 50}`, value: String(counter) }).finally(() => { outstanding--; });
    }, 1000 / Math.min(500, Math.max(1, loadRate.value)));
  }
  function stopLoad(): void {
    loadOn.value = false;
    window.clearInterval(timer);
  }

  const off = client.onEvents(apply);
  onScopeDispose(() => {
    off();
    stopLoad();
  });

  return { ops, apply, loadOn, loadRate, startLoad, stopLoad };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useClientOpsStore, import.meta.hot));
