/**
 * The journal's byte framing, pure functions over buffers.
 *
 * A frame is a 12-byte header then the payload:
 *   [u32 LE payload length][u32 LE crc32(payload)][u32 LE crc32(first 8 header bytes)]
 * The header has its own checksum so that a damaged length is detected rather than trusted.
 *
 * Reading distinguishes two kinds of damage:
 * - a torn tail: bytes after the last good frame that contain no good frame. That is what a
 *   crash in the middle of an append leaves; the append never returned, so nothing in it was
 *   acknowledged, and the reader drops it.
 * - damage in the middle: a bad frame followed (anywhere later) by a good one. Acknowledged
 *   records would be lost by dropping it, so the reader refuses.
 */
import { crc32 } from 'node:zlib';

export const FRAME_HEADER_BYTES = 12;
/** Upper bound on one payload, so a damaged length can never make us allocate gigabytes. */
export const MAX_FRAME_PAYLOAD_BYTES = 64 * 1024 * 1024;

export function encodeFrame(payload: Uint8Array): Buffer {
  if (payload.length > MAX_FRAME_PAYLOAD_BYTES) {
    throw new RangeError(`journal record of ${payload.length} bytes exceeds the ${MAX_FRAME_PAYLOAD_BYTES}-byte limit`);
  }
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length);
  frame.writeUInt32LE(payload.length, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  frame.writeUInt32LE(crc32(frame.subarray(0, 8)), 8);
  frame.set(payload, FRAME_HEADER_BYTES);
  return frame;
}

export interface Frame {
  /** Byte offset of the frame's header in the file. */
  readonly offset: number;
  readonly payload: Buffer;
}

export type ScanResult =
  | {
      readonly ok: true;
      readonly frames: readonly Frame[];
      /** End of the last good frame; bytes after it (if any) are a torn tail. */
      readonly validEnd: number;
    }
  | { readonly ok: false; readonly badOffset: number; readonly nextGoodOffset: number; readonly reason: string };

type FrameCheck = { readonly ok: true; readonly end: number } | { readonly ok: false; readonly reason: string };

function checkFrameAt(bytes: Buffer, offset: number): FrameCheck {
  if (bytes.length - offset < FRAME_HEADER_BYTES) return { ok: false, reason: 'incomplete header' };
  const length = bytes.readUInt32LE(offset);
  if (bytes.readUInt32LE(offset + 8) !== crc32(bytes.subarray(offset, offset + 8))) {
    return { ok: false, reason: 'header checksum mismatch' };
  }
  if (length > MAX_FRAME_PAYLOAD_BYTES) return { ok: false, reason: `length ${length} over the limit` };
  const end = offset + FRAME_HEADER_BYTES + length;
  if (end > bytes.length) return { ok: false, reason: 'payload cut short' };
  if (bytes.readUInt32LE(offset + 4) !== crc32(bytes.subarray(offset + FRAME_HEADER_BYTES, end))) {
    return { ok: false, reason: 'payload checksum mismatch' };
  }
  return { ok: true, end };
}

export function scanFrames(bytes: Buffer): ScanResult {
  const frames: Frame[] = [];
  let offset = 0;
  while (offset < bytes.length) {
    const check = checkFrameAt(bytes, offset);
    if (!check.ok) {
      // Only the error path pays for this byte-by-byte search, and the journal is bounded by
      // the checkpoint threshold. An all-zero header never checks out (crc32 of zeros is not
      // zero), so the search stops at the last non-zero byte: the preallocated rest is zeros.
      let last = bytes.length - 1;
      while (last > offset && bytes[last] === 0) last--;
      for (let probe = offset + 1; probe <= last && probe + FRAME_HEADER_BYTES <= bytes.length; probe++) {
        if (checkFrameAt(bytes, probe).ok) {
          return { ok: false, badOffset: offset, nextGoodOffset: probe, reason: check.reason };
        }
      }
      return { ok: true, frames, validEnd: offset };
    }
    frames.push({ offset, payload: bytes.subarray(offset + FRAME_HEADER_BYTES, check.end) });
    offset = check.end;
  }
  return { ok: true, frames, validEnd: offset };
}

/**
 * Journals are preallocated, so bytes nobody wrote read as zeros. A write a crash interrupted
 * leaves some of its blocks unwritten: a kill leaves a prefix ending at a page boundary, a power
 * failure may lose any of its disk blocks. Damage is told apart from that by this block size:
 * a record with no all-zero block in it was written completely.
 */
export const TORN_BLOCK_BYTES = 512;

export type TailVerdict =
  /** Only zeros after the last good frame. */
  | { readonly kind: 'clean' }
  /** A frame a crash left partly written (never acknowledged). */
  | { readonly kind: 'torn' }
  /** Bytes after the last good frame that no crash can leave. */
  | { readonly kind: 'damaged'; readonly reason: string };

/** True if some TORN_BLOCK_BYTES-aligned block's part inside [from, to) is all zeros. */
function hasUnwrittenBlock(bytes: Buffer, from: number, to: number): boolean {
  for (let block = from - (from % TORN_BLOCK_BYTES); block < to; block += TORN_BLOCK_BYTES) {
    const start = Math.max(from, block);
    const end = Math.min(to, block + TORN_BLOCK_BYTES);
    let zero = true;
    for (let i = start; i < end && zero; i++) zero = bytes[i] === 0;
    if (zero) return true;
  }
  return false;
}

/**
 * Classifies the bytes after `validEnd` (the end of the last good frame, as scanFrames found
 * it, with no good frame after it). The caller has checked that the file is as long as the
 * journal says it allocated, so a frame whose header is intact lies wholly inside the file.
 */
export function classifyTail(bytes: Buffer, validEnd: number): TailVerdict {
  let last = bytes.length - 1;
  while (last >= validEnd && bytes[last] === 0) last--;
  if (last < validEnd) return { kind: 'clean' };
  const headerEnd = Math.min(bytes.length, validEnd + FRAME_HEADER_BYTES);
  const headerOk = headerEnd - validEnd === FRAME_HEADER_BYTES && bytes.readUInt32LE(validEnd + 8) === crc32(bytes.subarray(validEnd, validEnd + 8));
  if (!headerOk) {
    if (hasUnwrittenBlock(bytes, validEnd, headerEnd)) return { kind: 'torn' };
    return { kind: 'damaged', reason: `the record header at byte ${validEnd} fails its checksum, yet every block of it was written (not an interrupted write)` };
  }
  const end = validEnd + FRAME_HEADER_BYTES + bytes.readUInt32LE(validEnd);
  if (end > bytes.length) return { kind: 'damaged', reason: `the record at byte ${validEnd} runs past the end of the file (byte ${end})` };
  if (hasUnwrittenBlock(bytes, validEnd, end)) return { kind: 'torn' };
  return { kind: 'damaged', reason: `the record at byte ${validEnd} is complete but fails its payload checksum (not an interrupted write)` };
}
