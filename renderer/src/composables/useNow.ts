/**
 * A clock for animations: `now` is performance.now(), updated once per animation frame while a
 * component using it is mounted. All animated parts share one frame loop.
 */
import { onBeforeUnmount, onMounted, ref, type Ref } from 'vue';

const now = ref(performance.now());
let users = 0;
let frame = 0;

function loop(t: number): void {
  now.value = t;
  frame = requestAnimationFrame(loop);
}

export function useNow(): Ref<number> {
  onMounted(() => {
    if (users++ === 0) frame = requestAnimationFrame(loop);
  });
  onBeforeUnmount(() => {
    if (--users === 0) cancelAnimationFrame(frame);
  });
  return now;
}
