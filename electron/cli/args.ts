/**
 * Flag parsing shared by the subcommands: `--name value`, `--name=value` and bare boolean
 * switches. Unknown flags and missing values are usage errors naming the flag.
 */

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface ParsedArgs {
  /** Flag name (without dashes) to its value; switches map to 'true'. */
  readonly flags: ReadonlyMap<string, string>;
  readonly positionals: readonly string[];
}

/**
 * Parses argv against the known flags. `switches` are flags that take no value.
 * Throws UsageError on an unknown flag, a repeated flag or a missing value.
 */
export function parseArgs(argv: readonly string[], valued: readonly string[], switches: readonly string[]): ParsedArgs {
  const flags = new Map<string, string>();
  const positionals: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    const name = a.slice(2, eq < 0 ? undefined : eq);
    if (flags.has(name)) throw new UsageError(`--${name} is given twice`);
    if (switches.includes(name)) {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      flags.set(name, 'true');
    } else if (valued.includes(name)) {
      const value = eq >= 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined || (eq < 0 && value.startsWith('--'))) throw new UsageError(`--${name} needs a value`);
      flags.set(name, value);
    } else {
      throw new UsageError(`unknown option --${name}`);
    }
  }
  return { flags, positionals };
}

export function intFlag(name: string, raw: string): number {
  if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(Number(raw))) throw new UsageError(`--${name} must be an integer, got "${raw}"`);
  return Number(raw);
}

/** An integer flag in [lo, hi]; anything else is a usage error saying the range. */
export function intFlagIn(name: string, raw: string, lo: number, hi: number): number {
  const v = /^-?\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(v) || v < lo || v > hi) throw new UsageError(`--${name} must be an integer from ${lo} to ${hi}, got "${raw}"`);
  return v;
}

export function boolFlag(name: string, raw: string): boolean {
  if (raw === 'true') return true;
  if (raw === 'false') return false;
  throw new UsageError(`--${name} must be true or false, got "${raw}"`);
}

export function listFlag(raw: string): string[] {
  return raw === '' ? [] : raw.split(',').map((s) => s.trim()).filter((s) => s !== '');
}
