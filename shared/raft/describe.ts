/**
 * The one canonical text form of every message, entry and Ready, shared by the scenario
 * transcripts, traces, the UI event log and bug reports. One line each; stable (goldens and
 * trace hashes depend on it), so change it only on purpose.
 *
 *   1->2 AppendEntries t3 prev=5/2 [6/3 7/3] commit=5
 *   2->1 AppendEntriesResponse t3 reject prev=7 hint=last:5,term:2@4
 */
import type { ConfChange, ConfState, Entry, Message, NodeStatus, Ready } from './types';

/** At most this many entries are listed one by one; longer runs are abbreviated. */
const MAX_LISTED = 6;

export function describeConfChange(c: ConfChange): string {
  return `${c.type} ${c.node}`;
}

export function describeConf(c: ConfState): string {
  const l = c.learners.length > 0 ? ` learners=${c.learners.join(',')}` : '';
  return `voters=${c.voters.join(',')}${l}`;
}

/** `6/3` in messages; with `full`, the payload too: `6/3 noop`, `7/3 put-x`, `8/3 conf add-voter 4`. */
export function describeEntry(e: Entry, full = false): string {
  const id = `${e.index}/${e.term}`;
  if (!full) return id;
  switch (e.kind) {
    case 'noop':
      return `${id} noop`;
    case 'command':
      return `${id} ${e.data}`;
    case 'conf':
      return `${id} conf ${describeConfChange(e.change)}`;
  }
}

export function describeEntries(es: readonly Entry[], full = false): string {
  if (es.length <= MAX_LISTED) return `[${es.map((e) => describeEntry(e, full)).join(full ? ', ' : ' ')}]`;
  const head = es.slice(0, 2).map((e) => describeEntry(e, full));
  const last = describeEntry(es[es.length - 1] as Entry, full);
  return `[${head.join(full ? ', ' : ' ')} .. ${last}] (${es.length})`;
}

export function describeMessage(m: Message): string {
  const head = `${m.from}->${m.to} ${m.type} t${m.term}`;
  switch (m.type) {
    case 'RequestVote':
      return `${head}${m.preVote ? ' pre' : ''} last=${m.lastLogIndex}/${m.lastLogTerm}${m.transfer ? ' transfer' : ''}`;
    case 'RequestVoteResponse':
      return `${head}${m.preVote ? ' pre' : ''} ${m.granted ? 'granted' : 'rejected'}`;
    case 'AppendEntries':
      return `${head} prev=${m.prevLogIndex}/${m.prevLogTerm} ${describeEntries(m.entries)} commit=${m.leaderCommit}${m.readCtx !== 0 ? ` read=${m.readCtx}` : ''}`;
    case 'AppendEntriesResponse': {
      const read = m.readCtx !== 0 ? ` read=${m.readCtx}` : '';
      if (m.success) return `${head} ok match=${m.matchIndex}${read}`;
      const h = m.rejectHint;
      const hint = h === null ? '' : ` hint=last:${h.lastIndex}${h.conflictTerm > 0 ? `,term:${h.conflictTerm}@${h.conflictIndex}` : ''}`;
      return `${head} reject prev=${m.matchIndex}${hint}${read}`;
    }
    case 'InstallSnapshot':
      return `${head} snap=${m.snapshot.meta.index}/${m.snapshot.meta.term} ${describeConf(m.snapshot.meta.conf)}`;
    case 'InstallSnapshotResponse':
      return `${head} match=${m.matchIndex}`;
    case 'TimeoutNow':
      return head;
  }
}

/** One line summarising a Ready (what to persist, how many messages, what to apply). */
export function describeReady(rd: Ready): string {
  const parts = [`ready ${rd.softState.role} lead=${rd.softState.leader}`];
  if (rd.hardState !== null) parts.push(`hs=t${rd.hardState.term}/v${rd.hardState.vote}/c${rd.hardState.commit}`);
  if (rd.snapshot !== null) parts.push(`snap=${rd.snapshot.meta.index}/${rd.snapshot.meta.term}`);
  if (rd.entries.length > 0) parts.push(`ents=${describeEntries(rd.entries)}`);
  if (rd.messages.length > 0) parts.push(`msgs=${rd.messages.length}`);
  if (rd.committedEntries.length > 0) parts.push(`apply=${describeEntries(rd.committedEntries)}`);
  if (rd.readStates.length > 0) parts.push(`reads=${rd.readStates.map((r) => `${r.ctx}@${r.index}`).join(',')}`);
  if (rd.messagesBeforePersist) parts.push('UNSAFE-send-before-persist');
  return parts.join(' ');
}

/**
 * One line for a node's state, e.g.
 * `2: follower t3 vote=1 lead=1 commit=5 applied=5 last=7/3 snap=0/0 voters=1,2,3`.
 * The leader's view of each peer is `describePeers` (one line per peer).
 */
export function describeStatus(s: NodeStatus): string {
  const pending = s.pendingConfIndex > 0 ? ` pending-conf=${s.pendingConfIndex}` : '';
  const transfer = s.leadTransferee > 0 ? ` transferee=${s.leadTransferee}` : '';
  return `${s.id}: ${s.role} t${s.term} vote=${s.vote} lead=${s.leader} commit=${s.commit} applied=${s.applied} last=${s.lastIndex}/${s.lastTerm} snap=${s.snapshotIndex}/${s.snapshotTerm} ${describeConf(s.conf)}${pending}${transfer}`;
}

/** The leader's progress for each other peer: `2: match=5 next=6 replicate [inflight=1] [learner]`. */
export function describePeers(s: NodeStatus): string[] {
  return s.progress
    .filter((p) => p.id !== s.id)
    .map((p) => `${p.id}: match=${p.match} next=${p.next} ${p.state}${p.inflight > 0 ? ` inflight=${p.inflight}` : ''}${p.learner ? ' learner' : ''}`);
}
