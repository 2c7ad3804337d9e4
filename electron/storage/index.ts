/**
 * Per-node persistence: one SQLite file (through sql.js) plus an fsynced append-only journal
 * beside it, checkpointed into the database. See docs/storage.md for the design and its crash
 * argument.
 */
export { NodeStorage } from './node-storage';
export { discardNodeFiles, nodeFileNames } from './node-files';
export type { NodeStorageOptions, PersistBatch, StorageStats } from './node-storage';
export { StorageError } from './errors';
export type { StorageErrorKind } from './errors';
