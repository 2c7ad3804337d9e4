/**
 * "Search whole run" on the host (`LabApi.searchRun`): the recording file is streamed through
 * the shared matcher, so only the matches kept and a count stay in memory, however long the run.
 */
import type { RunSearch } from '../../shared/protocol/lab';
import { RunSearcher } from '../../shared/replay/run-search';
import { readSource, type RecordingSource } from './recording-source';

export async function searchRecording(source: RecordingSource, query: string, limit: number): Promise<RunSearch> {
  let searcher: RunSearcher | null = null;
  for await (const item of readSource(source)) {
    if (item.kind === 'header') searcher = new RunSearcher(query, limit, item.header.createdAtMs);
    else searcher?.push(item.located);
  }
  if (searcher === null) throw new Error('the recording is empty');
  return searcher.result();
}
