/**
 * The storage open path under random damage, on real files: a node persists acknowledged
 * writes (sometimes checkpointing, sometimes stopping as after a crash), then one file gets a
 * random truncation or a flipped bit. Opening must either give back exactly the acknowledged
 * state, or refuse with a StorageError naming the node and the damaged file, leaving every
 * file byte-for-byte as it was. Never different data.
 *
 * Bounded: STORAGE_DAMAGE_RUNS runs (default 40); a failure prints the seed and path to rerun.
 */
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { NodeStorage, StorageError } from '../../electron/storage';
import { scanFrames } from '../../electron/storage/journal-frame';
import type { Entry, PersistedState } from '../../shared/raft/types';
import { makeTempDir, sha256 } from './helpers';

const RUNS = Number(process.env.STORAGE_DAMAGE_RUNS ?? 40);

interface Scenario {
  /** Entries per persist call; each batch also moves the commit index. */
  readonly batches: readonly number[];
  /** After which batch to compact (snapshot at half the log), if any. */
  readonly compactAfter: number | null;
  /** After which batch to checkpoint into the database file, if any. */
  readonly checkpointAfter: number | null;
  /** Close with a final checkpoint (else leave the journal, as a crash does). */
  readonly cleanClose: boolean;
  readonly target: 'sqlite' | 'journal';
  readonly damage:
    | { readonly kind: 'truncate'; readonly at: number }
    /** `nearData`: aim at the bytes in use (the journal is mostly preallocated zeros). */
    | { readonly kind: 'flip'; readonly at: number; readonly bit: number; readonly nearData: boolean };
}

/** A position as a fraction of the file, unbiased (fast-check leans towards 0 otherwise). */
const fraction = fc.noBias(fc.integer({ min: 0, max: 999_999 })).map((n) => n / 1_000_000);

const scenario: fc.Arbitrary<Scenario> = fc.record({
  batches: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 10 }),
  compactAfter: fc.option(fc.integer({ min: 0, max: 9 }), { nil: null }),
  checkpointAfter: fc.option(fc.integer({ min: 0, max: 9 }), { nil: null }),
  cleanClose: fc.boolean(),
  target: fc.constantFrom('sqlite' as const, 'journal' as const),
  damage: fc.oneof(
    fc.record({ kind: fc.constant('truncate' as const), at: fraction }),
    fc.record({
      kind: fc.constant('flip' as const),
      at: fraction,
      bit: fc.integer({ min: 0, max: 7 }),
      nearData: fc.boolean(),
    }),
  ),
});

function entry(index: number, term: number): Entry {
  return index % 7 === 0
    ? { kind: 'conf', term, index, change: { type: 'add-learner', node: 4 + (index % 3) } }
    : { kind: 'command', term, index, data: `{"put":"k${index % 5}","v":"${'ü'.repeat(index % 4)}${index}"}` };
}

/** Writes the scenario's acknowledged state and returns it as load() reports it. */
async function writeNode(dir: string, s: Scenario): Promise<PersistedState | null> {
  const storage = await NodeStorage.open(dir, 1);
  let last = 0;
  for (const [i, count] of s.batches.entries()) {
    const term = 1 + Math.floor(i / 3);
    const entries = Array.from({ length: count }, (_, k) => entry(last + 1 + k, term));
    last += count;
    await storage.persist({ hardState: { term, vote: 1, commit: Math.max(0, last - 2) }, entries, snapshot: null });
    if (s.compactAfter === i && last >= 2) {
      const index = Math.floor(last / 2);
      await storage.compact({ meta: { index, term, conf: { voters: [1, 2, 3], learners: [] } }, data: `{"state":${index}}` });
    }
    if (s.checkpointAfter === i) await storage.checkpoint();
  }
  const acknowledged = storage.load();
  await storage.close(s.cleanClose ? {} : { checkpoint: false });
  return acknowledged;
}

async function fileHashes(dir: string): Promise<Map<string, string>> {
  const hashes = new Map<string, string>();
  for (const name of (await readdir(dir)).sort()) hashes.set(name, await sha256(join(dir, name)));
  return hashes;
}

/** Applies the damage; returns a description for failure messages. */
async function damage(path: string, d: Scenario['damage']): Promise<string> {
  const { size } = await stat(path);
  if (d.kind === 'truncate') {
    const length = Math.floor(d.at * size);
    await truncate(path, length);
    return `truncated ${path} from ${size} to ${length} bytes`;
  }
  const bytes = await readFile(path);
  let span = bytes.length;
  if (d.nearData) {
    const scan = scanFrames(bytes);
    span = Math.min(bytes.length, (scan.ok ? scan.validEnd : bytes.length) + 64);
  }
  const at = Math.floor(d.at * span);
  bytes[at] = (bytes[at] ?? 0) ^ (1 << d.bit);
  await writeFile(path, bytes);
  return `flipped bit ${d.bit} of byte ${at} of ${path} (${size} bytes)`;
}

describe('storage open under random truncations and bit flips', () => {
  it(`gives back the acknowledged state or refuses, naming node and file, with files untouched (${RUNS} runs)`, { timeout: 600_000 }, async () => {
    let refused = 0;
    let reopened = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const { dir, cleanup } = await makeTempDir();
        try {
          const acknowledged = await writeNode(dir, s);
          const path = join(dir, s.target === 'sqlite' ? 'node-1.sqlite' : 'node-1.journal');
          const what = await damage(path, s.damage);
          const before = await fileHashes(dir);
          let storage: NodeStorage;
          try {
            storage = await NodeStorage.open(dir, 1);
          } catch (error) {
            refused += 1;
            if (process.env.STORAGE_DAMAGE_VERBOSE) console.log(what, "=>", String(error));
            expect(error, what).toBeInstanceOf(StorageError);
            if (!(error instanceof StorageError)) return;
            expect(error.node, what).toBe(1);
            expect(error.file, what).toBe(path);
            expect(error.message, what).toMatch(/^node 1: /);
            expect(error.message, what).toContain(path);
            expect(await fileHashes(dir), `${what}: files changed by a refused open`).toEqual(before);
            return;
          }
          reopened += 1;
          try {
            expect(storage.load(), `${what}: opened with different data`).toEqual(acknowledged);
          } finally {
            await storage.close();
          }
        } finally {
          await cleanup();
        }
      }),
      {
        numRuns: RUNS,
        // Found by this property: a flipped header byte made the database read-only, and the
        // refusal blamed the journal that was being replayed into it.
        examples: [[{ batches: [1], compactAfter: null, checkpointAfter: null, cleanClose: false, target: 'sqlite', damage: { kind: 'flip', at: 0.28125, bit: 1, nearData: true } }]],
      },
    );
    // Both outcomes occur (damage in unused bytes is harmless); shown, not asserted.
    console.info(`storage damage: ${refused} refused, ${reopened} opened with the acknowledged state`);
  });
});
