// Electronegativity (Doyensec's Electron security scanner) over the app's own code: the main
// process and preload (electron/), the renderer (renderer/) and package.json, scanned together
// so its global checks (navigation limits, permission handler, CSP) see the whole app.
// Passes when no finding is of HIGH severity and every MEDIUM one is explained in docs/security.md.
// network and is left out; everything else runs offline.
import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const MARK = '@@ELECTRONEGATIVITY@@';

interface Finding {
  readonly id: string;
  readonly severity: 'INFORMATIONAL' | 'LOW' | 'MEDIUM' | 'HIGH';
  readonly confidence: string;
  readonly file: string;
  readonly line: number | null;
  readonly description: string;
}
interface ParseError {
  readonly file: string;
  readonly message: string;
  readonly tolerable: boolean;
}

// Runs in a child Node process: the scanner registers globals (its i18n) we keep out of Vitest.
// Its start-up download of translations needs the network; here it fails at once instead of
// timing out (which on Node 24 throws from a timer inside its HTTP client), and the scanner
// falls back to its bundled English text.
const SCAN = `
const scannerDir = require('path').dirname(require.resolve('@doyensec/electronegativity/package.json'));
const gotPath = require.resolve('got', { paths: [scannerDir] });
require.cache[gotPath] = { id: gotPath, filename: gotPath, loaded: true, exports: () => Promise.reject(new Error('offline')) };
const run = require('@doyensec/electronegativity');
(async () => {
  const r = await (run.default || run)({
    input: process.argv[1], customScan: [], excludeFromScan: ['availablesecurityfixesglobalcheck'],
    isRelative: true, isVerbose: false, electronVersionOverride: process.argv[2], parserPlugins: [],
  }, false);
  const findings = r.issues.map((i) => ({ id: i.id, severity: i.severity.name, confidence: i.confidence.name,
    file: i.file, line: i.location ? i.location.line : null, description: i.description }));
  const errors = r.errors.map((e) => ({ file: e.file, message: e.message, tolerable: !!e.tolerable }));
  process.stdout.write('\\n${MARK}' + JSON.stringify({ findings, errors }) + '\\n');
})().catch((e) => { console.error(e); process.exit(2); });
`;

let scanDir: string;
let findings: Finding[];
let errors: ParseError[];

beforeAll(async () => {
  scanDir = mkdtempSync(join(tmpdir(), 'raft-lab-electronegativity-'));
  const skipDeps = (src: string) => !src.split(/[\\/]/).includes('node_modules');
  cpSync(join(root, 'electron'), join(scanDir, 'electron'), { recursive: true, filter: skipDeps });
  cpSync(join(root, 'renderer'), join(scanDir, 'renderer'), { recursive: true, filter: skipDeps });
  cpSync(join(root, 'package.json'), join(scanDir, 'package.json'));
  const electronVersion = (JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')) as { version: string }).version;
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', SCAN, scanDir, electronVersion], { cwd: root, maxBuffer: 16 * 1024 * 1024 });
  const line = stdout.split('\n').find((l) => l.startsWith(MARK));
  if (!line) throw new Error(`electronegativity printed no result:\n${stdout}`);
  ({ findings, errors } = JSON.parse(line.slice(MARK.length)) as { findings: Finding[]; errors: ParseError[] });
}, 120_000);

afterAll(() => rmSync(scanDir, { recursive: true, force: true }));

describe('electronegativity', () => {
  it('parsed the app: it reports on the main window and raises no parse errors', () => {
    expect(errors.filter((e) => !e.tolerable)).toEqual([]);
    // The preload review note is always raised for a window with a preload: proof window.ts was read.
    expect(findings.some((f) => f.id === 'PRELOAD_JS_CHECK' && f.file.endsWith('main/window.ts'))).toBe(true);
  });

  it('finds nothing of high severity', () => {
    const high = findings.filter((f) => f.severity === 'HIGH');
    expect(high, JSON.stringify(high, null, 2)).toEqual([]);
  });

  it('explains every medium finding in docs/security.md, by check and file', () => {
    const explained = readFileSync(join(root, 'docs', 'security.md'), 'utf8');
    const medium = findings.filter((f) => f.severity === 'MEDIUM');
    const unexplained = medium.filter((f) => !explained.includes(`\`${f.id}\` in \`${f.file}\``));
    expect(unexplained, JSON.stringify(unexplained, null, 2)).toEqual([]);
  });
});
