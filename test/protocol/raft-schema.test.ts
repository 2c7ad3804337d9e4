/**
 * The one set of Raft schemas (shared/protocol/raft-schema.ts): everything a real cluster of
 * RawNodes produces passes them; foreign shapes, extra fields and node ids beyond the one bound do
 * not; and the compile-time agreement check really fails on a drift (the `@ts-expect-error` lines
 * below break `tsc -p test` if `Agrees` ever stops telling the types apart).
 */
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { MAX_NODE_ID } from '../../shared/limits';
import type { Agrees } from '../../shared/protocol/agrees';
import {
  confChangeSchema, entrySchema, messageSchema, nodeStatusSchema, persistedStateSchema, raftConfigSchema, readySchema,
} from '../../shared/protocol/raft-schema';
import { RawNode } from '../../shared/raft/raw-node';
import { DEFAULT_RAFT_CONFIG, type Entry, type Message, type NodeStatus, type PersistedState, type Ready } from '../../shared/raft/types';
import { createRng } from '../../shared/util/rng';

/** A three-node cluster stepped by hand until node 1 leads and a command commits everywhere. */
function runCluster(): { readies: Ready[]; messages: Message[]; statuses: NodeStatus[]; persisted: PersistedState[] } {
  const ids = [1, 2, 3];
  const nodes = new Map(ids.map((id) => [id, RawNode.bootstrap({ ...DEFAULT_RAFT_CONFIG, id }, createRng(id), { voters: ids, learners: [] })]));
  const stores = new Map<number, { entries: Entry[]; ready: Ready | null }>(ids.map((id) => [id, { entries: [], ready: null }]));
  const readies: Ready[] = [];
  const messages: Message[] = [];
  let inFlight: Message[] = [];
  const drain = (): void => {
    for (let round = 0; round < 50; round++) {
      for (const [id, n] of nodes) {
        while (n.hasReady()) {
          const rd = n.ready();
          readies.push(rd);
          stores.get(id)!.entries.push(...rd.entries);
          stores.get(id)!.ready = rd;
          messages.push(...rd.messages);
          inFlight.push(...rd.messages);
          n.advance(rd);
        }
      }
      if (inFlight.length === 0) return;
      const batch = inFlight;
      inFlight = [];
      for (const m of batch) nodes.get(m.to)!.step(m);
    }
  };
  drain();
  nodes.get(1)!.campaign();
  drain();
  const proposed = nodes.get(1)!.propose('{"x":1}');
  expect(proposed.ok).toBe(true);
  drain();
  const statuses = ids.map((id) => nodes.get(id)!.status());
  const persisted = ids.map((id) => {
    const s = nodes.get(id)!.status();
    return { hardState: { term: s.term, vote: s.vote, commit: s.commit }, snapshot: null, entries: stores.get(id)!.entries };
  });
  return { readies, messages, statuses, persisted };
}

describe('raft schemas', () => {
  const run = runCluster();

  it('accept every Ready, message, status and persisted state a real cluster produces', () => {
    expect(run.statuses.filter((s) => s.role === 'leader')).toHaveLength(1);
    expect(new Set(run.messages.map((m) => m.type))).toEqual(new Set(['RequestVote', 'RequestVoteResponse', 'AppendEntries', 'AppendEntriesResponse']));
    for (const rd of run.readies) expect(readySchema.safeParse(rd).error).toBeUndefined();
    for (const m of run.messages) expect(messageSchema.safeParse(m).error).toBeUndefined();
    for (const s of run.statuses) expect(nodeStatusSchema.safeParse(s).error).toBeUndefined();
    for (const p of run.persisted) expect(persistedStateSchema.safeParse(p).error).toBeUndefined();
    expect(raftConfigSchema.safeParse({ ...DEFAULT_RAFT_CONFIG, id: 1, unsafe: { allowDoubleVote: true } }).success).toBe(true);
  });

  it('reject an extra field at any depth, naming where', () => {
    const ae = run.messages.find((m) => m.type === 'AppendEntries' && m.entries.length > 0);
    if (ae?.type !== 'AppendEntries') throw new Error('the run sent no AppendEntries with entries');
    const extraTop = messageSchema.safeParse({ ...ae, extra: 1 });
    expect(extraTop.success).toBe(false);
    const nested = { ...ae, entries: [{ ...ae.entries[0], extra: 1 }] };
    const extraNested = messageSchema.safeParse(nested);
    expect(extraNested.success).toBe(false);
    expect(extraNested.error?.issues[0]?.path).toEqual(['entries', 0]);
  });

  it('bound node ids by MAX_NODE_ID, with 0 only where it means none', () => {
    expect(confChangeSchema.safeParse({ type: 'add-voter', node: MAX_NODE_ID }).success).toBe(true);
    expect(confChangeSchema.safeParse({ type: 'add-voter', node: MAX_NODE_ID + 1 }).success).toBe(false);
    expect(confChangeSchema.safeParse({ type: 'add-voter', node: 0 }).success).toBe(false);
    const vote = run.messages.find((m) => m.type === 'RequestVote')!;
    expect(messageSchema.safeParse({ ...vote, from: MAX_NODE_ID + 1 }).success).toBe(false);
    const s = run.statuses[0]!;
    expect(nodeStatusSchema.safeParse({ ...s, leader: 0, vote: 0 }).success).toBe(true);
    expect(nodeStatusSchema.safeParse({ ...s, id: 0 }).success).toBe(false);
  });

  it('reject an entry of an unknown kind and a negative index', () => {
    expect(entrySchema.safeParse({ kind: 'blob', term: 1, index: 1 }).success).toBe(false);
    expect(entrySchema.safeParse({ kind: 'noop', term: 1, index: -1 }).success).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------
// The agreement check itself, at compile time: each line must fail to type-check.

type EntryWithExtra = Entry & { readonly origin: string };
type EntryMissingTerm = { readonly kind: 'noop'; readonly index: number };
type StatusWithOptional = NodeStatus & { readonly note?: string };

// @ts-expect-error the type has a field the schema does not
const _extraField: Agrees<typeof entrySchema, EntryWithExtra> = true;
// @ts-expect-error the schema has a field the type does not
const _missingField: Agrees<typeof entrySchema, EntryMissingTerm> = true;
// @ts-expect-error an optional field only on one side still counts (mutual assignability would miss it)
const _optionalField: Agrees<typeof nodeStatusSchema, StatusWithOptional> = true;
// @ts-expect-error a field's type differs
const _wrongType: Agrees<z.ZodObject<{ term: z.ZodString }>, { term: number }> = true;
const _same: Agrees<typeof entrySchema, Entry> = true;
void [_extraField, _missingField, _optionalField, _wrongType, _same];
