/**
 * ShiViz export: one log line per interesting event, `<host> <vector clock JSON> <text>`, after
 * a first line holding the regular expression that parses them and an empty second line (no
 * multi-execution delimiter), which is the layout ShiViz accepts when a log file is loaded.
 *
 * ShiViz's rules, which this output keeps: every host's own clock starts at 1 and grows by
 * exactly 1 per event; a clock names only hosts that log events; the clock of a receive is the
 * element-wise max of the receiver's previous clock and the sender's clock at the send, plus one.
 * Ticks, advances and empty readies are left out (they would drown the diagram); causality is
 * unaffected because only sends and receives link hosts.
 */
import type { NodeId } from '../raft/types';
import { causalOrder, sendKey } from './causal';
import type { NodeRecord, Recording } from './format';
import { describeInput } from './replay';

export const SHIVIZ_REGEX = String.raw`(?<host>\S+) (?<clock>\{[^}]*\}) (?<event>.*)`;

export type VectorClock = Record<string, number>;

export interface ShiVizLine {
  readonly host: string;
  readonly clock: VectorClock;
  readonly event: string;
}

export function hostName(node: NodeId): string {
  return `node${node}`;
}

function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

/** The event text for a record, or null to leave it out of the diagram. */
function eventText(record: NodeRecord, prevRole: string | undefined): string | null {
  switch (record.kind) {
    case 'start':
      return `start (${record.mode.type})`;
    case 'crash':
      return `crash (${record.reason})`;
    case 'input':
      if (record.input.type === 'tick' || record.input.type === 'advance') return null;
      if (record.input.type === 'step') {
        const m = record.input.msg;
        return `recv ${m.type} from ${hostName(m.from)} term ${m.term}`;
      }
      return describeInput(record.input);
    case 'ready': {
      const parts: string[] = [];
      if (record.softState.role !== prevRole) parts.push(`becomes ${record.softState.role}`);
      if (record.hardState) parts.push(`term ${record.hardState.term} commit ${record.hardState.commit}`);
      if (record.messages.length > 0) {
        parts.push('send ' + record.messages.map((m) => `${m.type}->${hostName(m.to)}`).join(', '));
      }
      if (record.applied[1] > record.applied[0]) parts.push(`apply [${record.applied[0]},${record.applied[1]})`);
      // A ready that sends must be logged (receives point to it); others only if something shows.
      if (record.messages.length === 0 && record.softState.role === prevRole) return null;
      return parts.join('; ');
    }
  }
}

export function shivizLines(recording: Recording): ShiVizLine[] {
  const clocks = new Map<NodeId, VectorClock>();
  const sendClocks = new Map<string, VectorClock>();
  const roles = new Map<NodeId, string>();
  const out: ShiVizLine[] = [];
  for (const ev of causalOrder(recording)) {
    const r = ev.record;
    const prevRole = roles.get(ev.node);
    if (r.kind === 'ready') roles.set(ev.node, r.softState.role);
    if (r.kind === 'crash') roles.delete(ev.node);
    const text = eventText(r, prevRole);
    if (text === null) continue;
    const host = hostName(ev.node);
    const clock: VectorClock = { ...(clocks.get(ev.node) ?? {}) };
    if (ev.cause) {
      const sent = sendClocks.get(sendKey(ev.cause.node, ev.cause.record.seq));
      if (sent) for (const [h, t] of Object.entries(sent)) clock[h] = Math.max(clock[h] ?? 0, t);
    }
    clock[host] = (clock[host] ?? 0) + 1;
    clocks.set(ev.node, clock);
    if (r.kind === 'ready' && r.messages.length > 0) sendClocks.set(sendKey(ev.node, r.seq), clock);
    out.push({ host, clock, event: oneLine(text) });
  }
  return out;
}

/** The ShiViz file in pieces, in order (a writer streams them; no whole-file string). */
export function* shivizChunks(recording: Recording): Generator<string> {
  yield `${SHIVIZ_REGEX}\n\n`;
  for (const l of shivizLines(recording)) yield `${l.host} ${JSON.stringify(l.clock)} ${l.event}\n`;
}
