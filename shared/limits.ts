/**
 * Every limit the lab promises at its boundaries, in one place: the lab API's schemas, the node
 * IPC, the recording format, the simulator's options, the lab controller, the command line and the
 * renderer's forms all import them from here, so a bound cannot differ between two of them.
 * (Bounds private to one module, such as a queue's length inside a node process, stay with that
 * module.)
 */

// ---------------------------------------------------------------------------------------------
// Cluster size and node ids

/** Most nodes in one cluster: the lab, a simulated cluster, a branch and `raft-lab run`. */
export const MAX_NODES = 9;

/**
 * Node ids are 1..MAX_NODE_ID (0 means "none"). A cluster numbers its nodes 1, 2, 3, ... and never
 * reuses an id, and it never holds more than MAX_NODES, so no id exceeds MAX_NODES. The simulated
 * network's link table is sized by it.
 */
export const MAX_NODE_ID = MAX_NODES;

// ---------------------------------------------------------------------------------------------
// Time

/** Slowest and fastest run speed (a multiplier of real time). */
export const SPEED_MIN = 0.01;
export const SPEED_MAX = 10;

/** Milliseconds per tick at speed 1. */
export const TICK_MS_MIN = 1;
export const TICK_MS_MAX = 10_000;

/** Ticks between a leader's heartbeats. */
export const HEARTBEAT_TICKS_MIN = 1;
export const HEARTBEAT_TICKS_MAX = 1_000;

/** Base election timeout in ticks (and it must exceed the heartbeat interval). */
export const ELECTION_TICKS_MIN = 2;
export const ELECTION_TICKS_MAX = 10_000;

/** Most ticks one `tickOnce` call advances a paused cluster. */
export const MAX_TICKS_PER_STEP = 1000;

/** Most lab time a message spends on its link before faults add theirs (Pace.networkMs). */
export const MAX_NETWORK_MS = 10_000;

// ---------------------------------------------------------------------------------------------
// Network faults

/** Largest delay (and jitter) on one link, in milliseconds. */
export const LINK_DELAY_MS_MAX = 60_000;

// ---------------------------------------------------------------------------------------------
// Sizes

/** Most entries one `readLog` call returns; callers page through longer ranges. */
export const MAX_LOG_READ = 2000;

/** Client ids, keys and values of the replicated key-value store, in characters. */
export const KV_LIMITS = {
  clientIdChars: 128,
  keyChars: 1024,
  valueChars: 65_536,
} as const;

/** Longest id of one linearizable read (ReadIndex or lease) between the controller and a node. */
export const READ_ID_CHARS_MAX = 64;

/** Longest a client request may wait for its answer, in milliseconds. */
export const CLIENT_TIMEOUT_MS_MAX = 600_000;

/** Longest pending-item id (a message or timeout id) a request may name. */
export const PENDING_ID_CHARS_MAX = 200;

/** Longest "Search whole run" query, in characters. */
export const RUN_SEARCH_QUERY_MAX = 200;
/** Matches one `searchRun` returns when the caller names no limit, and the most it may ask for. */
export const RUN_SEARCH_LIMIT = 500;
export const RUN_SEARCH_LIMIT_MAX = 2_000;

/** Characters of an export's id (32 random bytes, base64url). */
export const EXPORT_ID_CHARS = 43;
/** How long a host keeps an export that was neither saved nor downloaded, in milliseconds. */
export const EXPORT_KEEP_MS = 10 * 60_000;
