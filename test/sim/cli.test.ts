/**
 * The real `raft-lab` command (the bin launcher, through tsx) in a child process: help, exit
 * codes, clear errors for bad arguments, JSON output, and a printed reproduce line that replays
 * the failing run with the same trace hash.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main';

const BIN = fileURLToPath(new URL('../../electron/cli/raft-lab.mjs', import.meta.url));
const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function raftLab(args: readonly string[]): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('raft-lab CLI', () => {
  it('prints help for the command and for sim', () => {
    const top = raftLab(['--help']);
    expect(top.code).toBe(0);
    expect(top.out).toMatch(/sim\s+run the deterministic simulator/);
    const sim = raftLab(['sim', '--help']);
    expect(sim.code).toBe(0);
    expect(sim.out).toContain('--faults LIST');
    expect(sim.out).toContain('npx raft-lab sim --nodes 5 --seed 12345 --faults crash,partition --ops 200');
  });

  it('rejects bad arguments with exit code 64 and a message naming the problem', async () => {
    const cases: [string[], RegExp][] = [
      [['sim', '--nodes', '12'], /nodes must be an integer in \[1, 9\], got 12/],
      [['sim', '--faults', 'crash,meteor'], /unknown fault "meteor"/],
      [['sim', '--seed'], /--seed needs a value/],
      [['sim', '--seed', 'abc'], /--seed must be an integer, got "abc"/],
      [['sim', '--frobnicate'], /unknown option --frobnicate/],
      [['no-such-command'], /unknown command "no-such-command"/],
    ];
    // The real bin once, then the same dispatcher in-process (each spawn costs a tsx start-up).
    const spawned = raftLab(cases[0]![0]);
    expect(spawned.code).toBe(64);
    expect(spawned.err).toMatch(cases[0]![1]);
    for (const [args, message] of cases) {
      let err = '';
      const code = await main(args, () => {}, (s) => {
        err += s;
      });
      expect(code, args.join(' ')).toBe(64);
      expect(err).toMatch(message);
    }
  });

  it('passes a healthy run (exit 0) and prints JSON with --json', () => {
    const r = raftLab(['sim', '--nodes', '3', '--seed', '11', '--ops', '30', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out) as { passed: boolean; opsCompleted: number; traceHash: string; options: { nodes: number } };
    expect(doc.passed).toBe(true);
    expect(doc.opsCompleted).toBe(30);
    expect(doc.options.nodes).toBe(3);
    expect(doc.traceHash).toMatch(/^[0-9a-f]{8}$/);
  });

  it('fails a buggy run with exit 1 and a reproduce line that replays it exactly', () => {
    const r = raftLab(['sim', '--nodes', '5', '--seed', '1', '--seeds', '40', '--faults', 'crash,partition', '--unsafe', 'double-vote', '--ops', '200']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('election-safety');
    const repro = /reproduce: npx raft-lab sim (.*)/.exec(r.out);
    expect(repro).not.toBeNull();
    const hash = /trace hash ([0-9a-f]{8})\n {2}FAIL/.exec(r.out)![1];
    const again = raftLab(['sim', ...repro![1]!.split(' ')]);
    expect(again.code).toBe(1);
    expect(again.out).toContain(`trace hash ${hash}`);
  });
});
