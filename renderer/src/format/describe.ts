/**
 * Short human text for messages, entries and client operations, as the UI shows them.
 * (When shared/raft/describe.ts lands, message and entry text should come from there so the UI
 * and the traces agree; until then this is the renderer's own wording.)
 */
import type { Entry, Message } from '../../../shared/raft/types';
import type { KvOp, KvResult, PendingItem } from '../../../shared/protocol/lab';

export function messageLabel(m: Message): string {
  switch (m.type) {
    case 'RequestVote': return m.preVote ? 'PreVote' : 'RequestVote';
    case 'RequestVoteResponse': return `${m.preVote ? 'PreVote' : 'Vote'} ${m.granted ? 'granted' : 'denied'}`;
    case 'AppendEntries': return m.entries.length === 0 ? 'Heartbeat' : `Append ×${m.entries.length}`;
    case 'AppendEntriesResponse': return m.success ? `Append ok @${m.matchIndex}` : 'Append rejected';
    case 'InstallSnapshot': return `Snapshot @${m.snapshot.meta.index}`;
    case 'InstallSnapshotResponse': return `Snapshot ok @${m.matchIndex}`;
    case 'TimeoutNow': return 'TimeoutNow';
  }
}

/** One line with the fields that matter for following an election or a replication round. */
export function describeMessage(m: Message): string {
  const head = `${m.from}→${m.to} t${m.term}`;
  switch (m.type) {
    case 'RequestVote':
      return `${head} ${m.preVote ? 'PreVote' : 'RequestVote'} last=${m.lastLogIndex}@t${m.lastLogTerm}${m.transfer ? ' (transfer)' : ''}`;
    case 'RequestVoteResponse':
      return `${head} ${m.preVote ? 'PreVote' : 'Vote'} ${m.granted ? 'GRANTED' : 'denied'}`;
    case 'AppendEntries':
      return `${head} AppendEntries prev=${m.prevLogIndex}@t${m.prevLogTerm} entries=${m.entries.length === 0 ? 'none' : `[${m.entries[0]?.index}..${m.entries[m.entries.length - 1]?.index}]`} commit=${m.leaderCommit}`;
    case 'AppendEntriesResponse':
      return `${head} AppendEntriesResponse ${m.success ? `ok match=${m.matchIndex}` : `REJECT${m.rejectHint ? ` last=${m.rejectHint.lastIndex} conflict=t${m.rejectHint.conflictTerm}@${m.rejectHint.conflictIndex}` : ''}`}`;
    case 'InstallSnapshot':
      return `${head} InstallSnapshot upTo=${m.snapshot.meta.index}@t${m.snapshot.meta.term}`;
    case 'InstallSnapshotResponse':
      return `${head} InstallSnapshotResponse match=${m.matchIndex}`;
    case 'TimeoutNow':
      return `${head} TimeoutNow`;
  }
}

export function describeEntry(e: Entry): string {
  switch (e.kind) {
    case 'noop': return 'no-op';
    case 'command': return commandText(e.data);
    case 'conf': return `conf ${e.change.type} ${e.change.node}`;
  }
}

/** Commands are the KV codec's JSON; show the op when it parses, the raw text otherwise. */
function commandText(data: string): string {
  try {
    const v: unknown = JSON.parse(data);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const op = (o['op'] && typeof o['op'] === 'object' ? o['op'] : o) as Record<string, unknown>;
      if (typeof op['type'] === 'string' && typeof op['key'] === 'string') {
        const val = typeof op['value'] === 'string' ? `=${op['value']}` : '';
        return `${op['type']} ${op['key']}${val}`;
      }
    }
  } catch {
    // not JSON: fall through to the raw text
  }
  return data.length > 40 ? `${data.slice(0, 40)}…` : data;
}

export function describeOp(op: KvOp): string {
  switch (op.type) {
    case 'put': return `put ${op.key} = ${op.value}`;
    case 'get': return `get ${op.key}`;
    case 'delete': return `delete ${op.key}`;
    case 'cas': return `cas ${op.key}: ${op.expected ?? '∅'} → ${op.value}`;
  }
}

export function describeResult(r: KvResult): string {
  if (r.ok) return `ok${r.value !== null ? ` "${r.value}"` : ''} @${r.index} (leader ${r.leader})`;
  return `${r.error}: ${r.detail}`;
}

export function describePending(p: PendingItem): string {
  return p.kind === 'message' ? describeMessage(p.message) : `node ${p.node}: ${p.timeout} timeout due`;
}

/** A stable, well-separated hue for each term, so neighbouring terms never look alike. */
export function termHue(term: number): number {
  return (term * 137.508) % 360;
}
export function termColor(term: number): string {
  return `hsl(${termHue(term).toFixed(0)} 65% 78%)`;
}
