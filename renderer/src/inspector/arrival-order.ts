/**
 * Keeps step-mode items in the order they first appeared. The lab reports the held items as a
 * fresh list after every step, with new ones anywhere in it; shown as reported, the list
 * reshuffled under the pointer and a second click could deliver a different message than the
 * one that was there. Items seen before keep their place, new ones go to the end (in the order
 * reported), and an item that leaves is forgotten (so the map stays as small as the list).
 */
export interface Ranked<T> {
  readonly item: T;
  /** Increases with first appearance; compare with `nextRank` to tell what is new. */
  readonly rank: number;
}

export class ArrivalOrder {
  private readonly ranks = new Map<string, number>();
  private next = 0;

  arrange<T extends { readonly id: string }>(items: readonly T[]): Ranked<T>[] {
    const present = new Set(items.map((i) => i.id));
    for (const id of [...this.ranks.keys()]) if (!present.has(id)) this.ranks.delete(id);
    for (const i of items) if (!this.ranks.has(i.id)) this.ranks.set(i.id, this.next++);
    return items.map((item) => ({ item, rank: this.ranks.get(item.id) as number })).sort((a, b) => a.rank - b.rank);
  }

  /** The rank the next new item will get: items ranked at or above a value read now arrive later. */
  get nextRank(): number {
    return this.next;
  }
}
