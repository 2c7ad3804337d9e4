/**
 * Windowing for long fixed-height lists (the log table): given a scroll container, which rows
 * [first, last) are worth rendering. Only those rows exist in the DOM, so tens of thousands of
 * entries scroll as smoothly as ten.
 *
 * `pinned` (following the tail): the list does not scroll at all; the content is one screen high
 * and shows the last rows. Scrolling to the end on every update instead would force a layout of
 * the page each time, which under a busy cluster costs more than everything else.
 */
import { computed, nextTick, onBeforeUnmount, onMounted, ref, watch, type Ref } from 'vue';

export function useVirtualRows(container: Ref<HTMLElement | null>, rowHeightPx: number, rowCount: Ref<number>, pinned: Ref<boolean>, overscan = 8) {
  const scrollTop = ref(0);
  const viewportPx = ref(400);
  let observer: ResizeObserver | null = null;

  function onScroll(): void {
    if (container.value && !pinned.value) scrollTop.value = container.value.scrollTop;
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

  const totalPx = computed(() => rowCount.value * rowHeightPx);
  /** Pixels of content above the first visible pixel. */
  const viewTop = computed(() => (pinned.value ? Math.max(0, totalPx.value - viewportPx.value) : scrollTop.value));
  /** Height of the scrolled content: one screen while pinned. */
  const contentPx = computed(() => (pinned.value ? Math.min(totalPx.value, viewportPx.value) : totalPx.value));
  /** Subtract from a row's natural top to place it (non-zero only while pinned). */
  const offsetPx = computed(() => (pinned.value ? viewTop.value : 0));
  const first = computed(() => Math.max(0, Math.floor(viewTop.value / rowHeightPx) - overscan));
  const last = computed(() => Math.min(rowCount.value, Math.ceil((viewTop.value + viewportPx.value) / rowHeightPx) + overscan));

  let target: number | null = null;
  // Leaving the tail: make the content full height, then scroll to where the view was.
  watch(pinned, async (p) => {
    if (p) return;
    const top = target ?? Math.max(0, totalPx.value - viewportPx.value);
    target = null;
    await nextTick();
    const el = container.value;
    if (el) { el.scrollTop = top; scrollTop.value = el.scrollTop; }
  });

  function scrollToRow(row: number): void {
    const top = Math.max(0, row * rowHeightPx - viewportPx.value / 2);
    if (pinned.value) {
      target = top;
      pinned.value = false;
      return;
    }
    const el = container.value;
    if (el) { el.scrollTop = top; scrollTop.value = el.scrollTop; }
  }

  return { first, last, totalPx, contentPx, offsetPx, scrollTop, viewportPx, scrollToRow };
}
