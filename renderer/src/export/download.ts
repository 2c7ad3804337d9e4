/**
 * Saves an exported file the same way in both hosts: a Blob behind a temporary `<a download>`
 * link. It needs no file-system access, so it works in Electron's sandboxed renderer (the
 * session's download handler saves it) and in a plain browser alike.
 */
import type { ExportFile } from '../../../shared/protocol/lab';

export function exportFileBlob(file: ExportFile): Blob {
  if (file.encoding === 'text') return new Blob([file.text], { type: file.mimeType });
  const raw = atob(file.base64);
  const bytes = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
  return new Blob([bytes], { type: file.mimeType });
}

export function downloadExportFile(file: ExportFile): void {
  const url = URL.createObjectURL(exportFileBlob(file));
  const a = document.createElement('a');
  a.href = url;
  a.download = file.fileName;
  a.style.display = 'none';
  document.body.append(a);
  a.click();
  a.remove();
  // The click has started the download; release the Blob once the browser has read it.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
