// Test reference only: the whole-string exporter as it was before exports were streamed (kept
// so tests can check the streamed output is byte for byte what this made). Not used by the app.
/**
 * A minimal POSIX ustar writer in pure TypeScript (shared/ has no Node modules): regular files
 * only, names up to 100 bytes, sizes up to 8 GiB. Enough for an export archive that every `tar`
 * and archive manager opens.
 */

export interface TarFile {
  /** Path inside the archive, '/'-separated, ASCII, at most 100 bytes. */
  readonly name: string;
  readonly bytes: Uint8Array;
  /** Modification time, seconds since the epoch. */
  readonly mtimeSec: number;
}

const BLOCK = 512;

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

function header(file: TarFile): Uint8Array {
  if (!/^[\x21-\x7e][\x20-\x7e]*$/.test(file.name) || file.name.length > 100) {
    throw new Error(`tar: file name ${JSON.stringify(file.name)} must be printable ASCII of at most 100 bytes`);
  }
  if (file.bytes.length >= 8 ** 11) throw new Error(`tar: ${file.name} is too large for a ustar header`);
  const h = new Uint8Array(BLOCK);
  writeAscii(h, 0, 100, file.name);
  writeOctal(h, 100, 8, 0o644);
  writeOctal(h, 108, 8, 0);
  writeOctal(h, 116, 8, 0);
  writeOctal(h, 124, 12, file.bytes.length);
  writeOctal(h, 136, 12, Math.max(0, file.mtimeSec));
  writeAscii(h, 148, 8, '        '); // checksum field counts as spaces while summing
  h[156] = 0x30; // '0': regular file
  writeAscii(h, 257, 6, 'ustar\0');
  writeAscii(h, 263, 2, '00');
  let sum = 0;
  for (const b of h) sum += b;
  writeAscii(h, 148, 8, sum.toString(8).padStart(6, '0') + '\0 ');
  return h;
}

export function buildTar(files: readonly TarFile[]): Uint8Array {
  const names = new Set<string>();
  let size = 2 * BLOCK;
  for (const f of files) {
    if (names.has(f.name)) throw new Error(`tar: duplicate file name ${JSON.stringify(f.name)}`);
    names.add(f.name);
    size += BLOCK + Math.ceil(f.bytes.length / BLOCK) * BLOCK;
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const f of files) {
    out.set(header(f), at);
    at += BLOCK;
    out.set(f.bytes, at);
    at += Math.ceil(f.bytes.length / BLOCK) * BLOCK;
  }
  // Two zero blocks end the archive (already zero).
  return out;
}
