import { describe, expect, it } from 'vitest';
import { KV_LIMITS, KvCommandError, decodeCommand, encodeCommand, type KvCommand } from '../../shared/kv';

describe('kv command codec', () => {
  const samples: KvCommand[] = [
    { client: 'c1', seq: 1, op: { type: 'put', key: 'x', value: 'hello "world" ✓' } },
    { client: 'c2', seq: 7, op: { type: 'get', key: 'x' } },
    { client: 'c3', seq: 2, op: { type: 'delete', key: 'y' } },
    { client: 'c4', seq: 3, op: { type: 'cas', key: 'x', expected: null, value: '1' } },
    { client: 'c4', seq: 4, op: { type: 'cas', key: 'x', expected: '1', value: '' } },
  ];

  it('round-trips every kind of operation', () => {
    for (const cmd of samples) expect(decodeCommand(encodeCommand(cmd))).toEqual(cmd);
  });

  it('encodes the same command to the same string, whatever extra fields the caller passed', () => {
    const withExtra = { client: 'c1', seq: 1, op: { type: 'put', key: 'x', value: 'v', note: 'ignored' } } as unknown as KvCommand;
    expect(encodeCommand(withExtra)).toBe(encodeCommand({ client: 'c1', seq: 1, op: { type: 'put', key: 'x', value: 'v' } }));
  });

  it.each([
    ['not JSON', '{oops', /not JSON/],
    ['an array', '[1,2]', /expected an object, got an array/],
    ['a missing version', JSON.stringify({ client: 'c', seq: 1, op: { type: 'get', key: 'k' } }), /unsupported version nothing/],
    ['a future version', JSON.stringify({ v: 2, client: 'c', seq: 1, op: { type: 'get', key: 'k' } }), /unsupported version number 2/],
    ['an empty client', JSON.stringify({ v: 1, client: '', seq: 1, op: { type: 'get', key: 'k' } }), /client must be a non-empty string/],
    ['a zero seq', JSON.stringify({ v: 1, client: 'c', seq: 0, op: { type: 'get', key: 'k' } }), /seq must be a positive integer, got number 0/],
    ['a fractional seq', JSON.stringify({ v: 1, client: 'c', seq: 1.5, op: { type: 'get', key: 'k' } }), /seq must be a positive integer/],
    ['an unknown op type', JSON.stringify({ v: 1, client: 'c', seq: 1, op: { type: 'append', key: 'k' } }), /op.type must be one of put, get, delete, cas; got "append"/],
    ['a put without value', JSON.stringify({ v: 1, client: 'c', seq: 1, op: { type: 'put', key: 'k' } }), /op.value must be a string, got nothing/],
    ['a numeric key', JSON.stringify({ v: 1, client: 'c', seq: 1, op: { type: 'get', key: 5 } }), /op.key must be a non-empty string, got number 5/],
    ['a cas with numeric expected', JSON.stringify({ v: 1, client: 'c', seq: 1, op: { type: 'cas', key: 'k', expected: 1, value: 'v' } }), /op.expected must be a string/],
    ['an oversized value', JSON.stringify({ v: 1, client: 'c', seq: 1, op: { type: 'put', key: 'k', value: 'x'.repeat(KV_LIMITS.valueChars + 1) } }), /op.value is 65537 characters, the limit is 65536/],
  ])('rejects %s with an error naming the problem', (_name, data, message) => {
    expect(() => decodeCommand(data)).toThrow(KvCommandError);
    expect(() => decodeCommand(data)).toThrow(message);
  });

  it('refuses to encode an invalid command, so it never reaches the log', () => {
    expect(() => encodeCommand({ client: 'c', seq: -1, op: { type: 'get', key: 'k' } })).toThrow(/seq must be a positive integer/);
  });
});
