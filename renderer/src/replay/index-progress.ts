/**
 * How far the replay worker has indexed the open recording, for the replay store: positions up
 * to `indexed` are asked for at once; a move beyond waits (the bar says so) and is asked for as
 * soon as indexing reaches it, or is refused with the reason if indexing stopped short of it.
 */
import { ref, shallowRef } from 'vue';
import type { IndexProgress } from './worker-protocol';

export function useIndexProgress(ask: (k: number) => void, fail: (message: string) => void) {
  const progress = shallowRef<IndexProgress | null>(null);
  /** A position asked for that is not indexed yet (null: none). */
  const waitingFor = ref<number | null>(null);
  /** How far indexing had got when the open's first frame was made (less than all: shown early). */
  const indexedAtFirstPaint = ref<number | null>(null);

  /** A new recording is open. */
  function reset(p: IndexProgress): void {
    progress.value = p;
    waitingFor.value = null;
    indexedAtFirstPaint.value = null;
  }

  /** True when k cannot be shown yet: it is remembered (the latest such move wins) instead. */
  function defer(k: number): boolean {
    const p = progress.value;
    if (!p || k <= p.indexed) {
      waitingFor.value = null;
      return false;
    }
    if (p.state === 'failed') {
      waitingFor.value = null;
      fail(`event ${k} cannot be shown: indexing stopped at event ${p.indexed} (${p.error ?? 'unknown error'})`);
      return true;
    }
    waitingFor.value = k;
    return true;
  }

  function update(p: IndexProgress): void {
    progress.value = p;
    const k = waitingFor.value;
    if (k === null) return;
    if (k <= p.indexed) {
      waitingFor.value = null;
      ask(k);
    } else if (p.state === 'failed') {
      defer(k);
    }
  }

  return { progress, waitingFor, indexedAtFirstPaint, reset, defer, update };
}
