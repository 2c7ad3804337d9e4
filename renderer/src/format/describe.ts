/**
 * Text for messages, entries and client operations as the UI shows them. Full message text is
 * the canonical form from shared/raft/describe.ts (the same as traces and bug reports); the
 * short labels and log-cell texts here are the UI's own, for tight spaces.
 */
import type { Entry, Message } from '../../../shared/raft/types';
import { describeMessage } from '../../../shared/raft/describe';
import { decodeCommand } from '../../../shared/kv/command';
import type { KvOp, KvResult, PendingItem, ReadMode } from '../../../shared/protocol/lab';

export function messageLabel(m: Message): string {
  switch (m.type) {
    case 'RequestVote': return m.preVote ? 'PreVote' : 'RequestVote';
    case 'RequestVoteResponse': return `${m.preVote ? 'PreVote' : 'Vote'} ${m.granted ? 'granted' : 'denied'}`;
    // A heartbeat that confirms leadership for a ReadIndex read says which read round it carries.
    case 'AppendEntries': return (m.entries.length === 0 ? 'Heartbeat' : `Append ×${m.entries.length}`) + (m.readCtx > 0 ? ` · read ${m.readCtx}` : '');
    case 'AppendEntriesResponse': return (m.success ? `Append ok @${m.matchIndex}` : 'Append rejected') + (m.readCtx > 0 ? ` · read ${m.readCtx}` : '');
    case 'InstallSnapshot': return `Snapshot @${m.snapshot.meta.index}`;
    case 'InstallSnapshotResponse': return `Snapshot ok @${m.matchIndex}`;
    case 'TimeoutNow': return 'TimeoutNow';
  }
}

/** The canonical one-line text (shared with traces and bug reports). */
export { describeMessage };

export function describeEntry(e: Entry): string {
  switch (e.kind) {
    case 'noop': return 'no-op';
    case 'command': return commandText(e.data);
    case 'conf': return `conf ${e.change.type} ${e.change.node}`;
  }
}

/** Commands are the KV codec's encoding: show the operation, or the raw text if it does not decode. */
function commandText(data: string): string {
  try {
    return describeOp(decodeCommand(data).op);
  } catch {
    return data.length > 40 ? `${data.slice(0, 40)}…` : data;
  }
}

/** A client request, with its read mode when a get is not read through the log. */
export function describeRequest(op: KvOp, read?: ReadMode | null): string {
  return read === 'read-index' || read === 'lease' ? `${describeOp(op)} (${READ_MODE_TEXT[read].name} read, no log entry)` : describeOp(op);
}

export function describeOp(op: KvOp): string {
  switch (op.type) {
    case 'put': return `put ${op.key} = ${op.value}`;
    case 'get': return `get ${op.key}`;
    case 'delete': return `delete ${op.key}`;
    case 'cas': return `cas ${op.key}: ${op.expected ?? '∅'} → ${op.value}`;
  }
}

/** How each read mode appears in the UI: a short name and one line on what it costs and assumes. */
export const READ_MODE_TEXT: Readonly<Record<ReadMode, { readonly name: string; readonly hint: string }>> = {
  log: { name: 'through the log', hint: 'Proposed, committed and applied like a write: costs a log entry and a replication round; assumes nothing.' },
  'read-index': { name: 'ReadIndex', hint: 'No log entry: the leader confirms it still leads with one heartbeat round to a majority, then answers at its commit index; assumes nothing about clocks.' },
  lease: { name: 'lease', hint: 'No log entry and no round while the leader heard from a majority within the election timeout (needs CheckQuorum; else a ReadIndex round); assumes clocks drift less than that timeout.' },
};

/** A request's answer; with its op, a get that found nothing says "not found"; a read at the leader says the index it read at. */
export function describeResult(r: KvResult, op?: KvOp, read?: ReadMode | null): string {
  if (r.ok) {
    const at = read === 'read-index' || read === 'lease' ? `read at index ${r.index} (${READ_MODE_TEXT[read].name}, leader ${r.leader})` : `@${r.index} (leader ${r.leader})`;
    if (op?.type === 'get' && r.value === null) return `not found: no key "${op.key}" ${at}`;
    return `ok${r.value !== null ? ` "${r.value}"` : ''} ${at}`;
  }
  if (r.error === 'not-leader') return `not leader, ${r.leaderHint !== undefined ? `leader hint ${r.leaderHint}` : 'no leader known'}: ${r.detail}`;
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
