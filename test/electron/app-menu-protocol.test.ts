// What the window and main accept from each other on the menu channels: known commands only,
// and a sane listener count.
import { describe, expect, it } from 'vitest';
import { isListenerCount, isMenuCommand } from '../../shared/protocol/app-menu';

describe('menu channel messages', () => {
  it('accepts exactly the known menu commands', () => {
    expect(isMenuCommand({ type: 'open-recording' })).toBe(true);
    expect(isMenuCommand({ type: 'export' })).toBe(true);
    for (const bad of [null, 'export', {}, { type: 'format-disk' }, { type: 'export', path: '/etc' }, [{ type: 'export' }]]) {
      expect(isMenuCommand(bad), JSON.stringify(bad)).toBe(false);
    }
  });

  it('accepts listener counts that are whole, non-negative and bounded', () => {
    for (const ok of [0, 1, 7, 1_000]) expect(isListenerCount(ok)).toBe(true);
    for (const bad of [-1, 1.5, 1_001, Number.NaN, '1', null]) expect(isListenerCount(bad), String(bad)).toBe(false);
  });
});
