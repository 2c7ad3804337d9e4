/** Client operations and their results, as the lab reports them (from any client, not only ours). */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { onScopeDispose, shallowRef } from 'vue';
import type { KvOp, KvResult, LabEvent } from '../../../shared/protocol/lab';
import { useLabClient } from '../transport/inject';

const MAX_OPS = 200;

export interface ClientOp {
  readonly opId: string;
  readonly client: string;
  readonly op: KvOp;
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
        list = [{ opId: e.opId, client: e.client, op: e.op, invokedAtMs: e.atMs, result: null, latencyMs: null }, ...list];
        changed = true;
      } else if (e.type === 'client-complete') {
        list = list.map((o) => (o.opId === e.opId ? { ...o, result: e.result, latencyMs: e.atMs - o.invokedAtMs } : o));
        changed = true;
      }
    }
    if (changed) ops.value = list.slice(0, MAX_OPS);
  }

  const off = client.onEvents(apply);
  onScopeDispose(off);

  return { ops, apply };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useClientOpsStore, import.meta.hot));
