/**
 * Global shortcuts, ignored while typing in a field: Space play/pause, "." one tick,
 * "+"/"-" speed up/down, Escape clears the selection, "?" opens or closes the legend.
 */
import { onBeforeUnmount, onMounted } from 'vue';

export interface Shortcuts {
  togglePaused(): void;
  tick(): void;
  faster(): void;
  slower(): void;
  clearSelection(): void;
  toggleLegend(): void;
}

export function useKeyboardShortcuts(s: Shortcuts): void {
  function onKey(e: KeyboardEvent): void {
    const t = e.target as HTMLElement | null;
    if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return;
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === ' ' && !(t && (t.tagName === 'BUTTON' || t.getAttribute('role') === 'button'))) {
      e.preventDefault();
      s.togglePaused();
    } else if (e.key === '.') s.tick();
    else if (e.key === '+' || e.key === '=') s.faster();
    else if (e.key === '-') s.slower();
    else if (e.key === 'Escape') s.clearSelection();
    else if (e.key === '?') s.toggleLegend();
  }
  onMounted(() => window.addEventListener('keydown', onKey));
  onBeforeUnmount(() => window.removeEventListener('keydown', onKey));
}
