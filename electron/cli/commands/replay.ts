/**
 * `raft-lab replay FILE [--verify]`: re-execute a recording through the real Raft core. With
 * --verify, compare the state hash after every event and report the first divergence (exit 2).
 * Without it, print the replayed timeline (each node's role, term, commit after each event).
 */
import { RawNode } from '../../../shared/raft/raw-node';
import { describeRecord, StreamReplay, type ReplayReport } from '../../../shared/record/replay';
import { UsageError, intFlag, parseArgs } from '../args';
import type { CliIo, Subcommand } from '../subcommand';
import { oneFile, streamRecording, withFiles } from './recording-io';

const HELP = `Usage: raft-lab replay FILE [--verify] [--json] [--limit N]

Re-executes a recording (JSON Lines, plain or gzip; see docs/replay-format.md) through the
Raft core.
  --verify     compare every node's state hash after every event with the recorded one and
               report the first divergence exactly; exit 2 on any divergence
  --limit N    without --verify: print at most N timeline lines [200]
  --json       machine-readable output
Exit codes: 0 replayed (and matched), 2 divergence, 64 bad arguments, 65 bad recording,
66 file not readable.
`;

export const replayCommand: Subcommand = {
  summary: 'replay a recording through the core (--verify compares state hashes)',
  async run(argv: readonly string[], io: CliIo): Promise<number> {
    const { flags, positionals } = parseArgs(argv, ['limit'], ['verify', 'json', 'help']);
    if (flags.has('help')) {
      io.out(HELP);
      return 0;
    }
    const file = oneFile(positionals, 'replay');
    const limit = flags.has('limit') ? intFlag('limit', flags.get('limit')!) : 200;
    if (limit < 0) throw new UsageError(`--limit must be at least 0, got ${limit}`);
    const verify = flags.has('verify');
    const json = flags.has('json');
    return withFiles(io.err, 'replay', async () => {
      const timeline: string[] = [];
      const started = performance.now();
      let replay: StreamReplay | null = null;
      await streamRecording(file, {
        header: (header) => {
          replay = new StreamReplay(header, RawNode, {
            onEvent: verify || json ? undefined : (ev) => {
              if (timeline.length >= limit) return;
              const s = ev.status;
              const state = s ? `${s.role} t${s.term} commit ${s.commit} applied ${s.applied} last ${s.lastIndex}` : 'down';
              timeline.push(`line ${String(ev.line).padStart(6)}  node ${ev.node}  ${describeRecord(ev.record).padEnd(48)}  -> ${state}`);
            },
          });
        },
        record: (located) => replay?.push(located),
      });
      // streamRecording gives the header before any record, or throws.
      const report = (replay as unknown as StreamReplay).finish();
      const seconds = (performance.now() - started) / 1000;
      if (json) {
        io.out(`${JSON.stringify({ file, verified: verify, ...summary(report), seconds }, null, 2)}\n`);
      } else {
        if (!verify) io.out(timeline.join('\n') + (timeline.length > 0 ? '\n' : ''));
        io.out(describe(report, file, seconds));
      }
      return verify && !report.ok ? 2 : 0;
    });
  },
};

function summary(report: ReplayReport) {
  return { ok: report.ok, events: report.events, nodes: report.nodes, firstDivergence: report.firstDivergence };
}

function describe(report: ReplayReport, file: string, seconds: number): string {
  const lines = [`${file}: replayed ${report.events} events of ${report.nodes.length} nodes in ${seconds.toFixed(2)} s`];
  for (const n of report.nodes) lines.push(`  node ${n.node}: ${n.events} events, ${n.starts} start(s)${n.divergence ? `, DIVERGED at line ${n.divergence.line}` : ', matched'}`);
  const d = report.firstDivergence;
  if (d === null) lines.push('  every state hash matched: zero divergences');
  else {
    lines.push(`  FIRST DIVERGENCE at line ${d.line}: node ${d.node} seq ${d.seq}, ${d.event}`);
    lines.push(`    ${d.what}: expected ${d.expected}`);
    lines.push(`    ${' '.repeat(d.what.length)}  actual   ${d.actual}`);
  }
  return `${lines.join('\n')}\n`;
}
