/**
 * The pace: every message spends the network time on its link (in lab ms, so at speed s it takes
 * networkMs / s real ms), it is reported sent when it leaves and delivered when it arrives, and a
 * speed change rescales what is left of each journey at once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { LabEvent } from '../../shared/protocol/lab';
import { FAST, openLab, waitFor, waitForLeader, type Lab } from './helpers';

let current: Lab | null = null;
afterEach(async () => {
  await current?.dispose();
  current = null;
});

type Traced = Extract<LabEvent, { type: 'message-sent' | 'message-delivered' }>;

/** Real ms from each message's send to its delivery, for messages both sent and delivered. */
function journeys(events: readonly LabEvent[]): number[] {
  const sent = new Map<string, number>();
  const out: number[] = [];
  for (const e of events) {
    if (e.type !== 'message-sent' && e.type !== 'message-delivered') continue;
    const t = e as Traced;
    if (t.type === 'message-sent') sent.set(t.msgId, t.atMs);
    else if (sent.has(t.msgId)) out.push(t.atMs - (sent.get(t.msgId) ?? 0));
  }
  return out;
}

describe('pace', () => {
  it('every message spends the network time on its link, scaled by the speed', async () => {
    current = await openLab({ traceMessages: true });
    const { lab, dir, events } = current;
    // 100 lab ms at 0.5x: 200 real ms per message. Ticks of 50 ms keep elections well apart from that.
    await lab.createCluster({ ...FAST, tickMs: 50, electionTicks: 20, nodes: 3, dataDir: dir, pace: { speed: 0.5, networkMs: 100 } });
    expect((await lab.snapshot()).networkMs).toBe(100);
    await waitForLeader(lab, undefined, 20_000);
    const js = journeys(events);
    expect(js.length).toBeGreaterThan(4);
    // Never much faster than the network time (event times are those of the nodes' trace batches,
    // a few tens of ms coarse), and mostly not much slower; at speed 0.5 without it they take ~1 ms.
    expect(Math.min(...js)).toBeGreaterThanOrEqual(150);
    expect(js.filter((ms) => ms < 400).length).toBeGreaterThan(js.length / 2);
  });

  it('a speed change rescales the messages already on their way', async () => {
    current = await openLab({ traceMessages: true });
    const { lab, dir, events } = current;
    await lab.createCluster({ ...FAST, tickMs: 20, electionTicks: 10, nodes: 3, dataDir: dir, pace: { speed: 1, networkMs: 3000 } });
    // The first election's first message leaves; 3 s of lab time on its link at 1x.
    const first = await waitFor('a message on its way', () => events.find((e) => e.type === 'message-sent') ?? null, 10_000, 5);
    const id = first.type === 'message-sent' ? first.msgId : '';
    await lab.setSpeed(10); // what is left (< 3 s of lab time) now takes < 300 ms
    const delivered = await waitFor('its delivery', () => events.find((e) => e.type === 'message-delivered' && e.msgId === id) ?? null, 5_000, 5);
    expect(delivered.atMs - first.atMs).toBeLessThan(1_200);
    expect((await lab.snapshot()).speed).toBe(10);
  });

  it('setPace sets speed and network time together; pausing lands the messages on their way at their receivers', async () => {
    current = await openLab({ traceMessages: true });
    const { lab, dir, events } = current;
    await lab.createCluster({ ...FAST, tickMs: 20, electionTicks: 10, nodes: 3, dataDir: dir });
    await lab.setPace({ speed: 1, networkMs: 5000 });
    const snap = await lab.snapshot();
    expect([snap.speed, snap.networkMs]).toEqual([1, 5000]);
    const from = events.length;
    const first = await waitFor('a message sent at the new pace', () => events.slice(from).find((e) => e.type === 'message-sent') ?? null, 10_000, 5);
    await lab.setPaused(true);
    const id = first.type === 'message-sent' ? first.msgId : '';
    // Well before its 5 s journey would end, it waits at its receiver as a pending item.
    await waitFor('it held at its receiver', async () => ((await lab.snapshot()).pending.some((p) => p.id === id) ? true : null), 2_000);
    await expect(lab.setPace({ speed: 1, networkMs: -1 })).rejects.toThrow(/networkMs/);
  });

  it('messages on their way are in the network: pausing only their sender does not stop them', async () => {
    current = await openLab({ traceMessages: true });
    const { lab, dir, events } = current;
    await lab.createCluster({ ...FAST, tickMs: 20, electionTicks: 10, nodes: 3, dataDir: dir, pace: { speed: 1, networkMs: 800 } });
    const from = events.length;
    const sent = await waitFor('a message on its way', () => events.slice(from).find((e) => e.type === 'message-sent') ?? null, 10_000, 5);
    if (sent.type !== 'message-sent') throw new Error('unreachable');
    await lab.setNodePaused(sent.message.from, true);
    const delivered = await waitFor('its delivery', () => events.find((e) => e.type === 'message-delivered' && e.msgId === sent.msgId) ?? null, 5_000, 5);
    expect(delivered.atMs - sent.atMs).toBeGreaterThanOrEqual(600);
  });
});
