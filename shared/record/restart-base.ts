/**
 * Restarts that do not copy the log into the recording. A restarted node's storage mostly holds
 * entries its earlier instance already recorded (as Readies replay rebuilds whole), so the writer
 * names that stretch (`RestoreBase`) instead of copying it, and replay takes it from the log the
 * node's records built. Two sides, one rule for what that log is (shared/sim/disk.ts SimDisk:
 * every recorded Ready persisted, every successful compact applied):
 * - the writer knows only terms (`RecordedTerms`, fed from `ready.terms` and compact inputs) and
 *   refers to the longest prefix of the restart's entries whose terms match; by Raft's Log
 *   Matching property an entry is fixed by its index and term, and the digest makes replay check
 *   rather than trust that;
 * - replay resolves the reference against the entries it rebuilt (`resolveRestore`).
 * Whatever storage held beyond what was recorded (a killed process's last writes) does not
 * match, so it is copied whole.
 */
import type { Entry, PersistedState } from '../raft/types';
import { hash64 } from './digest';
import type { ReadyRecord, RestoreBase, StartMode } from './format';

type RestoreMode = Extract<StartMode, { type: 'restore' }>;

/** The terms of `entries` as runs `[firstIndex, term]`, one per change of term. */
export function termRuns(entries: readonly Entry[]): [number, number][] {
  const runs: [number, number][] = [];
  let term = -1;
  for (const e of entries) {
    if (e.term !== term) runs.push([e.index, e.term]);
    term = e.term;
  }
  return runs;
}

/** A digest of entries that depends on their content only (not on key order or object identity). */
export function entriesDigest(entries: readonly Entry[]): string {
  const parts: string[] = [];
  for (const e of entries) {
    const body = e.kind === 'command' ? e.data : e.kind === 'conf' ? `${e.change.type}:${e.change.node}` : '';
    parts.push(`${e.index} ${e.term} ${e.kind} ${body.length} ${body}`);
  }
  return hash64(parts.join('\n'));
}

/** The terms of a node's log as its recorded Readies and compactions left it (the writer's side). */
export class RecordedTerms {
  private snapshotIndex = 0;
  /** terms[i] is the term at index snapshotIndex + 1 + i. */
  private terms: number[] = [];
  /** False once a record could not be followed (no terms, a gap): no references until a reset. */
  private known = true;

  /** The log a start record holds (a bootstrap or join starts empty). */
  reset(persisted: PersistedState | null): void {
    this.snapshotIndex = persisted?.snapshot?.meta.index ?? 0;
    this.terms = persisted ? persisted.entries.map((e) => e.term) : [];
    this.known = persisted === null || persisted.entries.every((e, i) => e.index === this.snapshotIndex + 1 + i);
  }

  /** A start whose log this side cannot know (one that already carries a base): no references until a reset. */
  forget(): void {
    this.known = false;
  }

  onReady(r: ReadyRecord): void {
    if (r.snapshot !== null) {
      this.snapshotIndex = r.snapshot.index;
      this.terms = [];
    }
    const [lo, hi] = r.appended;
    if (lo === hi) return;
    if (!r.terms || r.terms[0]?.[0] !== lo || lo > this.lastIndex + 1) {
      this.known = false;
      return;
    }
    // As SimDisk.append: overwrite from lo, skip what the snapshot already covers.
    this.terms.length = Math.max(0, Math.min(this.terms.length, lo - this.snapshotIndex - 1));
    const runs = r.terms;
    for (let k = 0; k < runs.length; k++) {
      const [from, term] = runs[k]!;
      const to = k + 1 < runs.length ? runs[k + 1]![0] : hi;
      for (let i = Math.max(from, this.snapshotIndex + 1); i < to; i++) this.terms.push(term);
    }
  }

  /** A compact input: the host wrote a snapshot at `index` (as SimDisk.compact). */
  onCompact(index: number): void {
    if (index <= this.snapshotIndex) return;
    this.terms = index >= this.lastIndex ? [] : this.terms.slice(index - this.snapshotIndex);
    this.snapshotIndex = index;
  }

  termAt(index: number): number | null {
    if (!this.known || index <= this.snapshotIndex) return null;
    return this.terms[index - this.snapshotIndex - 1] ?? null;
  }

  private get lastIndex(): number {
    return this.snapshotIndex + this.terms.length;
  }
}

/**
 * The restart as written: entries of `mode.persisted` that `recorded` already holds (the longest
 * such prefix) become a base reference; the mode is returned as it is when there is none.
 */
export function withRestoreBase(mode: RestoreMode, recorded: RecordedTerms): RestoreMode {
  const entries = mode.persisted.entries;
  let n = 0;
  while (n < entries.length && recorded.termAt(entries[n]!.index) === entries[n]!.term) n++;
  if (n === 0) return mode;
  const base: RestoreBase = { first: entries[0]!.index, through: entries[n - 1]!.index, digest: entriesDigest(entries.slice(0, n)) };
  return { type: 'restore', persisted: { ...mode.persisted, entries: entries.slice(n) }, base };
}

/**
 * What the node restarted from: `mode.persisted` with its base filled in from `log`, the node's
 * log as its records built it. A reference that log cannot satisfy is an Error saying why.
 */
export function resolveRestore(mode: RestoreMode, log: PersistedState): PersistedState {
  const base = mode.base;
  if (base === undefined) return mode.persisted;
  const taken = log.entries.filter((e) => e.index >= base.first && e.index <= base.through);
  const want = base.through - base.first + 1;
  if (taken.length !== want) {
    const have = log.entries.length > 0 ? `${log.entries[0]!.index}..${log.entries[log.entries.length - 1]!.index}` : 'no entries';
    throw new Error(`the restart refers to entries ${base.first}..${base.through} of the node's recorded log, which holds ${have}`);
  }
  if (entriesDigest(taken) !== base.digest) {
    throw new Error(`the restart's entries ${base.first}..${base.through} differ from the node's recorded log (digest ${base.digest}, rebuilt ${entriesDigest(taken)})`);
  }
  const next = mode.persisted.entries[0];
  if (next !== undefined && next.index !== base.through + 1) {
    throw new Error(`the restart's copied entries start at ${next.index}, not right after its base (${base.through})`);
  }
  return { ...mode.persisted, entries: [...taken, ...mode.persisted.entries] };
}
