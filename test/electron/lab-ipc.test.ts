// The main-process IPC handlers: every LabApi method has its channel, arguments are validated
// by the shared zod schemas before the lab controller is called, untrusted senders are refused.
// Electron's ipcMain cannot run here (no Electron binary), so handlers are registered on a
// plain map with the same two methods; the lab is a recorder of the calls it receives (and a real
// controller where the controller's own rule is the point: data folders stay in its data root).
import type { IpcMainInvokeEvent } from 'electron';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { WorkerHost } from '../../electron/host/worker-host';
import { LabController } from '../../electron/lab/controller';
import { forwardLabEvents, registerLabIpc } from '../../electron/main/lab-ipc';
import type { InvokeHandlerRegistry } from '../../electron/main/lab-ipc';
import { APP_ORIGIN } from '../../electron/main/app-protocol';
import { allowedOrigins, isTrustedSender } from '../../electron/main/origins';
import { DEFAULT_CLUSTER_OPTIONS } from '../../shared/protocol/lab';
import type { LabApi, LabEvent } from '../../shared/protocol/lab';
import { LAB_EVENTS_CHANNEL, LAB_METHODS, labChannel } from '../../shared/protocol/lab-wire';

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>;

class Registry implements InvokeHandlerRegistry {
  readonly handlers = new Map<string, Handler>();
  handle(channel: string, listener: Handler): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  invoke(channel: string, frameUrl: string, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    const event = { senderFrame: { url: frameUrl, parent: null } } as unknown as IpcMainInvokeEvent;
    return handler(event, ...args);
  }
}

/** A LabApi that records each call and answers with a fixed value per method. */
function recordingLab(): { lab: LabApi; calls: { method: string; args: unknown[] }[]; emit: (events: LabEvent[]) => void } {
  const calls: { method: string; args: unknown[] }[] = [];
  const listeners = new Set<(events: readonly LabEvent[]) => void>();
  const answers: Partial<Record<string, unknown>> = { addNode: 6, submit: { ok: true, value: null, index: 3, leader: 1 } };
  const lab = new Proxy({} as LabApi, {
    get(_target, prop: string) {
      if (prop === 'onEvents') {
        return (listener: (events: readonly LabEvent[]) => void) => {
          listeners.add(listener);
          return () => listeners.delete(listener);
        };
      }
      return async (...args: unknown[]) => {
        calls.push({ method: prop, args });
        return answers[prop];
      };
    },
  });
  return { lab, calls, emit: (events) => listeners.forEach((l) => l(events)) };
}

const trusted = (frame: Parameters<typeof isTrustedSender>[0]) => isTrustedSender(frame, allowedOrigins(undefined));
const page = `${APP_ORIGIN}/index.html`;

describe('lab IPC handlers', () => {
  it('registers one channel per LabApi request method and removes them all again', () => {
    const registry = new Registry();
    const remove = registerLabIpc(registry, recordingLab().lab, { isTrustedSender: trusted });
    expect([...registry.handlers.keys()].sort()).toEqual(LAB_METHODS.map(labChannel).sort());
    remove();
    expect(registry.handlers.size).toBe(0);
  });

  it('passes valid arguments to the lab and returns its answer (void as null)', async () => {
    const registry = new Registry();
    const { lab, calls } = recordingLab();
    registerLabIpc(registry, lab, { isTrustedSender: trusted });

    await expect(registry.invoke('lab:createCluster', page, { ...DEFAULT_CLUSTER_OPTIONS, nodes: 3 })).resolves.toBeNull();
    await expect(registry.invoke('lab:addNode', page, { learner: true })).resolves.toBe(6);
    await expect(registry.invoke('lab:submit', page, { type: 'put', key: 'k', value: 'v' })).resolves.toMatchObject({ ok: true, index: 3 });
    await expect(registry.invoke('lab:setSpeed', page, 2)).resolves.toBeNull();
    expect(calls).toEqual([
      { method: 'createCluster', args: [{ ...DEFAULT_CLUSTER_OPTIONS, nodes: 3 }] },
      { method: 'addNode', args: [{ learner: true }] },
      { method: 'submit', args: [{ type: 'put', key: 'k', value: 'v' }] },
      { method: 'setSpeed', args: [2] },
    ]);
  });

  it('rejects arguments that do not match the schema, naming the field, without calling the lab', async () => {
    const registry = new Registry();
    const { lab, calls } = recordingLab();
    registerLabIpc(registry, lab, { isTrustedSender: trusted });

    await expect(registry.invoke('lab:createCluster', page, { ...DEFAULT_CLUSTER_OPTIONS, nodes: 40 })).rejects.toThrow(/createCluster: args\[0\]\.nodes/);
    await expect(registry.invoke('lab:setSpeed', page, 'fast')).rejects.toThrow(/setSpeed/);
    await expect(registry.invoke('lab:setSpeed', page, 1000)).rejects.toThrow(/setSpeed/);
    await expect(registry.invoke('lab:crashNode', page)).rejects.toThrow(/crashNode/);
    await expect(registry.invoke('lab:crashNode', page, 1, 'extra')).rejects.toThrow(/crashNode/);
    await expect(registry.invoke('lab:submit', page, { type: 'drop-table', key: 'k' })).rejects.toThrow(/submit/);
    await expect(registry.invoke('lab:setLinkFault', page, { from: 2, to: 2 }, { cut: true })).rejects.toThrow(/setLinkFault/);
    expect(calls).toEqual([]);
  });

  it('refuses requests from pages other than the app', async () => {
    const registry = new Registry();
    const { lab, calls } = recordingLab();
    registerLabIpc(registry, lab, { isTrustedSender: trusted });
    await expect(registry.invoke('lab:tickOnce', 'https://example.invalid/')).rejects.toThrow(/refused/);
    await expect(registry.invoke('lab:tickOnce', 'file:///tmp/x.html')).rejects.toThrow(/refused/);
    expect(calls).toEqual([]);
  });

  it('resolves a data folder the window names inside the data root and refuses a path (real controller)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'raft-lab-ipc-'));
    const lab = new LabController({ host: new WorkerHost(), dataRoot: join(dir, 'clusters') });
    try {
      const registry = new Registry();
      registerLabIpc(registry, lab, { isTrustedSender: trusted });
      for (const dataDir of [join(dir, 'anywhere'), '../anywhere', 'a/../../anywhere']) {
        await expect(registry.invoke('lab:createCluster', page, { ...DEFAULT_CLUSTER_OPTIONS, dataDir }), dataDir).rejects.toThrow(/data root/);
      }
      expect(existsSync(join(dir, 'anywhere'))).toBe(false);
    } finally {
      await lab.destroyCluster();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('forwards event batches to the window until it is destroyed or unsubscribed', () => {
    const { lab, emit } = recordingLab();
    const sent: unknown[][] = [];
    let destroyed = false;
    const unsubscribe = forwardLabEvents(lab, { isDestroyed: () => destroyed, send: (...args) => sent.push(args) });
    const batch: LabEvent[] = [{ type: 'run-state', seq: 1, atMs: 0, paused: true, speed: 1 }];
    emit(batch);
    expect(sent).toEqual([[LAB_EVENTS_CHANNEL, batch]]);
    destroyed = true;
    emit(batch);
    expect(sent).toHaveLength(1);
    destroyed = false;
    unsubscribe();
    emit(batch);
    expect(sent).toHaveLength(1);
  });
});
