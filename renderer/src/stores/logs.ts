/**
 * Every node's log, rebuilt from the event stream: a leader's entries are what it sends in
 * AppendEntries; a follower's log follows the AppendEntries delivered to it, with Raft's own
 * rule (an entry whose term differs from the one held at its index replaces it and everything
 * after). Node status then trims each log to the node's real lastIndex and marks what is
 * compacted. Entries the UI never saw (sent before it connected, or while a node was down) are
 * read from the lab with readLog, lazily: the log table asks `fill` for the rows in view only.
 *
 * Entries a follower removes because they conflict with its leader's are kept as ghosts (which
 * leader, of which term, overwrote them) until the user clears them, so a repair leaves a trace.
 *
 * Storage is columnar and plain (not reactive): `version` bumps once per batch.
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { onScopeDispose, ref } from 'vue';
import { MAX_LOG_READ, type LabEvent, type LogRange } from '../../../shared/protocol/lab';
import type { AppendEntries, Entry, NodeId, NodeStatus } from '../../../shared/raft/types';
import { useLabClient } from '../transport/inject';
import { describeEntry } from '../format/describe';

/** One node's log. Position i holds index i (position 0 unused). term 0 = not known here. */
export interface NodeLog {
  terms: number[];
  texts: string[];
  lastIndex: number;
  firstIndex: number;
  commit: number;
  applied: number;
}

/** An entry a follower removed from its log: what it was, and which leader's AppendEntries overwrote it. */
export interface Ghost {
  readonly node: NodeId;
  readonly index: number;
  readonly term: number;
  readonly text: string;
  readonly byLeader: NodeId;
  readonly byTerm: number;
}

/** Most ghosts kept (the oldest go first). */
const MAX_GHOSTS = 500;

