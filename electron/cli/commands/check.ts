/**
 * `raft-lab check FILE`: replay a recording, run the Raft safety invariants over it and check
 * its client history for linearizability.
 */
import { describeViolation } from '../../../shared/check/invariants';
import { RawNode } from '../../../shared/raft/raw-node';
import type { RecordingCheck } from '../../../shared/record/check';
import { parseArgs } from '../args';
import type { CliIo, Subcommand } from '../subcommand';
import { checkRecordingFile, oneFile, withFiles } from './recording-io';

const HELP = `Usage: raft-lab check FILE [--json]

Replays a recording through the Raft core and checks it: the safety invariants (election
safety, log matching, leader completeness, state machine safety, ...) over every replayed Ready,
and linearizability of the recorded client operations.
Exit codes: 0 all passed, 1 a safety violation, 2 a replay divergence or a history that is not
linearizable (or could not be decided), 64 bad arguments, 65 bad recording, 66 file not readable.
`;

export const checkCommand: Subcommand = {
  summary: 'check a recording: safety invariants and linearizability',
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, [], ['json', 'help']);
    if (flags.has('help')) {
      io.out(HELP);
      return 0;
    }
    const file = oneFile(positionals, 'check');
    return withFiles(io.err, 'check', async () => {
      const { check: result } = await checkRecordingFile(file, RawNode);
      if (flags.has('json')) io.out(`${JSON.stringify(toJson(file, result), null, 2)}\n`);
      else io.out(describe(file, result));
      if (result.violations.length > 0) return 1;
      return result.ok ? 0 : 2;
    });
  },
};

function toJson(file: string, r: RecordingCheck): unknown {
  const lin = r.linearizability;
  return {
    file,
    ok: r.ok,
    replay: { ok: r.replay.ok, events: r.replay.events, firstDivergence: r.replay.firstDivergence },
    violations: r.violations,
    linearizability: lin === null ? null : lin.kind === 'violation' ? { kind: lin.kind, key: lin.key, explanation: lin.explanation } : lin,
    historyError: r.historyError,
  };
}

function describe(file: string, r: RecordingCheck): string {
  const lines = [`${file}:`];
  const d = r.replay.firstDivergence;
  lines.push(d === null ? `  replay: ${r.replay.events} events, zero divergences` : `  replay: DIVERGED at line ${d.line} (node ${d.node}, ${d.event}): ${d.what} expected ${d.expected}, actual ${d.actual}`);
  if (r.violations.length === 0) lines.push('  invariants: no violation');
  else {
    lines.push(`  invariants: ${r.violations.length} VIOLATION(S) (event = line of the record that revealed it)`);
    for (const v of r.violations.slice(0, 20)) lines.push(`    ${describeViolation(v)}`);
  }
  const lin = r.linearizability;
  if (r.historyError !== null) lines.push(`  linearizability: history malformed: ${r.historyError}`);
  else if (lin === null) lines.push('  linearizability: no client operations recorded');
  else if (lin.kind === 'ok') lines.push(`  linearizability: ok (${lin.ops} operations on ${lin.keys} keys)`);
  else if (lin.kind === 'violation') lines.push(`  linearizability: NOT LINEARIZABLE on key ${JSON.stringify(lin.key)}\n    ${lin.explanation.split('\n').join('\n    ')}`);
  else lines.push(`  linearizability: UNDECIDED on key ${JSON.stringify(lin.key)}: ${lin.reason}`);
  lines.push(r.ok ? '  PASS' : '  FAIL');
  return `${lines.join('\n')}\n`;
}
