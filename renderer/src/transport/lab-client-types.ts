/**
 * What the renderer's stores see of the lab, whichever transport carries it. A leaf: both the
 * chooser (lab-client.ts) and each transport (ws-lab-client.ts) import it, not each other.
 */
import type { LabApi } from '../../../shared/protocol/lab';

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

export interface LabClient extends LabApi {
  /** Which transport carries the calls: shown in the status bar. */
  readonly transport: 'electron' | 'websocket';
  connectionStatus(): ConnectionStatus;
  onConnectionStatus(listener: (status: ConnectionStatus) => void): () => void;
}
