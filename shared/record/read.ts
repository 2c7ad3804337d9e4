/**
 * Reading a recording: split into lines, parse each as JSON, validate it against the schema,
 * then check the file's structure (header first, end last with the right count, per-node
 * numbering without gaps, each node starting with `start`, every completion matching an earlier
 * invocation). Any problem is a RecordingError naming the 1-based line and what was wrong; the
 * reader never throws anything else and never changes its input.
 */
import type { NodeId } from '../raft/types';
import {
  RECORDING_FORMAT,
  READABLE_VERSIONS,
  type BodyRecord,
  type EndRecord,
  type HeaderRecord,
  type Located,
  type NodeRecord,
  type Recording,
} from './format';
import { bodySchema, describeIssue, endSchema, headerSchema } from './schema';

/** Limits, so a hostile file cannot exhaust memory or time before it is rejected. */
export const MAX_LINE_CHARS = 16 * 1024 * 1024;
export const MAX_RECORDS = 20_000_000;

export class RecordingError extends Error {
  override readonly name = 'RecordingError';
  /** 1-based line number, or null when the problem is the file as a whole. */
  readonly line: number | null;
  readonly problem: string;

  constructor(line: number | null, problem: string) {
    super(line === null ? problem : `line ${line}: ${problem}`);
    this.line = line;
    this.problem = problem;
  }
}

export interface ReadOptions {
  /**
   * Accept a file without its end line (the app stopped mid-run); the recording's `end` is then
   * null. Without this, a missing end line is reported as truncation.
   */
  readonly allowIncomplete?: boolean;
}

function parseJsonLine(text: string, line: number): unknown {
  if (text.length > MAX_LINE_CHARS) throw new RecordingError(line, `line is ${text.length} characters long (limit ${MAX_LINE_CHARS})`);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new RecordingError(line, `not valid JSON (${e instanceof Error ? e.message : String(e)})`);
  }
}

function kindOf(value: unknown): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  const kind = (value as { kind?: unknown }).kind;
  return typeof kind === 'string' ? kind : null;
}

/**
 * Run a schema and turn its first issue (or a stack overflow on absurd nesting) into an error.
 * On success the value exactly as parsed from JSON is kept, not zod's copy: key order is part of
 * what the core hashes, so replay must hand the core messages exactly as they were recorded.
 */
function validate(line: number, what: string, value: unknown, run: () => { success: true } | { success: false; error: Parameters<typeof describeIssue>[0] }): unknown {
  let result;
  try {
    result = run();
  } catch (e) {
    throw new RecordingError(line, `${what} could not be checked (${e instanceof RangeError ? 'nested too deeply' : String(e)})`);
  }
  if (!result.success) throw new RecordingError(line, `${what}: ${describeIssue(result.error)}`);
  return value;
}

function readHeader(value: unknown): HeaderRecord {
  if (kindOf(value) !== 'header') throw new RecordingError(1, 'the first line must be the header record ({"kind":"header",...})');
  const v = value as { format?: unknown; version?: unknown };
  if (v.format !== RECORDING_FORMAT) throw new RecordingError(1, `not a Raft Lab recording: format is ${JSON.stringify(v.format)}, expected "${RECORDING_FORMAT}"`);
  if (typeof v.version !== 'number' || !READABLE_VERSIONS.includes(v.version)) {
    throw new RecordingError(1, `unsupported recording version ${JSON.stringify(v.version)}; this reader reads versions ${READABLE_VERSIONS.join(' and ')}`);
  }
  return validate(1, 'header', value, () => headerSchema.safeParse(value)) as HeaderRecord;
}

interface NodeCursor {
  seq: number;
  lamport: number;
  /** True once started and not crashed since. */
  alive: boolean;
}

/** Structural checks across records, fed one record at a time in file order. */
class StructureCheck {
  private readonly nodes = new Map<NodeId, NodeCursor>();
  private readonly invoked = new Set<string>();
  private readonly completed = new Set<string>();

