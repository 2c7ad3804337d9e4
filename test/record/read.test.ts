import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readRecording, RecordingError } from '../../shared/record/read';
import { encodeRecording } from '../../shared/record/write';
import { editLine, recordedRun } from './fixtures';

/** Read `text`; return null when it parsed, else the RecordingError. Anything else fails the test. */
function readError(text: string): RecordingError | null {
  try {
    readRecording(text);
    return null;
  } catch (e) {
    if (!(e instanceof RecordingError)) throw new Error(`reader threw a ${String(e)} instead of a RecordingError`);
    return e;
  }
}

const valid = () => encodeRecording(recordedRun().recording);
/** A short run for fuzzing: every mutation re-reads the whole file. */
const small = () => encodeRecording(recordedRun({ ops: 4, maxTimeMs: 1_500 }).recording);

describe('reading recordings: bad input gets a clear error naming the line', () => {
  it('rejects an empty file, a foreign file and a wrong version at line 1', () => {
    expect(readError('')?.message).toBe('the file is empty');
    expect(readError('{"hello":1}\n')?.message).toMatch(/^line 1: the first line must be the header/);
    const text = valid();
    expect(readError(editLine(text, 1, (h) => ({ ...h, format: 'something-else' })))?.message).toMatch(/^line 1: not a Raft Lab recording/);
    expect(readError(editLine(text, 1, (h) => ({ ...h, version: 3 })))?.message).toBe('line 1: unsupported recording version 3; this reader reads versions 1 and 2');
  });

  it('names a truncated file: cut inside a line, or cut at a line boundary', () => {
    const text = valid();
    const lines = text.split('\n');
    const cutMid = text.slice(0, text.indexOf('\n', text.length / 2) - 10);
    const e1 = readError(cutMid)!;
    expect(e1.problem).toMatch(/not valid JSON/);
    expect(e1.line).toBe(cutMid.split('\n').length);
    const cutAtLine = lines.slice(0, 200).join('\n') + '\n';
    expect(readError(cutAtLine)?.message).toBe('line 201: the recording ends without its end record after line 200 (truncated?)');
    // Readable on purpose when the app stopped mid-run.
    expect(readRecording(cutAtLine, { allowIncomplete: true }).end).toBeNull();
  });

  it('names missing, duplicated and reordered lines', () => {
    const lines = valid().split('\n');
    const missing = [...lines.slice(0, 50), ...lines.slice(51)].join('\n');
    expect(readError(missing)?.line).toBeGreaterThanOrEqual(51);
    const dup = [...lines.slice(0, 51), lines[50]!, ...lines.slice(51)].join('\n');
    expect(readError(dup)?.problem).toMatch(/seq \d+ where \d+ was expected/);
  });

  it('names the field that is wrong', () => {
    const text = valid();
    const { recording } = recordedRun();
    const step = recording.records.find((r) => r.record.kind === 'input' && r.record.input.type === 'step')!;
    const bad = editLine(text, step.line, (v) => {
      const input = v.input as { msg: Record<string, unknown> };
      return { ...v, input: { ...input, msg: { ...input.msg, term: 'three' } } };
    });
    const e = readError(bad)!;
    expect(e.line).toBe(step.line);
    expect(e.problem).toMatch(/^input record: field input\.msg\.term: /);
    const extra = editLine(text, step.line, (v) => ({ ...v, surprise: true }));
    expect(readError(extra)?.problem).toMatch(/surprise/);
    const digest = editLine(text, step.line, (v) => ({ ...v, digest: 'XYZ' }));
    expect(readError(digest)?.problem).toMatch(/field digest: expected 16 lowercase hex digits/);
  });

  it('rejects records before a node starts, completions without invocations, and content after the end', () => {
    const text = valid();
    const lines = text.trimEnd().split('\n');
    const { recording } = recordedRun();
    const complete = recording.records.find((r) => r.record.kind === 'complete')!;
    const invokeLine = recording.records.find((r) => r.record.kind === 'invoke' && complete.record.kind === 'complete' && r.record.opId === complete.record.opId)!.line;
    const orphan = editLine(text, invokeLine, (v) => ({ ...v, opId: 'renamed' }));
    expect(readError(orphan)?.problem).toMatch(/completes without an earlier invoke/);
    expect(readError(text + '{"kind":"note","wallMs":1,"text":"late"}\n')?.message).toBe(`line ${lines.length + 1}: content after the end record`);
    const later = recording.records.find((r) => r.record.kind === 'input' && r.record.seq === 1)
      ?? recording.records.find((r) => r.record.kind === 'input')!;
    expect(readError(`${lines[0]}\n${lines[later.line - 1]}\n`)?.problem).toMatch(/seq \d+ where 1 was expected/);
    const beforeStart = editLine(`${lines[0]}\n${lines[later.line - 1]}\n`, 2, (v) => ({ ...v, seq: 1 }));
    expect(readError(beforeStart)?.problem).toMatch(/input record while the node is not running \(no start record before it\)/);
  });

  it('survives hostile content: huge nesting, prototype keys, absurd numbers', () => {
    const header = valid().split('\n')[0]!;
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(readError(`${header}\n${deep}\n`)?.line).toBe(2);
    expect(readError(`${header}\n{"kind":"note","wallMs":1,"text":"x","__proto__":{"polluted":true}}\n`)?.line).toBe(2);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    // Deep nesting inside a field the schema walks recursively.
    const deepSettings = header.replace('"settings":{', `"settings":{"x":${'['.repeat(50_000)}${']'.repeat(50_000)},`);
    expect(readError(`${deepSettings}\n`)?.line).toBe(1);
    expect(readError(`${header}\n{"kind":"note","wallMs":1e400,"text":"x"}\n`)?.line).toBe(2);
  });
});

