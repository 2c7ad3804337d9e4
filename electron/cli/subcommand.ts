/** The shape of one `raft-lab` subcommand module. */
export interface CliIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export interface Subcommand {
  /** One line for the command list. */
  readonly summary: string;
  /** Runs the command; resolves to the process exit code. Throws UsageError for bad arguments. */
  run(argv: readonly string[], io: CliIo): Promise<number>;
}
