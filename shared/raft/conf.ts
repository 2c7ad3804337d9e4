/**
 * Cluster configuration: applying and validating single-server changes, and the history of
 * configurations in the log. A configuration takes effect as soon as its entry is in a node's log
 * (dissertation §4.1), so a node whose conf entry is truncated must fall back to the previous one:
 * ConfHistory keeps the base (snapshot) configuration plus one record per conf entry held.
 * Pure: no roles, no messages.
 */
import { assert } from './assert';
import type { ConfChange, ConfState, Entry, NodeId } from './types';

export const EMPTY_CONF: ConfState = { voters: [], learners: [] };

function insertSorted(ids: readonly NodeId[], id: NodeId): NodeId[] {
  return [...ids.filter((x) => x !== id), id].sort((a, b) => a - b);
}

export function isVoter(conf: ConfState, id: NodeId): boolean {
  return conf.voters.includes(id);
}

export function isLearner(conf: ConfState, id: NodeId): boolean {
  return conf.learners.includes(id);
}

export function isMember(conf: ConfState, id: NodeId): boolean {
  return isVoter(conf, id) || isLearner(conf, id);
}

/** Every member (voters then learners), ascending within each group. */
export function members(conf: ConfState): NodeId[] {
  return [...conf.voters, ...conf.learners];
}

/** The configuration after `change`. Lenient: entries in a log were validated by their leader. */
export function applyChange(conf: ConfState, change: ConfChange): ConfState {
  const n = change.node;
  switch (change.type) {
    case 'add-voter':
      return { voters: insertSorted(conf.voters, n), learners: conf.learners.filter((x) => x !== n) };
    case 'add-learner':
      return { voters: conf.voters.filter((x) => x !== n), learners: insertSorted(conf.learners, n) };
    case 'remove':
      return { voters: conf.voters.filter((x) => x !== n), learners: conf.learners.filter((x) => x !== n) };
  }
}

/** Why `change` is not allowed against `conf`, or null if it is. */
export function validateChange(conf: ConfState, change: ConfChange): string | null {
  const n = change.node;
  if (!Number.isInteger(n) || n <= 0) return `node id must be a positive integer, got ${String(n)}`;
  switch (change.type) {
    case 'add-voter':
      return isVoter(conf, n) ? `node ${n} is already a voter` : null;
    case 'add-learner':
      if (isVoter(conf, n)) return `node ${n} is a voter; demoting a voter to learner is not supported`;
      return isLearner(conf, n) ? `node ${n} is already a learner` : null;
    case 'remove':
      if (!isMember(conf, n)) return `node ${n} is not a member`;
      if (isVoter(conf, n) && conf.voters.length === 1) return `cannot remove the last voter ${n}`;
      return null;
  }
}

export function validateConfState(conf: ConfState): string | null {
  const ok = (ids: readonly NodeId[]) => ids.every((x, i) => Number.isInteger(x) && x > 0 && (i === 0 || (ids[i - 1] as number) < x));
  if (!ok(conf.voters)) return 'voters must be positive integers, ascending, without duplicates';
  if (!ok(conf.learners)) return 'learners must be positive integers, ascending, without duplicates';
  if (conf.voters.some((v) => conf.learners.includes(v))) return 'a node cannot be both voter and learner';
  return null;
}

interface ConfRecord {
  readonly index: number;
  readonly conf: ConfState;
}

/** Configurations in effect along the log: the snapshot's, then one per conf entry held. */
export class ConfHistory {
  private base: ConfState;
  private records: ConfRecord[] = [];

  constructor(base: ConfState) {
    this.base = base;
  }

  /** The configuration in effect: the latest in the log, committed or not. */
  current(): ConfState {
    const n = this.records.length;
    return n === 0 ? this.base : (this.records[n - 1] as ConfRecord).conf;
  }

  /** Index of the latest conf entry in the log, or 0 if the configuration came from the snapshot. */
  latestIndex(): number {
    const n = this.records.length;
    return n === 0 ? 0 : (this.records[n - 1] as ConfRecord).index;
  }

  /** The configuration in effect at `index` (for snapshots taken there). */
  at(index: number): ConfState {
    let conf = this.base;
    for (const r of this.records) {
      if (r.index > index) break;
      conf = r.conf;
    }
    return conf;
  }

  /** Record an appended entry (only conf entries matter). Returns true if the config changed. */
  onAppend(e: Entry): boolean {
    if (e.kind !== 'conf') return false;
    assert(e.index > this.latestIndex(), 'conf entries recorded in log order');
    this.records.push({ index: e.index, conf: applyChange(this.current(), e.change) });
    return true;
  }

  /** Entries from `index` on were discarded: forget their configurations. Returns true if any. */
  truncateFrom(index: number): boolean {
    const before = this.records.length;
    while (this.records.length > 0 && (this.records[this.records.length - 1] as ConfRecord).index >= index) this.records.pop();
    return this.records.length !== before;
  }

  /** The log was compacted up to `index`: fold earlier records into the base. */
  compactTo(index: number): void {
    this.base = this.at(index);
    this.records = this.records.filter((r) => r.index > index);
  }

  /** The log was replaced by a snapshot carrying `conf`. */
  reset(conf: ConfState): void {
    this.base = conf;
    this.records = [];
  }
}