describe('reader fuzzing: random and mutated recordings give a clean error or a valid parse, never a crash', () => {
  const text = small();
  const lines = text.split('\n');

  it('random bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 2000 }), (bytes) => {
      const e = readError(String.fromCharCode(...bytes));
      expect(e).not.toBeNull();
    }), { numRuns: 300 });
  });

  it('truncations at any point', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: text.length - 2 }), (at) => {
      const e = readError(text.slice(0, at));
      // Cutting inside the last line can leave a complete end record only if nothing was cut.
      expect(e).not.toBeNull();
      if (e?.line !== null && e?.line !== undefined) expect(e.line).toBeLessThanOrEqual(text.slice(0, at).split('\n').length + 1);
    }), { numRuns: 300 });
  });

  it('bit flips', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: text.length - 1 }), fc.integer({ min: 0, max: 6 }), (at, bit) => {
      const flipped = text.slice(0, at) + String.fromCharCode(text.charCodeAt(at) ^ (1 << bit)) + text.slice(at + 1);
      readError(flipped); // either outcome is fine; throwing anything but RecordingError is not
    }), { numRuns: 250 });
  });

  it('field mutations: every value of a random line replaced by a random JSON value', () => {
    const weird = fc.oneof(fc.constant(null), fc.boolean(), fc.integer(), fc.double(), fc.string(), fc.constant(-1), fc.constant(2 ** 60), fc.array(fc.integer(), { maxLength: 3 }), fc.object({ maxDepth: 2 }));
    fc.assert(fc.property(fc.integer({ min: 1, max: lines.length - 1 }), fc.nat(), weird, (n, pick, value) => {
      const record = JSON.parse(lines[n - 1]!) as Record<string, unknown>;
      const keys = Object.keys(record);
      const key = keys[pick % keys.length]!;
      const mutated = editLine(text, n, (v) => ({ ...v, [key]: value }));
      const e = readError(mutated);
      // The damage shows at the line itself, or later where it breaks a link (a renamed opId
      // at the completion, a Lamport clock jump at the node's next record).
      if (e !== null) {
        expect(e.line).toBeGreaterThanOrEqual(n);
        expect(e.line).toBeLessThanOrEqual(lines.length + 1);
      }
    }), { numRuns: 250 });
  });

  it('swapped lines and dropped lines', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: lines.length - 2 }), fc.integer({ min: 1, max: lines.length - 2 }), fc.boolean(), (a, b, drop) => {
      const copy = lines.slice();
      if (drop) copy.splice(a, 1);
      else [copy[a], copy[b]] = [copy[b]!, copy[a]!];
      readError(copy.join('\n'));
    }), { numRuns: 200 });
  });
});
