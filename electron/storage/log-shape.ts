/**
 * Checks a journal record against the log it is about to change, so that neither a caller's
 * mistake (persist) nor a damaged journal (replay) can leave a log with holes.
 */
import type { JournalRecord } from './codecs';
import type { LogShape } from './database';

export type ShapeResult = { readonly ok: true; readonly shape: LogShape } | { readonly ok: false; readonly reason: string };

export function advanceShape(shape: LogShape, record: JournalRecord): ShapeResult {
  let next = shape;
  if (record.snapshot !== null) {
    const { index, term } = record.snapshot.meta;
    if (index < shape.snapshotIndex) {
      return { ok: false, reason: `snapshot at index ${index} is older than the stored one at ${shape.snapshotIndex}` };
    }
    if (record.type === 'compact') {
      if (index > shape.lastIndex) return { ok: false, reason: `cannot compact to index ${index}: the log ends at ${shape.lastIndex}` };
      next = { snapshotIndex: index, firstIndex: index + 1, lastIndex: shape.lastIndex, lastTerm: index === shape.lastIndex ? term : shape.lastTerm };
    } else {
      next = { snapshotIndex: index, firstIndex: index + 1, lastIndex: index, lastTerm: term };
    }
  }
  if (record.type === 'ready' && record.entries.length > 0) {
    const first = record.entries[0];
    const last = record.entries[record.entries.length - 1];
    if (first === undefined || last === undefined) return { ok: false, reason: 'empty entries' };
    if (first.index < next.firstIndex || first.index > next.lastIndex + 1) {
      return {
        ok: false,
        reason: `entries start at index ${first.index}, but the log holds [${next.firstIndex}, ${next.lastIndex + 1}) so they must start in [${next.firstIndex}, ${next.lastIndex + 1}]`,
      };
    }
    for (let i = 1; i < record.entries.length; i++) {
      if (record.entries[i]?.index !== first.index + i) return { ok: false, reason: `entries are not contiguous at position ${i}` };
    }
    next = { ...next, lastIndex: last.index, lastTerm: last.term };
  }
  return { ok: true, shape: next };
}
