import { describe, expect, it } from 'vitest';
import { encodeFrame, scanFrames } from '../../electron/storage/journal-frame';

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
