/**
 * Saving an export in the Electron app. `LabApi.exportRun` leaves the export in a file on the
 * host and hands the window its id; the window passes that id to main on SAVE_EXPORT_CHANNEL, and
 * main asks the person where to save it (the system's save dialog) and moves the file there. The
 * page never names a path and never holds the content. (A browser downloads the same file from
 * the web host's `/exports/<id>` instead.)
 */
import { z } from 'zod';
import { EXPORT_ID_CHARS } from '../limits';
import type { Agrees } from './agrees';

export const SAVE_EXPORT_CHANNEL = 'app:save-export' as const;

/** Where the browser host serves an export for download (electron/web/export-downloads.ts). */
export const EXPORTS_PATH = '/exports/' as const;

export function exportDownloadPath(id: string): string {
  return `${EXPORTS_PATH}${id}`;
}

/** What became of a save: written to `path`, or the person closed the dialog without choosing. */
export type SaveExportResult =
  | { readonly kind: 'saved'; readonly path: string }
  | { readonly kind: 'canceled' };

/** An export's id (ExportedFile.id): EXPORT_ID_CHARS base64url characters. */
export const exportIdSchema = z.string().length(EXPORT_ID_CHARS).regex(/^[A-Za-z0-9_-]+$/, 'base64url');

export const saveExportArgsSchema = z.tuple([exportIdSchema]);

export const saveExportResultSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('saved'), path: z.string().min(1) }),
  z.object({ kind: z.literal('canceled') }),
]);

const _agreement: [Agrees<typeof saveExportResultSchema, SaveExportResult>] = [true];
void _agreement;
