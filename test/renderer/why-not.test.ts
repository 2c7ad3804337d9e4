import { describe, expect, it } from 'vitest';
import { fireTimeoutBlocked, makeLeaderBlocked, tickBlocked } from '../../renderer/src/controls/why-not';

describe('why a node action is unavailable', () => {
  it('a crashed node: no timeout to fire, cannot take over', () => {
    const n = { id: 3, life: 'crashed' as const, role: null };
    expect(fireTimeoutBlocked(n)).toBe('node 3 is crashed: it has no election timer to fire');
    expect(makeLeaderBlocked(n, 1)).toBe('node 3 is crashed: it cannot take over leadership');
  });

  it('a paused follower can be stepped and can be made leader', () => {
    const n = { id: 2, life: 'paused' as const, role: 'follower' as const };
    expect(fireTimeoutBlocked(n)).toBeNull();
    expect(makeLeaderBlocked(n, 1)).toBeNull();
  });

  it('the leader itself, or no leader to hand over from', () => {
    expect(makeLeaderBlocked({ id: 1, life: 'running', role: 'leader' }, 1)).toBe('node 1 is already the leader');
    expect(makeLeaderBlocked({ id: 2, life: 'running', role: 'candidate' }, null)).toBe('no leader right now to hand leadership over');
  });

  it('one tick only while paused', () => {
    expect(tickBlocked(true)).toBeNull();
    expect(tickBlocked(false)).toMatch(/pause it/);
  });
});
