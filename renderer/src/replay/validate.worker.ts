/**
 * Validates a recording file beside the replay worker, on another core: every line through the
 * shared reader (JSON, schema, structure), a slice at a time, reporting how many lines are valid
 * so far and the first problem. The replay worker indexes the same file meanwhile and shows only
 * positions whose lines this worker has passed.
 */
import '../transport/zod-jitless';
import { MAX_LINE_CHARS, RecordingError, RecordingLineReader } from '../../../shared/record/read';
import { blobLines, LineTooLong } from './blob-lines';
import type { FromValidator, ToValidator } from './worker-protocol';

interface WorkerScope {
  postMessage(message: FromValidator): void;
  addEventListener(type: 'message', listener: (e: MessageEvent<ToValidator>) => void): void;
}
const scope = self as unknown as WorkerScope;

async function validate(file: Blob, sliceBytes: number, linesPerReport: number): Promise<void> {
  const reader = new RecordingLineReader();
  let line = 0;
  try {
    for await (const batch of blobLines(file, sliceBytes, MAX_LINE_CHARS, linesPerReport)) {
      for (const text of batch.lines) {
        line++;
        if (line === 1) reader.header(text);
        else reader.line(text);
      }
      const done = batch.bytesRead >= file.size;
      if (done) reader.finish();
      scope.postMessage({ type: 'valid', lines: line, done });
    }
    if (line === 0) throw new RecordingError(null, 'the file is empty');
  } catch (e) {
    if (e instanceof LineTooLong) scope.postMessage({ type: 'invalid', line: line + 1, message: new RecordingError(line + 1, e.message).message });
    else if (e instanceof RecordingError) scope.postMessage({ type: 'invalid', line: e.line, message: e.message });
    else scope.postMessage({ type: 'invalid', line: null, message: `could not read the recording (${e instanceof Error ? e.message : String(e)})` });
  }
}

scope.addEventListener('message', (e) => void validate(e.data.file, e.data.sliceBytes, e.data.linesPerReport));
