/**
 * The result of applying one request, as a session caches it: shared by the state machine and
 * the snapshot format (a leaf, so neither imports the other for it).
 */
export type OpResult =
  /** get: the value read; put and cas: the value written; delete: null. */
  | { readonly kind: 'ok'; readonly value: string | null; readonly index: number }
  /** A cas whose expected value did not match; nothing changed. `actual` is the value found. */
  | { readonly kind: 'cas-mismatch'; readonly actual: string | null; readonly index: number };
