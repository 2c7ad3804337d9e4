/**
 * Node storage (electron/storage): what one durable append costs and how long storage ever
 * blocks a node's event loop, at log lengths 1,000, 10,000 and 100,000 (no compaction, the worst
 * case), plus a 100,000-append run with compaction every 1,000 entries (the lab's default).
 *
 * - storage.appendMs.n<L>: median wall time of one persist() of one ~64-byte entry plus a
 *   HardState (one write + one fdatasync), sequential, measured at log length L (lengths are
 *   measured in alternating blocks so that disk noise hits them alike); plus the
 *   checkpoint cost amortised over the appends between two checkpoints (the journal must grow
 *   past the database's size before a checkpoint, so this share stays constant with L).
 * - storage.appendRatio.n100000_vs_n1000: the ratio of the two above. Target: under 2.
 * - storage.maxStallMs.*: the longest stretch storage held the node's thread (its synchronous
 *   sections, timed inside NodeStorage) while appending and forcing one checkpoint. Target: under
 *   one heartbeat interval (100 ms at the lab's default speed). The checkpoint's export runs in
 *   a worker thread, so this does not grow with the log.
 * - storage.loopDelayMaxMs.*: perf_hooks' event-loop delay maximum over the same window, whatever
 *   the cause; on a loaded machine this is mostly scheduling noise, so an idle baseline over an
 *   equally long window is logged beside it.
 * - storage.groupCommit.*: 64 persists in flight at once: fsyncs per persist and appends/s.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { NodeStorage } from '../../electron/storage';
import type { Entry } from '../../shared/raft/types';
import type { BenchModule, Figure } from './registry';
import { percentile } from './stats';

const HEARTBEAT_MS = 100;
const DATA = JSON.stringify({ op: 'put', key: 'user:000042', value: 'v'.repeat(24) });

function entries(from: number, count: number, term = 1): Entry[] {
  return Array.from({ length: count }, (_, i) => ({ kind: 'command', term, index: from + i, data: DATA }));
}

interface Filled {
  readonly length: number;
  readonly dir: string;
  readonly storage: NodeStorage;
  next: number;
  readonly latenciesMs: number[];
}

async function fill(length: number): Promise<Filled> {
  const dir = await mkdtemp(join(tmpdir(), 'raft-lab-bench-storage-'));
  const storage = await NodeStorage.open(dir, 1);
  for (let next = 1; next <= length; next += 1000) {
    await storage.persist({ hardState: { term: 1, vote: 1, commit: next - 1 }, entries: entries(next, Math.min(1000, length - next + 1)), snapshot: null });
  }
  await storage.checkpoint(); // start measuring from a clean journal
  return { length, dir, storage, next: length + 1, latenciesMs: [] };
}

/** One durable 1-entry append, like a follower taking one entry and a new commit index. */
async function appendOne(f: Filled): Promise<number> {
  const index = f.next++;
  const t0 = performance.now();
  await f.storage.persist({ hardState: { term: 1, vote: 1, commit: index - 1 }, entries: entries(index, 1), snapshot: null });
  return performance.now() - t0;
}

interface Measured {
  readonly medianMs: number;
  readonly checkpointMs: number;
  readonly appendsPerCheckpoint: number;
  /** Median append plus the checkpoint's share per append. */
  readonly amortisedMs: number;
  /** Longest synchronous section storage ran on the node's thread. */
  readonly syncStallMs: number;
  /** Longest event-loop delay seen, whatever its cause (includes the machine's scheduling noise). */
  readonly loopDelayMs: number;
  readonly idleLoopDelayMs: number;
}

/**
 * Appends to every log length in turn, in small blocks, so that the other engineers' disk
 * traffic on this shared machine hits all lengths alike; then, per length, a window of appends
 * plus one forced checkpoint under an event-loop delay monitor.
 */
async function measure(lengths: readonly number[], appends: number): Promise<Map<number, Measured>> {
  const filled: Filled[] = [];
  for (const length of lengths) filled.push(await fill(length));
  try {
    for (let block = 0; block < appends / 50; block++) {
      for (const f of filled) for (let i = 0; i < 50; i++) f.latenciesMs.push(await appendOne(f));
    }
    const out = new Map<number, Measured>();
    for (const f of filled) {
      const journalBefore = f.storage.stats({ resetLongestStall: true }).journalBytes;
      const delay = monitorEventLoopDelay({ resolution: 1 });
      delay.enable();
      const w0 = performance.now();
      for (let i = 0; i < 200; i++) await appendOne(f);
      const bytesPerAppend = (f.storage.stats().journalBytes - journalBefore) / 200;
      const c0 = performance.now();
      await f.storage.checkpoint();
      const checkpointMs = performance.now() - c0;
      delay.disable();
      const windowMs = performance.now() - w0;
      // The same time with nothing to do: this machine's own scheduling noise, for comparison.
      const idle = monitorEventLoopDelay({ resolution: 1 });
      idle.enable();
      await new Promise((resolve) => setTimeout(resolve, windowMs));
      idle.disable();
      // A checkpoint runs once the journal exceeds max(1 MiB, database size).
      const appendsPerCheckpoint = Math.max(1024 * 1024, f.storage.stats().databaseBytes) / bytesPerAppend;
      const medianMs = percentile(f.latenciesMs, 50);
      out.set(f.length, {
        medianMs,
        checkpointMs,
        appendsPerCheckpoint,
        amortisedMs: medianMs + checkpointMs / appendsPerCheckpoint,
        syncStallMs: f.storage.stats().longestStallMs,
        loopDelayMs: delay.max / 1e6,
        idleLoopDelayMs: idle.max / 1e6,
      });
    }
    return out;
  } finally {
    for (const f of filled) {
      await f.storage.close();
      await rm(f.dir, { recursive: true, force: true });
    }
  }
}

