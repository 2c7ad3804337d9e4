/**
 * A minimal POSIX ustar writer in pure TypeScript (shared/ has no Node modules): regular files
 * only, names up to 100 bytes, sizes up to 8 GiB. Enough for an export archive that every `tar`
 * and archive manager opens.
 *
 * The archive is written member by member, never built whole: for each member its header
 * (`tarHeader`, which needs the member's size up front), then its bytes as they come, then
 * `tarPadding` to the next 512-byte block; `TAR_END` closes the archive.
 */

export interface TarEntry {
  /** Path inside the archive, '/'-separated, printable ASCII, at most 100 bytes. */
  readonly name: string;
  /** Size of the member's content, in bytes. */
  readonly size: number;
  /** Modification time, seconds since the epoch. */
  readonly mtimeSec: number;
}

export const TAR_BLOCK = 512;

/** Largest member a ustar header can describe (11 octal digits). */
export const TAR_MAX_SIZE = 8 ** 11 - 1;

/** Two zero blocks end the archive. */
export const TAR_END: Uint8Array = new Uint8Array(2 * TAR_BLOCK);

/** UTF-8 encoding (TextEncoder is not part of shared/'s ES2022 library). */
export function utf8(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const cp = ch.codePointAt(0) ?? 0xfffd;
    const c = cp >= 0xd800 && cp <= 0xdfff ? 0xfffd : cp;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 0x3f));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 0x3f), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f));
  }
  return Uint8Array.from(out);
}

function writeAscii(block: Uint8Array, offset: number, length: number, text: string): void {
  for (let i = 0; i < text.length && i < length; i++) block[offset + i] = text.charCodeAt(i);
}

/** An octal field: digits, zero-padded to length - 1, then NUL. */
function writeOctal(block: Uint8Array, offset: number, length: number, value: number): void {
  writeAscii(block, offset, length, Math.floor(value).toString(8).padStart(length - 1, '0') + '\0');
}

/** The 512-byte header that comes before a member's content. */
export function tarHeader(entry: TarEntry): Uint8Array {
  if (!/^[\x21-\x7e][\x20-\x7e]*$/.test(entry.name) || entry.name.length > 100) {
    throw new Error(`tar: file name ${JSON.stringify(entry.name)} must be printable ASCII of at most 100 bytes`);
  }
  if (!Number.isSafeInteger(entry.size) || entry.size < 0) throw new Error(`tar: ${entry.name}: size ${entry.size} is not a byte count`);
  if (entry.size > TAR_MAX_SIZE) throw new Error(`tar: ${entry.name} is too large for a ustar header`);
  const h = new Uint8Array(TAR_BLOCK);
  writeAscii(h, 0, 100, entry.name);
  writeOctal(h, 100, 8, 0o644);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, entry.size);
  writeOctal(h, 136, 12, Math.max(0, entry.mtimeSec));
  writeAscii(h, 148, 8, '        '); // checksum field counts as spaces while summing
  h[156] = 0x30; // '0': regular file
  writeAscii(h, 257, 6, 'ustar\0');
  writeAscii(h, 263, 2, '00');
  let sum = 0;
  for (const b of h) sum += b;
  writeAscii(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

/** The zero bytes after a member of `size` bytes that fill its last block (none when it fills it). */
export function tarPadding(size: number): Uint8Array {
  return new Uint8Array((TAR_BLOCK - (size % TAR_BLOCK)) % TAR_BLOCK);
}

/** Refuses a second member of the same name (tar would keep only the last on extraction). */
export class TarNames {
  private readonly names = new Set<string>();

  add(name: string): void {
    if (this.names.has(name)) throw new Error(`tar: duplicate file name ${JSON.stringify(name)}`);
    this.names.add(name);
  }
}
