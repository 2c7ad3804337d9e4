/// <reference types="vite/client" />
/**
 * The metrics store's rates follow lab time even when no events come: a paused cluster sends
 * nothing, so Messages/s falls to zero instead of keeping the last running value. The store runs
 * as in the page (Pinia, its LabClient injected); its only input here is the event stream.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createApp } from 'vue';
import { createPinia } from 'pinia';
import type { LabEvent } from '../../shared/protocol/lab';
import type { Message } from '../../shared/raft/types';
import { LAB_CLIENT_KEY } from '../../renderer/src/transport/inject';
import type { LabClient } from '../../renderer/src/transport/lab-client';
import { useMetricsStore } from '../../renderer/src/stores/metrics';

afterEach(() => {
  vi.useRealTimers();
});

/** The store subscribes to the event stream only; these tests push batches into it. */
function eventSource(): { client: LabClient; push(batch: readonly LabEvent[]): void } {
  const listeners = new Set<(events: readonly LabEvent[]) => void>();
  const onEvents = (l: (events: readonly LabEvent[]) => void) => {
    listeners.add(l);
    return () => listeners.delete(l);
  };
  return { client: { onEvents } as unknown as LabClient, push: (batch) => { for (const l of listeners) l(batch); } };
}

const heartbeat: Message = { type: 'AppendEntries', from: 1, to: 2, term: 1, prevLogIndex: 0, prevLogTerm: 0, entries: [], leaderCommit: 0, readCtx: 0 };

describe('metrics store', () => {
  it('Messages/s falls to zero once no messages flow (a paused cluster)', () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'setTimeout', 'clearTimeout', 'performance', 'Date'] });
    const { client, push } = eventSource();
    const app = createApp({});
    app.use(createPinia());
    app.provide(LAB_CLIENT_KEY, client);
    const metrics = app.runWithContext(() => useMetricsStore());
    let seq = 0;
    // One second of a running cluster: 80 messages.
    for (let i = 0; i < 80; i++) {
      push([{ type: 'message-sent', seq: ++seq, atMs: 1_000 + i * 12, msgId: `m${i}`, message: heartbeat }]);
      vi.advanceTimersByTime(12);
    }
    expect(metrics.messagesPerSec).toBeGreaterThan(10);
    // Paused: the lab says so, then sends nothing.
    push([{ type: 'run-state', seq: ++seq, atMs: 2_000, paused: true, speed: 1 }]);
    vi.advanceTimersByTime(6_000);
    expect(metrics.messagesPerSec).toBe(0);
  });
});