  accept(record: BodyRecord, line: number): void {
    switch (record.kind) {
      case 'start':
      case 'input':
      case 'ready':
      case 'crash': {
        const cur = this.nodes.get(record.node);
        const expectedSeq = (cur?.seq ?? 0) + 1;
        if (record.seq !== expectedSeq) {
          throw new RecordingError(line, `node ${record.node}: seq ${record.seq} where ${expectedSeq} was expected (records missing, duplicated or out of order)`);
        }
        if (cur && record.lamport <= cur.lamport) {
          throw new RecordingError(line, `node ${record.node}: Lamport clock ${record.lamport} does not advance past ${cur.lamport}`);
        }
        const alive = cur?.alive ?? false;
        if (record.kind === 'start') {
          if (alive) throw new RecordingError(line, `node ${record.node}: started again without a crash record first`);
          if (record.config.id !== record.node) throw new RecordingError(line, `node ${record.node}: start record's config.id is ${record.config.id}`);
        } else if (!alive) {
          throw new RecordingError(line, `node ${record.node}: ${record.kind} record while the node is not running (no start record before it)`);
        }
        if (record.kind === 'input' && record.input.type === 'step' && record.input.msg.to !== record.node) {
          throw new RecordingError(line, `node ${record.node}: received a message addressed to node ${record.input.msg.to}`);
        }
        this.nodes.set(record.node, { seq: record.seq, lamport: record.lamport, alive: record.kind !== 'crash' });
        return;
      }
      case 'invoke':
        if (this.invoked.has(record.opId)) throw new RecordingError(line, `client operation ${JSON.stringify(record.opId)} invoked twice`);
        this.invoked.add(record.opId);
        return;
      case 'complete':
        if (!this.invoked.has(record.opId)) throw new RecordingError(line, `client operation ${JSON.stringify(record.opId)} completes without an earlier invoke`);
        if (this.completed.has(record.opId)) throw new RecordingError(line, `client operation ${JSON.stringify(record.opId)} completes twice`);
        this.completed.add(record.opId);
        return;
      case 'note':
        return;
    }
  }
}

/**
 * Validate one node record that arrived from elsewhere (a node process). Returns the value as it
 * is (key order intact, see `validate`) or throws RecordingError without a line number.
 */
export function parseNodeRecord(value: unknown): NodeRecord {
  const kind = kindOf(value);
  if (kind !== 'start' && kind !== 'input' && kind !== 'ready' && kind !== 'crash') {
    throw new RecordingError(null, `not a node record (kind ${JSON.stringify(kind)})`);
  }
  const result = bodySchema.safeParse(value);
  if (!result.success) throw new RecordingError(null, `${kind} record: ${describeIssue(result.error)}`);
  return value as NodeRecord;
}

/**
 * The reader one line at a time, for hosts that read a large file in chunks (the renderer's
 * replay worker): `header` takes line 1, `line` every later line in order, and `finish` says the
 * text ended. Each checks exactly what readRecording checks and throws the same RecordingError.
 */
export class RecordingLineReader {
  private readonly structure = new StructureCheck();
  private lines = 0;
  private bodyCount = 0;
  private endRecord: EndRecord | null = null;

  constructor(private readonly options: ReadOptions = {}) {}

  /** Line 1. */
  header(text: string): HeaderRecord {
    this.lines = 1;
    return readHeader(parseJsonLine(stripCr(text), 1));
  }

  /** The next line: its body record, or null for the end record. */
  line(raw: string): BodyRecord | null {
    const line = ++this.lines;
    const text = stripCr(raw);
    if (this.endRecord) throw new RecordingError(line, 'content after the end record');
    if (text.trim() === '') throw new RecordingError(line, 'empty line');
    const value = parseJsonLine(text, line);
    const kind = kindOf(value);
    if (kind === null) throw new RecordingError(line, 'not a record (expected a JSON object with a string "kind")');
    if (kind === 'header') throw new RecordingError(line, 'a second header record');
    if (kind === 'end') {
      const end = validate(line, 'end record', value, () => endSchema.safeParse(value)) as EndRecord;
      if (end.records !== this.bodyCount) {
        throw new RecordingError(line, `end record counts ${end.records} records but the file holds ${this.bodyCount} (lines missing or added)`);
      }
      this.endRecord = end;
      return null;
    }
    const record = validate(line, `${kind} record`, value, () => bodySchema.safeParse(value)) as BodyRecord;
    this.structure.accept(record, line);
    this.bodyCount++;
    return record;
  }

  /** The text ended after the last line given: the end record (null only with allowIncomplete). */
  finish(): EndRecord | null {
    if (!this.endRecord && !this.options.allowIncomplete) {
      throw new RecordingError(this.lines + 1, `the recording ends without its end record after line ${this.lines} (truncated?)`);
    }
    return this.endRecord;
  }
}

/** Parse and validate a whole recording. Throws RecordingError (only) on any problem. */
export function readRecording(text: string, options: ReadOptions = {}): Recording {
  if (typeof text !== 'string') throw new RecordingError(null, 'recording must be text');
  if (text.length === 0) throw new RecordingError(null, 'the file is empty');
  const lines = text.split('\n');
  // One trailing newline is expected; it leaves an empty last piece.
  if (lines[lines.length - 1] === '') lines.pop();
  if (lines.length > MAX_RECORDS + 2) throw new RecordingError(null, `too many lines (${lines.length}; limit ${MAX_RECORDS + 2})`);

  const reader = new RecordingLineReader(options);
  const header = reader.header(lines[0] ?? '');
  const records: Located<BodyRecord>[] = [];
  for (let i = 1; i < lines.length; i++) {
    const record = reader.line(lines[i] ?? '');
    if (record) records.push({ line: i + 1, record });
  }
  return { header, records, end: reader.finish() };
}

function stripCr(line: string): string {
  return line.endsWith('\r') ? line.slice(0, -1) : line;
}
