/**
 * File handling shared by the recording subcommands: read a recording with errors that name the
 * file and line, and write outputs without ever replacing an existing file unless asked to.
 */
import { open, rm, stat, writeFile } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { RecordingChecker, type RecordingCheck } from '../../../shared/record/check';
import type { BodyRecord, EndRecord, Located, Recording } from '../../../shared/record/format';
import type { NodeFactory } from '../../../shared/record/node-factory';
import { RecordingError } from '../../../shared/record/read';
import { MAX_RECORDING_FILE_BYTES, streamRecordingFile } from '../../lab/recording-file';
import { OutputError, writeChunks, type Chunks } from '../../lab/chunk-writer';
import { UsageError } from '../args';
import { makeFolder } from './make-folder';
import { copyRecordingAs } from './recording-copy';

/** Exit codes beyond the dispatcher's (0, 1 safety violation, 2 failed check, 64 usage). */
export const EXIT_BAD_FILE = 65;
export const EXIT_NO_INPUT = 66;
export const EXIT_CANNOT_WRITE = 73;

/** A problem with a file that ends the command with `code`. */
export class FileProblem extends Error {
  override readonly name = 'FileProblem';
  constructor(message: string, readonly code: number) {
    super(message);
  }
}

/** What a streamed read hands its caller: the header once, then each body record in file order. */
export interface RecordingVisitor {
  header(header: Recording['header']): void;
  record(located: Located<BodyRecord>): void;
}

/**
 * Reads and validates a recording, streaming it line by line (electron/lab/recording-file.ts):
 * any size up to the 2 GiB limit, and text that is not UTF-8 is an error naming line and offset.
 * Only what `visit` keeps stays in memory. Returns the end record and the body record count.
 */
export async function streamRecording(path: string, visit: RecordingVisitor, options: { readonly allowIncomplete?: boolean } = {}): Promise<{ end: EndRecord | null; records: number }> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new FileProblem(`${path}: not a regular file`, EXIT_NO_INPUT);
    if (info.size > MAX_RECORDING_FILE_BYTES) throw new FileProblem(`${path}: ${info.size} bytes is more than this tool reads (${MAX_RECORDING_FILE_BYTES})`, EXIT_BAD_FILE);
    const items = streamRecordingFile(path, options);
    let records = 0;
    for (;;) {
      const next = await items.next();
      if (next.done) return { end: next.value, records };
      if (next.value.kind === 'header') visit.header(next.value.header);
      else {
        records++;
        visit.record(next.value.located);
      }
    }
  } catch (e) {
    if (e instanceof FileProblem) throw e;
    if (e instanceof RecordingError) throw new FileProblem(`${path}: ${e.message}`, EXIT_BAD_FILE);
    throw new FileProblem(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, EXIT_NO_INPUT);
  }
}

/** Replays and checks a recording as it is read (memory bounded by the cluster, not the file). */
export async function checkRecordingFile(path: string, factory: NodeFactory): Promise<{ check: RecordingCheck; records: number }> {
  let checker: RecordingChecker | null = null;
  const { records } = await streamRecording(path, {
    header: (h) => (checker = new RecordingChecker(h, factory)),
    record: (r) => checker?.push(r),
  });
  if (checker === null) throw new FileProblem(`${path}: the file is empty`, EXIT_BAD_FILE);
  return { check: (checker as RecordingChecker).finish(), records };
}

/** Opens an output file with `flag`; a taken name or one that cannot be created is a FileProblem naming it. */
async function openOutput(path: string, flag: 'w' | 'wx' | 'a'): Promise<FileHandle> {
  try {
    return await open(path, flag);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new FileProblem(`${path} already exists; choose another --out or pass --force to replace it`, EXIT_CANNOT_WRITE);
    throw new FileProblem(`${path}: cannot create (${code ?? String(e)})`, EXIT_CANNOT_WRITE);
  }
}

/**
 * Write `data` to `path`, creating it. An existing file is never replaced unless `force`; the
 * error says so and names it.
 */
export async function writeNew(path: string, data: string | Uint8Array, force: boolean): Promise<void> {
  const handle = await openOutput(path, force ? 'w' : 'wx');
  try {
    await handle.writeFile(data);
  } finally {
    await handle.close();
  }
}

/**
 * Writes `chunks` to `path` as they come (created, or replaced with `force`): never a whole-file
 * string or buffer. The first piece is asked for before the file is opened, so a source that
 * fails before it produces anything (a bad recording) leaves an existing file as it was; a write
 * that fails is a FileProblem naming `path`. The source is always closed (its scratch files go).
 */
export async function writeChunksNew(path: string, chunks: Chunks, force: boolean): Promise<void> {
  const pieces = (async function* () {
    yield* chunks;
  })();
  try {
    const first = await pieces.next();
    const handle = await openOutput(path, force ? 'w' : 'wx');
    try {
      if (!first.done) await writeChunks(handle, (async function* () {
        yield first.value;
        yield* pieces;
      })());
    } catch (e) {
      if (e instanceof OutputError) throw new FileProblem(`${path}: cannot write (${e.code ?? e.message})`, EXIT_CANNOT_WRITE);
      throw e;
    } finally {
      await handle.close();
    }
  } finally {
    await pieces.return(undefined);
  }
}

/**
 * Creates `out` now (empty), so an unwritable or taken name is found before the run, not after
 * it; with `force` an existing file is only opened for writing, not emptied yet. Returns what
 * undoes it if the run writes nothing.
 */
export async function reserveOutput(out: string, force: boolean): Promise<() => Promise<void>> {
  const handle = await openOutput(out, force ? 'a' : 'wx');
  await handle.close();
  return force ? async () => undefined : () => rm(out, { force: true });
}

/** The folder `out` (created if missing) can take new files: checked before an export does its work. */
export async function checkOutputFolder(out: string): Promise<void> {
  const probe = join(out, `.raft-lab-probe-${process.pid}`);
  try {
    await makeFolder(resolve(out));
    await writeFile(probe, '', { flag: 'wx' });
  } catch (e) {
    throw new FileProblem(`${out}: cannot write files there (${(e as NodeJS.ErrnoException).code ?? String(e)})`, EXIT_CANNOT_WRITE);
  }
  await rm(probe, { force: true });
}

/** Copies the recording `from` to `to`, gzip or plain text as `to`'s name asks (recording-copy.ts). */
export async function copyNew(from: string, to: string, force: boolean): Promise<void> {
  try {
    await copyRecordingAs(from, to, force);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') throw new FileProblem(`${to} already exists; pass --force to replace it`, EXIT_CANNOT_WRITE);
    throw new FileProblem(`${from} -> ${to}: cannot copy (${code ?? String(e)})`, EXIT_CANNOT_WRITE);
  }
}

/** The one positional FILE argument. */
export function oneFile(positionals: readonly string[], command: string): string {
  if (positionals.length === 0) throw new UsageError(`${command} needs a recording FILE`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`);
  return positionals[0]!;
}

/** Run a command body, turning file problems into a message and their exit code. */
export async function withFiles(err: (text: string) => void, command: string, body: () => Promise<number>): Promise<number> {
  try {
    return await body();
  } catch (e) {
    if (e instanceof FileProblem) {
      err(`raft-lab ${command}: ${e.message}\n`);
      return e.code;
    }
    throw e;
  }
}
