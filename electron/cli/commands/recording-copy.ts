/**
 * A recording written under a name the user chose: gzip when the name ends in `.gz`, plain JSON
 * Lines otherwise, whatever the container of the file it comes from (told by its first bytes).
 * The text itself is the same byte for byte; when both containers agree, the file is copied as
 * it is.
 */
import { constants, createReadStream, createWriteStream } from 'node:fs';
import { copyFile } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { createGunzip, createGzip } from 'node:zlib';
import { fileIsGzip } from '../../lab/recording-text';

/** The container a recording's file name asks for. */
export function gzipByName(path: string): boolean {
  return /\.gz$/i.test(path);
}

/**
 * Writes the recording at `from` to `to` in the container `to`'s name asks for. An existing `to`
 * is replaced only with `replace` (EEXIST otherwise). Errors are thrown as they are (the caller
 * names the file); `from` must be a recording already read whole (its gzip stream complete).
 */
export async function copyRecordingAs(from: string, to: string, replace: boolean): Promise<void> {
  const fromGzip = await fileIsGzip(from);
  const toGzip = gzipByName(to);
  if (fromGzip === toGzip) {
    await copyFile(from, to, replace ? 0 : constants.COPYFILE_EXCL);
    return;
  }
  await pipeline(createReadStream(from), fromGzip ? createGunzip() : createGzip({ level: 6 }), createWriteStream(to, { flags: replace ? 'w' : 'wx' }));
}
