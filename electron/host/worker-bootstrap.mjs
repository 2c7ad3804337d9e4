// Runs the TypeScript node entry inside a worker thread: registers tsx's loader in this thread
// (Node 20 does not apply `--import tsx` from a Worker's execArgv), then loads the entry.
import { register } from 'tsx/esm/api';
import { workerData } from 'node:worker_threads';

register();
await import(workerData.entry);
