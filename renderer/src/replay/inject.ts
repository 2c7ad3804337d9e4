import { inject, type InjectionKey } from 'vue';
import type { SwitchableClient } from './switch-client';

export const REPLAY_SWITCH_KEY: InjectionKey<SwitchableClient> = Symbol('ReplaySwitch');

/** The switch between live and replay (provided in main.ts beside the LabClient it wraps). */
export function useReplaySwitch(): SwitchableClient {
  const s = inject(REPLAY_SWITCH_KEY);
  if (!s) throw new Error('no replay switch provided: main.ts must provide REPLAY_SWITCH_KEY');
  return s;
}
