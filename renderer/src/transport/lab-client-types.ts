/**
 * What the renderer's stores see of the lab, whichever transport carries it. A leaf: both the
 * chooser (lab-client.ts) and each transport (ws-lab-client.ts) import it, not each other.
 */
import type { SaveExportResult } from '../../../shared/protocol/export-save';
import type { ExportedFile, LabApi } from '../../../shared/protocol/lab';

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

/** What became of saving an export: saved or canceled (Electron's dialog), or a browser download begun. */
export type ExportSaveOutcome = SaveExportResult | { readonly kind: 'downloading' };

export interface LabClient extends LabApi {
  /** Which transport carries the calls: shown in the status bar. */
  readonly transport: 'electron' | 'websocket';
  connectionStatus(): ConnectionStatus;
  onConnectionStatus(listener: (status: ConnectionStatus) => void): () => void;
  /**
   * Saves an export the host wrote (`exportRun`'s answer) without the content ever passing
   * through the page: in Electron main asks where and moves the file there; in a browser the
   * page downloads it from the host, which streams it from disk.
   */
  saveExport(file: ExportedFile): Promise<ExportSaveOutcome>;
}
