/**
 * Windowing for long fixed-height lists (the log table): given a scroll container, which rows
 * [first, last) are worth rendering. Only those rows exist in the DOM, so tens of thousands of
 * entries scroll as smoothly as ten.
 */
import { computed, onBeforeUnmount, onMounted, ref, type Ref } from 'vue';

export function useVirtualRows(container: Ref<HTMLElement | null>, rowHeightPx: number, rowCount: Ref<number>, overscan = 8) {
  const scrollTop = ref(0);
  const viewportPx = ref(400);
  let observer: ResizeObserver | null = null;

  function onScroll(): void {
    if (container.value) scrollTop.value = container.value.scrollTop;
  }
  onMounted(() => {
    const el = container.value;
    if (!el) return;
    el.addEventListener('scroll', onScroll, { passive: true });
    observer = new ResizeObserver(() => { viewportPx.value = el.clientHeight; });
    observer.observe(el);
    viewportPx.value = el.clientHeight;
  });
  onBeforeUnmount(() => {
    container.value?.removeEventListener('scroll', onScroll);
    observer?.disconnect();
  });

  const first = computed(() => Math.max(0, Math.floor(scrollTop.value / rowHeightPx) - overscan));
  const last = computed(() => Math.min(rowCount.value, Math.ceil((scrollTop.value + viewportPx.value) / rowHeightPx) + overscan));
  const totalPx = computed(() => rowCount.value * rowHeightPx);

  function scrollToRow(row: number): void {
    const el = container.value;
    if (el) el.scrollTop = Math.max(0, row * rowHeightPx - el.clientHeight / 2);
  }
  function scrollToEnd(): void {
    const el = container.value;
    if (el) el.scrollTop = el.scrollHeight;
  }

  return { first, last, totalPx, scrollTop, viewportPx, scrollToRow, scrollToEnd };
}
