/** The node control protocol rejects malformed messages with an error naming what was wrong. */
import { describe, expect, it } from 'vitest';
import { parseNodeCommand, parseNodeEvent, parsePeerEnvelope } from '../../shared/protocol/node-ipc';
import { messageId, pendingHolder, timeoutId } from '../../shared/cluster/pending-ids';

describe('node-ipc validation', () => {
  it('accepts a well-formed command and rejects bad ones by field', () => {
    expect(parseNodeCommand({ type: 'deliver', req: 3, msgId: '1.1.4>2' })).toEqual({ ok: true, value: { type: 'deliver', req: 3, msgId: '1.1.4>2' } });
    const badSpeed = parseNodeCommand({ type: 'set-run', req: 1, paused: false, speed: 50 });
    expect(badSpeed.ok).toBe(false);
    if (!badSpeed.ok) expect(badSpeed.error).toMatch(/invalid node command: speed:/);
    const unknown = parseNodeCommand({ type: 'format-disk', req: 1 });
    expect(unknown.ok).toBe(false);
    if (!unknown.ok) expect(unknown.error).toMatch(/type/);
  });

  it('rejects a peer message with a malformed Raft message, naming the path', () => {
    const bad = parsePeerEnvelope({ type: 'raft', items: [{ id: '1.1.1>2', message: { type: 'AppendEntries', from: 1, to: 2, term: -1 } }] });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/invalid peer message: items\.0\.message\./);
  });

  it('rejects a node event that lies about its shape', () => {
    const bad = parseNodeEvent({ type: 'loop-stall', node: 1, maxBlockedMs: 'long' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error).toMatch(/maxBlockedMs/);
  });

  it('pending ids name the node that holds them', () => {
    expect(pendingHolder(messageId(1, 3, 17, 4))).toBe(4);
    expect(pendingHolder(timeoutId(5, 'election'))).toBe(5);
    expect(pendingHolder('nonsense')).toBeNull();
  });
});
