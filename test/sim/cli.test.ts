/**
 * The real `raft-lab` command (the bin launcher, through tsx) in a child process: help, exit
 * codes, clear errors for bad arguments, JSON output, and a printed reproduce line that replays
 * the failing run with the same trace hash.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../electron/cli/main';
import { readRecording } from '../../shared/record/read';

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
      [['sim', '--seeds', '9..3'], /--seeds 9\.\.3: the range is empty/],
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

  it('runs a range of seeds with --seeds A..B, each seed once, in order', () => {
    const r = raftLab(['sim', '--nodes', '3', '--seeds', '7..9', '--ops', '20', '--json']);
    expect(r.code).toBe(0);
    const docs = JSON.parse(r.out) as { passed: boolean; options: { seed: number } }[];
    expect(docs.map((d) => d.options.seed)).toEqual([7, 8, 9]);
    expect(docs.every((d) => d.passed)).toBe(true);
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

  it('records a run with --out: the same run (same trace hash), a recording that replays with zero divergences, and no overwrite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'raft-lab-sim-out-'));
    try {
      const file = join(dir, 'run.jsonl');
      const args = ['sim', '--nodes', '5', '--seed', '9', '--ops', '200', '--faults', 'crash,partition'];
      const plain = raftLab([...args, '--json']);
      const recorded = raftLab([...args, '--json', '--out', file]);
      expect(recorded.code).toBe(0);
      expect(JSON.parse(recorded.out).traceHash).toBe(JSON.parse(plain.out).traceHash);
      const recording = readRecording(readFileSync(file, 'utf8'));
      expect(recording.header.cluster.nodes).toEqual([1, 2, 3, 4, 5]);
      expect(recording.records.some((r) => r.record.kind === 'crash')).toBe(true);
      const replayed = raftLab(['replay', file, '--verify']);
      expect(replayed.code).toBe(0);
      expect(replayed.out).toContain('zero divergences');
      const before = readFileSync(file);
      const again = raftLab([...args, '--out', file]);
      expect(again.code).toBe(73);
      expect(again.err).toContain('already exists');
      expect(readFileSync(file).equals(before)).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000);
});

