/**
 * The `raft-lab` command: a small dispatcher. Each subcommand is one module exporting a
 * `Subcommand`; add new ones to SUBCOMMANDS. Exit codes: 0 success, 1 a safety violation,
 * 2 another failed check (liveness, linearizability), 64 a usage error.
 */
import { UsageError } from './args';
import { simCommand } from './sim';
import { checkCommand } from './commands/check';
import { exportCommand } from './commands/export';
import { replayCommand } from './commands/replay';
import { runCommand } from './commands/run';
import type { Subcommand } from './subcommand';

export const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  sim: simCommand,
  replay: replayCommand,
  check: checkCommand,
  export: exportCommand,
  run: runCommand,
};

export const EXIT_USAGE = 64;

function usage(): string {
  const lines = ['Usage: raft-lab <command> [options]', '', 'Commands:'];
  for (const [name, cmd] of Object.entries(SUBCOMMANDS)) lines.push(`  ${name.padEnd(10)} ${cmd.summary}`);
  lines.push('', 'Run `raft-lab <command> --help` for a command\'s options.');
  return lines.join('\n');
}

export async function main(argv: readonly string[], out: (s: string) => void = (s) => process.stdout.write(s), err: (s: string) => void = (s) => process.stderr.write(s)): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? err : out)(`${usage()}\n`);
    return name === undefined ? EXIT_USAGE : 0;
  }
  const cmd = SUBCOMMANDS[name];
  if (cmd === undefined) {
    err(`raft-lab: unknown command "${name}"\n\n${usage()}\n`);
    return EXIT_USAGE;
  }
  try {
    return await cmd.run(rest, { out, err });
  } catch (e) {
    if (e instanceof UsageError) {
      err(`raft-lab ${name}: ${e.message}\nRun \`raft-lab ${name} --help\` for its options.\n`);
      return EXIT_USAGE;
    }
    throw e;
  }
}
