/**
 * The browser host's HTTP path decoder: a request target (`/assets/app.js?v=1`) to the decoded
 * path it names, or a 400 saying why not. Pure and total: any string in, never a throw out.
 *
 * What it accepts is an absolute POSIX path with no `.` or `..` segments, no backslash (a
 * separator on Windows) and no NUL, so joining it to the served folder cannot climb out of it
 * lexically; symlinks are the static server's to check (static-files.ts).
 */

export type DecodedPath =
  | { readonly ok: true; readonly path: string }
  | { readonly ok: false; readonly status: 400; readonly reason: string };

/** Longest request target decoded; longer ones are refused before any work. */
export const MAX_TARGET_CHARS = 4096;

export function decodeRequestPath(target: string): DecodedPath {
  if (target.length > MAX_TARGET_CHARS) return bad(`request target longer than ${MAX_TARGET_CHARS} characters`);
  if (!target.startsWith('/')) return bad('request target must be an absolute path');
  const raw = target.split(/[?#]/, 1)[0] ?? '/';
  let path: string;
  try {
    path = decodeURIComponent(raw);
  } catch {
    return bad('malformed percent-encoding in the path');
  }
  if (path.includes('\u0000')) return bad('NUL in the path');
  if (path.includes('\\')) return bad('backslash in the path');
  if (path.split('/').some((s) => s === '.' || s === '..')) return bad('"." or ".." segment in the path');
  return { ok: true, path };
}

function bad(reason: string): DecodedPath {
  return { ok: false, status: 400, reason };
}
