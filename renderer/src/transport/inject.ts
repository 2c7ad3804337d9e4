import { inject, type InjectionKey } from 'vue';
import type { LabClient } from './lab-client';

export const LAB_CLIENT_KEY: InjectionKey<LabClient> = Symbol('LabClient');

/** The LabClient the app was started with (provided in main.ts). */
export function useLabClient(): LabClient {
  const client = inject(LAB_CLIENT_KEY);
  if (!client) throw new Error('no LabClient provided: main.ts must provide LAB_CLIENT_KEY');
  return client;
}
