import { describe, expect, it } from 'vitest';
import { DEFAULT_CLUSTER_OPTIONS } from '../../shared/protocol/lab';
import type { LabApi } from '../../shared/protocol/lab';
import { LabInputError, parseLabArgs, parseLabEvents } from '../../shared/protocol/lab-schema';
import { LAB_METHODS, dispatchLabRequest, isLabMethod } from '../../shared/protocol/lab-wire';

describe('lab request validation', () => {
  it('accepts the default cluster options', () => {
    const [opts] = parseLabArgs('createCluster', [DEFAULT_CLUSTER_OPTIONS]);
    expect(opts).toEqual(DEFAULT_CLUSTER_OPTIONS);
  });

  it('rejects a cluster too large, naming the field', () => {
    expect(() => parseLabArgs('createCluster', [{ ...DEFAULT_CLUSTER_OPTIONS, nodes: 12 }]))
      .toThrow(/createCluster: args\[0\]\.nodes/);
  });

  it('rejects an election timeout not above the heartbeat', () => {
    expect(() => parseLabArgs('createCluster', [{ ...DEFAULT_CLUSTER_OPTIONS, heartbeatTicks: 5, electionTicks: 5 }]))
      .toThrow(/electionTicks/);
  });

  it('rejects a missing argument and a wrong argument type', () => {
    expect(() => parseLabArgs('crashNode', [])).toThrow(LabInputError);
    expect(() => parseLabArgs('crashNode', ['2'])).toThrow(/args\[0\]/);
    expect(() => parseLabArgs('setSpeed', [50])).toThrow(/setSpeed/);
  });

  it('rejects a self-link and out-of-range loss', () => {
    expect(() => parseLabArgs('setLinkFault', [{ from: 2, to: 2 }, { cut: true }])).toThrow(/two different nodes/);
    expect(() => parseLabArgs('setLinkFault', [{ from: 1, to: 2 }, { loss: 1.5 }])).toThrow(/args\[1\]\.loss/);
    expect(parseLabArgs('setLinkFault', [{ from: 1, to: 2 }, { cut: true }])).toEqual([{ from: 1, to: 2 }, { cut: true }]);
  });

  it('validates client operations, with and without options', () => {
    expect(parseLabArgs('submit', [{ type: 'cas', key: 'k', expected: null, value: 'v' }])).toHaveLength(1);
    expect(parseLabArgs('submit', [{ type: 'get', key: 'k' }, { timeoutMs: 500 }])).toHaveLength(2);
    expect(() => parseLabArgs('submit', [{ type: 'put', key: '', value: 'v' }])).toThrow(LabInputError);
    expect(() => parseLabArgs('submit', [{ type: 'increment', key: 'k' }])).toThrow(LabInputError);
  });

  it('knows exactly the request methods of the API', () => {
    expect(isLabMethod('createCluster')).toBe(true);
    expect(isLabMethod('onEvents')).toBe(false);
    expect(isLabMethod('constructor')).toBe(false);
    expect(new Set(LAB_METHODS).size).toBe(LAB_METHODS.length);
  });
});

describe('discardNodeData over the wire (the browser bridge and IPC share this dispatcher)', () => {
  it('validates the node id and passes a good request to the lab, a bad one not at all', async () => {
    const calls: unknown[][] = [];
    const lab = new Proxy({} as LabApi, {
      get: (_target, method) => (...args: unknown[]) => {
        calls.push([method, ...args]);
        return Promise.resolve(undefined);
      },
    });
    expect(await dispatchLabRequest(lab, 1, 'discardNodeData', [2])).toEqual({ kind: 'response', id: 1, ok: true, result: null });
    for (const bad of [[], [0], ['2'], [2.5], [2, 3]]) {
      const answer = await dispatchLabRequest(lab, 2, 'discardNodeData', bad);
      expect(answer, JSON.stringify(bad)).toMatchObject({ ok: false, error: { code: 'bad-request', message: expect.stringMatching(/^discardNodeData: /) as unknown } });
    }
    expect(calls).toEqual([['discardNodeData', 2]]);
  });
});

describe('lab event validation', () => {
  it('accepts a well-formed batch and rejects a malformed message inside one', () => {
    const sent = {
      type: 'message-sent', seq: 4, atMs: 10, msgId: 'm1',
      message: { type: 'RequestVote', from: 1, to: 2, term: 3, preVote: false, lastLogIndex: 0, lastLogTerm: 0, transfer: false },
    };
    expect(parseLabEvents([sent])).toEqual([sent]);
    expect(() => parseLabEvents([{ ...sent, message: { ...sent.message, term: -1 } }])).toThrow(/message\.term/);
  });

  it('submit takes a read mode for a get and refuses one for any other op, naming the problem', () => {
    expect(parseLabArgs('submit', [{ type: 'get', key: 'x' }])).toEqual([{ type: 'get', key: 'x' }]);
    expect(parseLabArgs('submit', [{ type: 'get', key: 'x' }, { read: 'read-index' }])).toEqual([{ type: 'get', key: 'x' }, { read: 'read-index' }]);
    expect(parseLabArgs('submit', [{ type: 'get', key: 'x' }, { read: 'lease' }])).toEqual([{ type: 'get', key: 'x' }, { read: 'lease' }]);
    expect(parseLabArgs('submit', [{ type: 'put', key: 'x', value: '1' }, { read: 'log' }])).toEqual([{ type: 'put', key: 'x', value: '1' }, { read: 'log' }]);
    expect(() => parseLabArgs('submit', [{ type: 'put', key: 'x', value: '1' }, { read: 'lease' }])).toThrow(/args\[1\]\.read: read mode lease is for a get; a put always goes through the log/);
    expect(() => parseLabArgs('submit', [{ type: 'get', key: 'x' }, { read: 'stale' }])).toThrow(/args\[1\]\.read/);
  });
});
