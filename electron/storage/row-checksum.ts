/**
 * CRC32 of each stored row, kept in the row's `crc` column, so that damage SQLite cannot see (a
 * flipped bit inside a text or integer value passes `PRAGMA integrity_check`) is found when the
 * file is opened. Each checksum covers the table name and every column, so a value moved to
 * another row or table does not match either. Pure functions; the cost is one CRC per row written.
 */
import { crc32 } from 'node:zlib';

const SEP = '\u0000';

export function metaCrc(key: string, value: string): number {
  return crc32(['meta', key, value].join(SEP));
}

export function hardStateCrc(term: number, vote: number, commit: number): number {
  return crc32(['hard_state', term, vote, commit].join(SEP));
}

/** `payload` is chained in rather than concatenated, so a large command is not copied. */
export function entryCrc(idx: number, term: number, kind: string, payload: string | null): number {
  return crc32(payload ?? '', crc32(['entries', idx, term, kind, payload === null ? 'null' : 'text', ''].join(SEP)));
}

export function snapshotCrc(idx: number, term: number, meta: string, data: string): number {
  return crc32(data, crc32(['snapshot', idx, term, meta, ''].join(SEP)));
}
