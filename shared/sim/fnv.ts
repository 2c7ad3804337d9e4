/**
 * FNV-1a, 32 bits, fed incrementally. The simulator hashes its trace with it so two runs can be
 * compared event for event by one short string. Rare events are fed as their canonical text
 * (`line`); the hot ones (ticks, sends, deliveries, readies) as their numeric fields (`num`), so
 * hashing costs no string building; the text trace renders the same fields.
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

  /** Mixes in one integer (its low 32 bits, as two 16-bit halves). */
  num(n: number): void {
    let h = this.h ^ (n & 0xffff);
    h = Math.imul(h, PRIME);
    h ^= (n >>> 16) & 0xffff;
    this.h = Math.imul(h, PRIME);
  }

  /** The hash so far as 8 hex digits. */
  hex(): string {
    return (this.h >>> 0).toString(16).padStart(8, '0');
  }
}