/** 64 persists in flight at once, repeatedly: how many fsyncs they share. */
async function groupCommit(rounds: number): Promise<{ syncsPerPersist: number; appendsPerSec: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'raft-lab-bench-storage-'));
  try {
    const storage = await NodeStorage.open(dir, 1);
    let index = 1;
    const t0 = performance.now();
    for (let r = 0; r < rounds; r++) {
      await Promise.all(Array.from({ length: 64 }, () => storage.persist({ hardState: null, entries: entries(index++, 1), snapshot: null })));
    }
    const seconds = (performance.now() - t0) / 1000;
    const syncs = storage.stats().journalSyncs;
    await storage.close();
    return { syncsPerPersist: syncs / (rounds * 64), appendsPerSec: (rounds * 64) / seconds };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Appends in batches of 100 with a compaction every 1,000 entries (the lab's default policy). */
async function withCompaction(total: number): Promise<{ syncStallMs: number; loopDelayMs: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'raft-lab-bench-storage-'));
  try {
    const storage = await NodeStorage.open(dir, 1);
    const delay = monitorEventLoopDelay({ resolution: 1 });
    delay.enable();
    for (let start = 1; start <= total; start += 100) {
      await storage.persist({ hardState: { term: 1, vote: 1, commit: start - 1 }, entries: entries(start, 100), snapshot: null });
      if ((start + 99) % 1000 === 0) {
        const index = start + 99;
        await storage.compact({ meta: { index, term: 1, conf: { voters: [1, 2, 3], learners: [] } }, data: 'x'.repeat(4096) });
      }
    }
    await storage.idle();
    delay.disable();
    const syncStallMs = storage.stats().longestStallMs;
    await storage.close();
    return { syncStallMs, loopDelayMs: delay.max / 1e6 };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const bench: BenchModule = {
  area: 'storage',
  async run(ctx) {
    const appends = ctx.quick ? 300 : 2000;
    const figures: Figure[] = [];
    await measure([1000], 100); // warm up sql.js and the JIT
    const lengths = [1_000, 10_000, 100_000];
    const at = await measure(lengths, appends);
    for (const length of lengths) {
      const m = at.get(length);
      if (m === undefined) continue;
      ctx.log(
        `log ${length}: median append ${m.medianMs.toFixed(3)} ms, checkpoint ${m.checkpointMs.toFixed(0)} ms (in the worker) every ${Math.round(m.appendsPerCheckpoint)} appends, ` +
          `longest storage block ${m.syncStallMs.toFixed(1)} ms, event-loop delay max ${m.loopDelayMs.toFixed(1)} ms (idle baseline ${m.idleLoopDelayMs.toFixed(1)} ms)`,
      );
      figures.push(
        { key: `storage.appendMs.n${length}`, value: m.amortisedMs, unit: 'ms', label: `one durable 1-entry persist at log length ${length} (median) + checkpoint share`, lowerIsBetter: true },
        { key: `storage.checkpointMs.n${length}`, value: m.checkpointMs, unit: 'ms', label: `one checkpoint at log length ${length}, wall time, in the worker thread`, lowerIsBetter: true },
        { key: `storage.maxStallMs.n${length}`, value: m.syncStallMs, unit: 'ms', label: `longest block of the node's thread by storage over 200 appends + one checkpoint, log length ${length}, no compaction`, floor: HEARTBEAT_MS, lowerIsBetter: true },
        { key: `storage.loopDelayMaxMs.n${length}`, value: m.loopDelayMs, unit: 'ms', label: `event-loop delay max over the same window, any cause (idle baseline: ${m.idleLoopDelayMs.toFixed(0)} ms)`, lowerIsBetter: true },
      );
    }
    const small = at.get(1_000);
    const large = at.get(100_000);
    if (small !== undefined && large !== undefined) {
      figures.push({ key: 'storage.appendRatio.n100000_vs_n1000', value: large.amortisedMs / small.amortisedMs, unit: 'ratio', label: 'append cost at log length 100,000 over 1,000', floor: 2, lowerIsBetter: true });
    }
    const group = await groupCommit(ctx.quick ? 20 : 100);
    ctx.log(`group commit: ${group.syncsPerPersist.toFixed(3)} fsyncs per persist, ${Math.round(group.appendsPerSec)} appends/s`);
    figures.push(
      { key: 'storage.groupCommit.syncsPerPersist', value: group.syncsPerPersist, unit: 'fsyncs', label: '64 persists in flight at once: fsyncs per persist', lowerIsBetter: true },
      { key: 'storage.groupCommit.appendsPerSec', value: group.appendsPerSec, unit: 'appends/s', label: '64 persists in flight at once: durable appends per second' },
    );
    const compacted = await withCompaction(ctx.quick ? 20_000 : 100_000);
    ctx.log(`with compaction: longest storage block ${compacted.syncStallMs.toFixed(1)} ms, event-loop delay max ${compacted.loopDelayMs.toFixed(1)} ms`);
    figures.push({
      key: 'storage.maxStallMs.compacted',
      value: compacted.syncStallMs,
      unit: 'ms',
      label: `longest block of the node's thread by storage over ${ctx.quick ? '20,000' : '100,000'} appends (batches of 100), compaction every 1,000`,
      floor: HEARTBEAT_MS,
      lowerIsBetter: true,
    });
    return figures;
  },
};
