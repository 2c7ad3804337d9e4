import { describe, expect, it } from 'vitest';
import { ScenarioError } from './harness/scenario';
import { runScript } from './harness/script';

describe('scenario script runner', () => {
  it('replaces transcripts with what really happens, so a wrong golden shows up as a difference', () => {
    const wrong = ['> bootstrap 1', '> campaign 1', '1: follower t0 lead=0', '', 'narration stays'].join('\n');
    const actual = runScript(wrong, 'x.txt');
    expect(actual).not.toBe(wrong);
    expect(actual).toContain('1: leader t1 lead=1 vote=1');
    expect(actual).toContain('narration stays');
    // Running the corrected text again is a fixed point.
    expect(runScript(actual, 'x.txt')).toBe(actual);
  });

  it('names the file and line of a bad command', () => {
    expect(() => runScript('intro\n\n> bootstrap 1 2 3\n> frobnicate 2\n', 'bad.txt')).toThrow(ScenarioError);
    expect(() => runScript('intro\n\n> bootstrap 1 2 3\n> frobnicate 2\n', 'bad.txt')).toThrow(/bad\.txt:4: unknown command "frobnicate"/);
    expect(() => runScript('> bootstrap 1 prevote=maybe\n', 'b.txt')).toThrow(/prevote: expected true or false/);
    expect(() => runScript('> bootstrap 1\n> status 7\n', 'c.txt')).toThrow(/no node 7/);
  });

  it('reports safety violations as !! lines', () => {
    const out = runScript(
      ['> bootstrap 1 2 3 prevote=false checkquorum=false unsafe=double-vote', '> campaign 1', '> campaign 2', '> deliver 1->3', '> deliver 2->3', '> deliver *->1', '> deliver *->2'].join('\n'),
      'u.txt',
    );
    expect(out).toMatch(/^!! election safety violated: 1 and 2 both leader in term 1$/m);
  });
});
