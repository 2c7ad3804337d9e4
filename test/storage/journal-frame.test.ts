import { describe, expect, it } from 'vitest';
import { classifyTail, encodeFrame, scanFrames } from '../../electron/storage/journal-frame';

const payloads = ['{"seq":1}', '{"seq":2,"data":"second record"}', '{"seq":3,"data":"the third and last"}'];
const frames = payloads.map((p) => encodeFrame(Buffer.from(p)));
const journal = Buffer.concat(frames);
const ends = frames.map((_, i) => frames.slice(0, i + 1).reduce((n, f) => n + f.length, 0));

describe('journal framing', () => {
  it('reads back every record of an intact journal', () => {
    const scan = scanFrames(journal);
    expect(scan.ok && scan.frames.map((f) => f.payload.toString())).toEqual(payloads);
    expect(scan.ok && scan.validEnd).toBe(journal.length);
  });

  it('treats a journal cut at any byte as a torn tail: keeps every complete record, drops the rest', () => {
    for (let cut = 0; cut <= journal.length; cut++) {
      const scan = scanFrames(journal.subarray(0, cut));
      const complete = ends.filter((end) => end <= cut).length;
      expect(scan.ok, `cut at ${cut}`).toBe(true);
      if (scan.ok) {
        expect(scan.frames.map((f) => f.payload.toString())).toEqual(payloads.slice(0, complete));
        expect(scan.validEnd).toBe(complete === 0 ? 0 : ends[complete - 1]);
      }
    }
  });

  it('tolerates zeroed or garbage bytes after the last record (a torn write)', () => {
    for (const tail of [Buffer.alloc(100), Buffer.from('garbage that is not a frame')]) {
      const scan = scanFrames(Buffer.concat([journal, tail]));
      expect(scan.ok && scan.frames.length).toBe(3);
      expect(scan.ok && scan.validEnd).toBe(journal.length);
    }
  });

  it('refuses damage to any byte of a record that has a good record after it', () => {
    const lastStart = ends[1] ?? 0;
    for (let at = 0; at < lastStart; at++) {
      const damaged = Buffer.from(journal);
      damaged[at] = (damaged[at] ?? 0) ^ 0x5a;
      const scan = scanFrames(damaged);
      expect(scan.ok, `byte ${at} damaged`).toBe(false);
      if (!scan.ok) expect(scan.badOffset).toBeLessThanOrEqual(at);
    }
  });

  it('never trusts a damaged length: a huge length with a bad header checksum is damage, not a record', () => {
    const damaged = Buffer.from(journal);
    damaged.writeUInt32LE(0x7fffffff, 0);
    const scan = scanFrames(damaged);
    expect(scan.ok).toBe(false);
    if (!scan.ok) expect(scan.nextGoodOffset).toBe(frames[0]?.length);
  });
});

describe('what follows the last good frame (classifyTail)', () => {
  // A record spanning several 512-byte blocks, as the preallocated journal holds it: zeros after.
  const big = encodeFrame(Buffer.from(JSON.stringify({ seq: 9, data: 'y'.repeat(1500) })));
  const at = 100; // the record starts inside the first block
  const file = (): Buffer => {
    const bytes = Buffer.alloc(4096);
    journal.copy(bytes, 0, 0, at);
    big.copy(bytes, at);
    return bytes;
  };

  it('is clean when only zeros follow', () => {
    expect(classifyTail(Buffer.alloc(2048), 0)).toEqual({ kind: 'clean' });
  });

  it('is a torn write when a whole block of the record was never written', () => {
    for (const block of [512, 1024]) {
      const bytes = file();
      bytes.fill(0, block, at + big.length);
      expect(classifyTail(bytes, at), `cut at ${block}`).toEqual({ kind: 'torn' });
    }
    const middle = file();
    middle.fill(0, 1024, 1536); // a power failure may lose a block in the middle
    expect(classifyTail(middle, at)).toEqual({ kind: 'torn' });
  });

  it('is damage when the record is complete but one bit differs', () => {
    for (const offset of [at + 20, at + 700, at + big.length - 1]) {
      const bytes = file();
      bytes[offset] = (bytes[offset] ?? 0) ^ 0x10;
      expect(classifyTail(bytes, at).kind, `bit flipped at ${offset}`).toBe('damaged');
    }
    const header = file();
    header[at + 1] = (header[at + 1] ?? 0) ^ 0x01; // the length: the header checksum fails
    expect(classifyTail(header, at).kind).toBe('damaged');
  });
});
