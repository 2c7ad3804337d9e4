/**
 * Replay mode: the opened recording, the current position and the current event's text. The
 * recording lives in a worker (shared ReplayIndex); each move asks it for one frame and feeds
 * the frame to the other stores through the replay switch, so every view shows that moment.
 * Moves while a frame is on its way collapse into one: scrubbing never queues stale frames.
 */
import { acceptHMRUpdate, defineStore } from 'pinia';
import { onScopeDispose, ref, shallowRef } from 'vue';
import { useLogsStore } from '../stores/logs';
import { useLabStore } from '../stores/lab';
import { RawNode } from '../../../shared/raft/raw-node';
import { BranchLab } from '../../../shared/replay/branch-lab';
import { browserFrameClock } from './frame-clock';
import { useReplaySwitch } from './inject';
import { useIndexProgress } from './index-progress';
import type { Entry, NodeId } from '../../../shared/raft/types';
import type { FromWorker, LogPatch, OpenedRecording, ToWorker } from './worker-protocol';

export const useReplayStore = defineStore('replay', () => {
  const replaySwitch = useReplaySwitch();
  const logs = useLogsStore();
  const lab = useLabStore();

  /** State of the last open: 'loading' while a file is being read and replayed. */
  const status = ref<'idle' | 'loading' | 'done' | 'error'>('idle');
  const phase = ref<string>('');
  /** The last open's error (names the line); the recording already open, if any, stays. */
  const error = ref<string | null>(null);
  const opened = shallowRef<OpenedRecording | null>(null);
  const position = ref(0);
  /** 'replay': scrubbing the recording; 'branch': a simulated cluster continued from `position`. */
  const mode = ref<'replay' | 'branch'>('replay');
  /** 'building' while the worker computes the branch point and the page rebuilds the nodes. */
  const branchStatus = ref<'idle' | 'building'>('idle');
  /** The live branch, while in branch mode. */
  let branchLab: BranchLab | null = null;
  const eventText = ref('');
  /** performance.now() when the last open began and when its first frame was shown (bench). */
  const openedAtMs = ref(0);
  const firstPaintMs = ref<number | null>(null);

  /** Each node's log at the shown position, kept up to date from the worker's patches. */
  let logCopies = new Map<NodeId, (Entry | null)[]>();
  let worker: Worker | null = null;
  let nextId = 0;
  let inFlight: number | null = null;
  let wanted: number | null = null;
  let firstFrameOfOpen = false;
  /** The position asked for last (frames may still be on their way). */
  let lastAsked = 0;
  /** Indexing progress of the open recording; moves beyond it wait (index-progress.ts). */
  const indexing = useIndexProgress((k) => request(k), (message) => { error.value = message; });

  function post(m: ToWorker): void {
    if (!worker) {
      worker = new Worker(new URL('./replay.worker.ts', import.meta.url), { type: 'module' });
      worker.addEventListener('message', (e: MessageEvent<FromWorker>) => onMessage(e.data));
      worker.addEventListener('error', (e) => {
        status.value = 'error';
        error.value = `the replay worker failed: ${e.message}`;
      });
    }
    worker.postMessage(m);
  }

  function onMessage(m: FromWorker): void {
    switch (m.type) {
      case 'progress':
        phase.value = m.phase;
        break;
      case 'opened':
        opened.value = m.info;
        status.value = 'done';
        error.value = null;
        phase.value = '';
        branchLab?.close();
        branchLab = null;
        replaySwitch.enterReplay();
        mode.value = 'replay';
        logCopies = new Map();
        firstFrameOfOpen = true;
        indexing.reset(m.info.progress);
        inFlight = null;
        wanted = null;
        request(0);
        break;
      case 'indexing': {
        const o = opened.value;
        if (o) opened.value = { ...o, nodes: m.nodes, violations: m.violations ?? o.violations, divergence: m.divergence === undefined ? o.divergence : m.divergence, progress: m.progress };
        indexing.update(m.progress);
        break;
      }
      case 'open-error':
        status.value = 'error';
        phase.value = '';
        error.value = `${m.fileName}: ${m.message}`;
        break;
      case 'frame':
        if (m.id === inFlight) {
          inFlight = null;
          position.value = m.frame.position;
          eventText.value = m.text;
          replaySwitch.emitReplay(m.frame.events);
          logs.replaceLogs(m.frame.logs.map(patch));
          if (firstFrameOfOpen) {
            firstFrameOfOpen = false;
            firstPaintMs.value = performance.now() - openedAtMs.value;
            indexing.indexedAtFirstPaint.value = m.indexed;
          }
        }
        if (wanted !== null) {
          const k = wanted;
          wanted = null;
          request(k);
        }
        break;
      case 'branch': {
        branchStatus.value = 'idle';
        let next: BranchLab;
        try {
          next = new BranchLab(m.start, RawNode, browserFrameClock);
        } catch (e) {
          error.value = `branch at event ${m.start.position}: ${e instanceof Error ? e.message : String(e)}`;
          break;
        }
        branchLab?.close();
        branchLab = next;
        mode.value = 'branch';
        error.value = null;
        // Errors from replay mode (a control refused there) do not belong to the branch.
        lab.lastError = null;
        replaySwitch.enterBranch(next);
        // The branch's nodes hold their whole logs: show them, not only what later messages carry.
        logs.replaceLogs(next.logs());
        break;
      }
      case 'branch-error':
        branchStatus.value = 'idle';
        error.value = `branch at event ${m.position}: ${m.message}`;
        break;
      case 'frame-error':
        if (m.id === inFlight) inFlight = null;
        error.value = m.message;
        break;
    }
  }

  function patch(p: LogPatch): { node: NodeId; entries: readonly (Entry | null)[]; lastIndex: number } {
    const copy = logCopies.get(p.node) ?? [null];
    copy.length = Math.min(copy.length, p.from);
    for (const e of p.entries) copy.push(e);
    copy.length = p.lastIndex + 1;
    logCopies.set(p.node, copy);
    return { node: p.node, entries: copy, lastIndex: p.lastIndex };
  }

  function request(k: number): void {
    lastAsked = k;
    if (indexing.defer(k)) {
      wanted = null;
      return;
    }
    if (inFlight !== null) {
      wanted = k;
      return;
    }
    inFlight = ++nextId;
    post({ type: 'frame', id: inFlight, position: k });
  }

  /** Open a recording file (a File from the file input). */
  function open(file: File): void {
    status.value = 'loading';
    error.value = null;
    firstPaintMs.value = null;
    openedAtMs.value = performance.now();
    post({ type: 'open', file, fileName: file.name });
  }

  /** Show the cluster after events 1..k (clamped to the recording). */
  function jumpTo(k: number): void {
    if (mode.value !== 'replay') return;
    const total = opened.value?.events ?? 0;
    if (!opened.value || !Number.isFinite(k)) return;
    request(Math.min(total, Math.max(0, Math.round(k))));
  }

  /** The position the user asked for last (what the bar shows while a frame is on its way). */
  function target(): number {
    return lastAsked;
  }

  const step = (delta: number) => jumpTo(target() + delta);

  /** Build a live simulated cluster from the nodes as they were at the shown event (paused). */
  function branch(): void {
    if (!opened.value || mode.value !== 'replay' || branchStatus.value === 'building') return;
    branchStatus.value = 'building';
    post({ type: 'branch', position: position.value });
  }

  /** From a branch back to scrubbing the recording, at the event the branch started from. */
  function backToReplay(): void {
    if (mode.value !== 'branch') return;
    branchLab?.close();
    branchLab = null;
    replaySwitch.enterReplay();
    mode.value = 'replay';
    // Logs were changed by the branch: the next frame must carry them whole.
    logCopies = new Map();
    post({ type: 'forget-logs' });
    request(position.value);
  }

  /** Leave replay: reload the page so every store reconnects to the live lab from scratch. */
  function leave(): void {
    window.location.reload();
  }

  onScopeDispose(() => {
    branchLab?.close();
    worker?.terminate();
  });

  return { status, phase, error, opened, position, mode, branchStatus, eventText, openedAtMs, firstPaintMs, indexing: indexing.progress, waitingFor: indexing.waitingFor, indexedAtFirstPaint: indexing.indexedAtFirstPaint, open, jumpTo, step, branch, backToReplay, leave };
});

if (import.meta.hot) import.meta.hot.accept(acceptHMRUpdate(useReplayStore, import.meta.hot));
