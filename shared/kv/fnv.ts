/**
 * FNV-1a, 64-bit, over the UTF-8 bytes of a string, in pure JS (shared/ has no crypto module).
 * Used to compare replicas' state cheaply; not a cryptographic hash.
 */

const TWO_32 = 4294967296;
// FNV-1a 64-bit offset basis 0xcbf29ce484222325, split into 32-bit halves.
const OFFSET_HI = 0xcbf29ce4;
const OFFSET_LO = 0x84222325;

/** The 64-bit FNV-1a hash of `text` (UTF-8 encoded) as 16 lowercase hex digits. */
export function fnv1a64(text: string): string {
  let hi = OFFSET_HI;
  let lo = OFFSET_LO;
  // The prime is 2^40 + 0x1b3: h * prime = (h << 40) + h * 0x1b3 (mod 2^64). Each partial
  // product stays below 2^53, so plain doubles are exact.
  const mix = (byte: number): void => {
    lo = (lo ^ byte) >>> 0;
    const loProduct = lo * 0x1b3;
    const carry = Math.floor(loProduct / TWO_32);
    const newLo = loProduct % TWO_32;
    const newHi = (hi * 0x1b3 + carry + ((lo << 8) >>> 0)) % TWO_32;
    hi = newHi;
    lo = newLo;
  };
  for (let i = 0; i < text.length; i++) {
    let cp = text.charCodeAt(i);
    // Combine a surrogate pair into one code point; a lone surrogate encodes as U+FFFD.
    if (cp >= 0xd800 && cp <= 0xdbff && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
        i++;
      } else {
        cp = 0xfffd;
      }
    } else if (cp >= 0xd800 && cp <= 0xdfff) {
      cp = 0xfffd;
    }
    if (cp < 0x80) {
      mix(cp);
    } else if (cp < 0x800) {
      mix(0xc0 | (cp >> 6));
      mix(0x80 | (cp & 0x3f));
    } else if (cp < 0x10000) {
      mix(0xe0 | (cp >> 12));
      mix(0x80 | ((cp >> 6) & 0x3f));
      mix(0x80 | (cp & 0x3f));
    } else {
      mix(0xf0 | (cp >> 18));
      mix(0x80 | ((cp >> 12) & 0x3f));
      mix(0x80 | ((cp >> 6) & 0x3f));
      mix(0x80 | (cp & 0x3f));
    }
  }
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
