/**
 * `npm run bench [-- --json FILE] [--only AREA[,AREA]] [--quick] [--long]`: runs every
 * test/bench/*.bench.ts module, prints one table, and with --json writes every figure under its
 * stable key (see README.md) so runs can be compared over time.
 */
import { readdir, writeFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { BenchModule, Figure } from './registry';

const here = dirname(fileURLToPath(import.meta.url));

interface Args {
  readonly json: string | null;
  readonly only: readonly string[] | null;
  readonly quick: boolean;
  readonly long: boolean;
}

function parse(argv: readonly string[]): Args {
  let json: string | null = null;
  let only: string[] | null = null;
  let quick = false;
  let long = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') {
      const file = argv[++i];
      if (file === undefined || file.startsWith('--')) throw new Error('--json needs a file name');
      json = file;
    } else if (a === '--only') {
      const list = argv[++i];
      if (list === undefined) throw new Error('--only needs a comma-separated list of areas');
      only = list.split(',');
    } else if (a === '--quick') quick = true;
    else if (a === '--long') long = true;
    else throw new Error(`unknown option ${a} (known: --json FILE, --only AREA[,AREA], --quick, --long)`);
  }
  if (quick && long) throw new Error('--quick and --long exclude each other');
  return { json, only, quick, long };
}

async function loadModules(): Promise<BenchModule[]> {
  const files = (await readdir(here)).filter((f) => f.endsWith('.bench.ts')).sort();
  const out: BenchModule[] = [];
  for (const f of files) {
    const mod = (await import(pathToFileURL(join(here, f)).href)) as { bench?: BenchModule };
    if (mod.bench === undefined) throw new Error(`${f} does not export \`bench\``);
    out.push(mod.bench);
  }
  return out;
}

function formatValue(f: Figure): string {
  const v = f.value;
  const s = Math.abs(v) >= 1000 ? Math.round(v).toLocaleString('en-US') : Number(v.toPrecision(4)).toString();
  return `${s} ${f.unit}`;
}

function verdict(f: Figure): string {
  if (f.floor === undefined) return '';
  const ok = f.lowerIsBetter === true ? f.value <= f.floor : f.value >= f.floor;
  return ok ? `ok (${f.lowerIsBetter === true ? '<=' : '>='} ${f.floor.toLocaleString('en-US')})` : `BELOW FLOOR ${f.floor.toLocaleString('en-US')}`;
}

function table(figures: readonly Figure[]): string {
  const rows = figures.map((f) => [f.key, formatValue(f), verdict(f), f.label]);
  const head = ['key', 'value', 'floor', 'what'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(): Promise<number> {
  const args = parse(process.argv.slice(2));
  const modules = (await loadModules()).filter((m) => args.only === null || args.only.includes(m.area));
  if (modules.length === 0) throw new Error(`no bench modules match --only ${args.only?.join(',')}`);
  const figures: Figure[] = [];
  for (const m of modules) {
    process.stderr.write(`bench: ${m.area}...\n`);
    const got = await m.run({ quick: args.quick, long: args.long, log: (l) => process.stderr.write(`  ${m.area}: ${l}\n`) });
    for (const f of got) {
      if (!f.key.startsWith(`${m.area}.`)) throw new Error(`bench ${m.area}: key ${f.key} must start with "${m.area}."`);
      if (figures.some((g) => g.key === f.key)) throw new Error(`bench: duplicate key ${f.key}`);
      figures.push(f);
    }
  }
  process.stdout.write(`${table(figures)}\n`);
  if (args.json !== null) {
    const doc = {
      version: 1,
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      quick: args.quick,
      long: args.long,
      figures: Object.fromEntries(figures.map((f) => [f.key, f.value])),
      units: Object.fromEntries(figures.map((f) => [f.key, f.unit])),
    };
    await writeFile(resolve(args.json), `${JSON.stringify(doc, null, 2)}\n`);
    process.stderr.write(`bench: wrote ${figures.length} figures to ${resolve(args.json)}\n`);
  }
  // Floors are reported, not enforced: a loaded machine must not turn a measurement into a failure.
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`bench: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 2;
  },
);
