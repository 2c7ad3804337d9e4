/**
 * FNV-1a, 32 bits, fed incrementally with text. The simulator hashes its canonical trace with it
 * so two runs can be compared event for event by one short string.
 */
const OFFSET = 0x811c9dc5;
const PRIME = 0x01000193;

export class Fnv1a {
  private h = OFFSET;

  /** Mixes in the UTF-16 code units of `text` followed by a newline (the line separator). */
  line(text: string): void {
    let h = this.h;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, PRIME);
    }
    h ^= 10;
    this.h = Math.imul(h, PRIME);
  }

  /** The hash so far as 8 hex digits. */
  hex(): string {
    return (this.h >>> 0).toString(16).padStart(8, '0');
  }
}