export const useLogsStore = defineStore('logs', () => {
  const client = useLabClient();
  const logs = new Map<NodeId, NodeLog>();
  const version = ref(0);
  /** The longest log length among nodes (row count of the log table). */
  const maxIndex = ref(0);

  function logOf(id: NodeId): NodeLog {
    let l = logs.get(id);
    if (!l) {
      l = { terms: [0], texts: [''], lastIndex: 0, firstIndex: 1, commit: 0, applied: 0 };
      logs.set(id, l);
    }
    return l;
  }

  function put(l: NodeLog, e: Entry): void {
    l.terms[e.index] = e.term;
    l.texts[e.index] = describeEntry(e);
  }

  /** Overwritten entries, oldest first. */
  let ghostList: Ghost[] = [];
  const ghostCount = ref(0);

  /** Keeps the known entries of `node` from `from` on as ghosts, then removes them. */
  function overwrite(node: NodeId, l: NodeLog, from: number, byLeader: NodeId, byTerm: number): void {
    for (let i = from; i < l.terms.length; i++) {
      const term = l.terms[i];
      if (!term) continue;
      ghostList.push({ node, index: i, term, text: textAt(node, i), byLeader, byTerm });
    }
    if (ghostList.length > MAX_GHOSTS) ghostList = ghostList.slice(-MAX_GHOSTS);
    ghostCount.value = ghostList.length;
    truncate(l, from);
  }

  function clearGhosts(): void {
    ghostList = [];
    ghostCount.value = 0;
    version.value++;
  }

  function ghostsAt(node: NodeId, index: number): Ghost[] {
    return ghostList.filter((g) => g.node === node && g.index === index);
  }

  function ghosts(): readonly Ghost[] {
    return ghostList;
  }

  function truncate(l: NodeLog, from: number): void {
    if (l.terms.length > from) {
      l.terms.length = from;
      l.texts.length = from;
    }
  }

  function onLeaderSend(m: AppendEntries): void {
    const l = logOf(m.from);
    for (const e of m.entries) put(l, e);
  }

  function onFollowerDeliver(m: AppendEntries): void {
    const l = logOf(m.to);
    // A follower lacking the previous entry rejects (§5.3); a known mismatch means rejection too.
    const prevTerm = m.prevLogIndex === 0 ? 0 : l.terms[m.prevLogIndex];
    if (m.prevLogIndex > 0 && prevTerm !== undefined && prevTerm !== 0 && prevTerm !== m.prevLogTerm) return;
    if (m.prevLogIndex > 0 && prevTerm === undefined && m.prevLogIndex > l.lastIndex) return;
    for (const e of m.entries) {
      const have = l.terms[e.index];
      if (have !== undefined && have !== 0 && have !== e.term) overwrite(m.to, l, e.index, m.from, m.term);
      put(l, e);
    }
  }

  /** Entries from replaceLogs whose cell text is made on first display (decoding is not free). */
  const untexted = new Map<NodeId, readonly (Entry | null)[]>();

  /**
   * Replace nodes' logs with known contents (replay mode knows each log exactly at the chosen
   * event). `entries[i]` is index i; null marks an index not known (compacted before the run).
   */
  function replaceLogs(known: readonly { node: NodeId; entries: readonly (Entry | null)[]; lastIndex: number }[]): void {
    for (const k of known) {
      const l = logOf(k.node);
      truncate(l, 1);
      for (let i = 1; i <= k.lastIndex; i++) {
        l.terms[i] = k.entries[i]?.term ?? 0;
        l.texts[i] = '';
      }
      l.lastIndex = k.lastIndex;
      untexted.set(k.node, k.entries);
    }
    refresh();
  }

  // ---------------------------------------------------------------------------------------------
  // Reading what the stream never showed (readLog)

  /** Requests are aligned chunks, so overlapping windows share one request. */
  const CHUNK = Math.min(500, MAX_LOG_READ);
  /** `${node}:${chunkStart}` being read now. */
  const loading = new Set<string>();
  /** Nodes whose last read failed (not running, replay mode): asked again only once their life changes. */
  const unreadable = new Set<NodeId>();
  /** Nodes whose status this store has seen (stream or `seedStatus`). */
  const statusSeen = new Set<NodeId>();
  /** Bumped on cluster-created, so a read answered for an earlier cluster is dropped. */
  let generation = 0;

  function missing(l: NodeLog, i: number): boolean {
    return !l.terms[i] || !l.texts[i];
  }

  /** Read from the lab the entries of `ids` with index in [lo, hi) that this page does not know. */
  function fill(ids: readonly NodeId[], lo: number, hi: number): void {
    for (const id of ids) {
      const l = logs.get(id);
      // Replay mode knows each log exactly (replaceLogs); nothing to read there.
      if (!l || unreadable.has(id) || untexted.has(id)) continue;
      const from = Math.max(lo, l.firstIndex, 1);
      const to = Math.min(hi, l.lastIndex + 1);
      for (let c = Math.floor(from / CHUNK) * CHUNK; c < to; c += CHUNK) {
        const key = `${id}:${c}`;
        if (loading.has(key)) continue;
        let need = false;
        for (let i = Math.max(c, from); i < Math.min(c + CHUNK, to) && !need; i++) need = missing(l, i);
        if (!need) continue;
        loading.add(key);
        const gen = generation;
        client.readLog(id, Math.max(c, 1), c + CHUNK).then(
          (r) => { if (gen === generation) merge(r); },
          () => { if (gen === generation) unreadable.add(id); },
        ).finally(() => loading.delete(key));
      }
    }
  }

  /**
   * Fill unknown cells from a read. What the stream already showed wins: an event that arrived
   * after the node answered may be newer than the answer (a truncation, say).
   */
  function merge(r: LogRange): void {
    const l = logs.get(r.node);
    if (!l) return;
    let changed = false;
    for (const e of r.entries) {
      if (e.index > Math.max(l.lastIndex, r.lastIndex)) break;
      const have = l.terms[e.index];
      if (have && have !== e.term) continue;
      if (have && l.texts[e.index]) continue;
      put(l, e);
      changed = true;
    }
    if (!statusSeen.has(r.node)) {
      l.lastIndex = Math.max(l.lastIndex, r.lastIndex);
      l.firstIndex = r.firstIndex;
      l.commit = Math.max(l.commit, r.commit);
    }
    if (changed) refresh();
  }

  /** A status from the lab's snapshot (a page that just connected): used until the stream reports one. */
  function seedStatus(s: NodeStatus): void {
    if (statusSeen.has(s.id)) return;
    noteStatus(s);
    refresh();
  }

  function noteStatus(s: NodeStatus): void {
    statusSeen.add(s.id);
    const l = logOf(s.id);
    l.lastIndex = s.lastIndex;
    l.firstIndex = s.firstIndex;
    l.commit = s.commit;
    l.applied = s.applied;
    truncate(l, s.lastIndex + 1);
    if (s.lastIndex > 0 && !l.terms[s.lastIndex]) l.terms[s.lastIndex] = s.lastTerm;
  }

  function refresh(): void {
    let max = 0;
    for (const l of logs.values()) max = Math.max(max, l.lastIndex, l.terms.length - 1);
    maxIndex.value = max;
    version.value++;
  }

  function apply(batch: readonly LabEvent[]): void {
    for (const e of batch) {
      switch (e.type) {
        case 'cluster-created':
          logs.clear();
          ghostList = [];
          ghostCount.value = 0;
          untexted.clear();
          unreadable.clear();
          statusSeen.clear();
          generation++;
          for (const id of e.nodes) logOf(id);
          break;
        case 'message-sent':
          if (e.message.type === 'AppendEntries' && e.message.entries.length > 0) onLeaderSend(e.message);
          break;
        case 'message-delivered':
          if (e.message.type === 'AppendEntries' && e.message.entries.length > 0) onFollowerDeliver(e.message);
          break;
        case 'node-status':
          noteStatus(e.status);
          break;
        case 'node-life':
          // A node that runs again may be read again (a restarted one has entries we never saw).
          unreadable.delete(e.node);
          break;
        default:
          break;
      }
    }
    refresh();
  }

  /** Term at `index` on `node`: a number, 0 when unknown, null when the node has no such entry. */
  function termAt(node: NodeId, index: number): number | null {
    const l = logs.get(node);
    if (!l || index > Math.max(l.lastIndex, l.terms.length - 1)) return null;
    return l.terms[index] ?? 0;
  }

  function textAt(node: NodeId, index: number): string {
    const l = logs.get(node);
    if (!l) return '';
    const text = l.texts[index] ?? '';
    const e = text === '' ? untexted.get(node)?.[index] : undefined;
    if (!e || e.term !== l.terms[index]) return text;
    return (l.texts[index] = describeEntry(e));
  }

  function log(node: NodeId): NodeLog | undefined {
    return logs.get(node);
  }

  const off = client.onEvents(apply);
  onScopeDispose(off);

  return { version, maxIndex, ghostCount, apply, replaceLogs, termAt, textAt, log, fill, seedStatus, ghosts, ghostsAt, clearGhosts };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useLogsStore, import.meta.hot));
