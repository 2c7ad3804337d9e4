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
import { CausalStream, type CausalEvent } from './causal';
import { isNodeRecord, type BodyRecord, type Located, type NodeRecord, type ReadyRecord, type Recording } from './format';
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

/**
 * The ShiViz log built as records arrive (a file of any size): records go through a CausalStream
 * and each event's line comes out as soon as its causes have. Memory is each node's clock and
 * the clocks of recent sends (kept with the send records the CausalStream keeps for causes).
 */
export class ShivizLog {
  private readonly clocks = new Map<NodeId, VectorClock>();
  private readonly sendClocks = new WeakMap<ReadyRecord, VectorClock>();
  private readonly roles = new Map<NodeId, string>();
  private readonly order: CausalStream;
  private out: ShiVizLine[] = [];

  constructor() {
    this.order = new CausalStream((ev) => this.event(ev));
  }

  /** The next body record of the file; returns the lines it released (client records release none). */
  push(located: Located<BodyRecord>): ShiVizLine[] {
    if (isNodeRecord(located.record)) this.order.push(located as Located<NodeRecord>);
    return this.take();
  }

  /** The lines still held back at the end of the file. */
  finish(): ShiVizLine[] {
    this.order.finish();
    return this.take();
  }

  private take(): ShiVizLine[] {
    const lines = this.out;
    this.out = [];
    return lines;
  }

  private event(ev: CausalEvent): void {
    const r = ev.record;
    const prevRole = this.roles.get(ev.node);
    if (r.kind === 'ready') this.roles.set(ev.node, r.softState.role);
    if (r.kind === 'crash') this.roles.delete(ev.node);
    const text = eventText(r, prevRole);
    if (text === null) return;
    const host = hostName(ev.node);
    const clock: VectorClock = { ...(this.clocks.get(ev.node) ?? {}) };
    if (ev.cause) {
      const sent = this.sendClocks.get(ev.cause.record);
      if (sent) for (const [h, t] of Object.entries(sent)) clock[h] = Math.max(clock[h] ?? 0, t);
    }
    clock[host] = (clock[host] ?? 0) + 1;
    this.clocks.set(ev.node, clock);
    if (r.kind === 'ready' && r.messages.length > 0) this.sendClocks.set(r, clock);
    this.out.push({ host, clock, event: oneLine(text) });
  }
}

export function shivizLines(recording: Recording): ShiVizLine[] {
  const log = new ShivizLog();
  const out: ShiVizLine[] = [];
  for (const located of recording.records) out.push(...log.push(located));
  out.push(...log.finish());
  return out;
}

export const SHIVIZ_PREAMBLE = `${SHIVIZ_REGEX}\n\n`;

export function shivizLineText(l: ShiVizLine): string {
  return `${l.host} ${JSON.stringify(l.clock)} ${l.event}\n`;
}

/** The ShiViz file in pieces, in order (a writer streams them; no whole-file string). */
export function* shivizChunks(recording: Recording): Generator<string> {
  yield SHIVIZ_PREAMBLE;
  const log = new ShivizLog();
  for (const located of recording.records) for (const l of log.push(located)) yield shivizLineText(l);
  for (const l of log.finish()) yield shivizLineText(l);
}
