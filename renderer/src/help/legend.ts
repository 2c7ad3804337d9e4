/** Whether the legend overlay is open (the toolbar's button and the `?` key toggle it). */
import { ref } from 'vue';

export const legendOpen = ref(false);

export function toggleLegend(): void {
  legendOpen.value = !legendOpen.value;
}
