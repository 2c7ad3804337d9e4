/**
 * Narrated scenario scripts (in the spirit of etcd-raft's datadriven interaction tests). A file
 * is free narration, plus command lines starting with `> `; the lines right after a command, up
 * to a blank line or the next command or `#` comment, are its expected transcript. `run` replays
 * the commands and returns the file as it should be; REWRITE=1 writes that back as the new golden.
 */
import { Scenario, ScenarioError } from './scenario';

export function runScript(text: string, fileName: string): string {
  const lines = text.replace(/\r\n/g, '\n').split('\n');
  const out: string[] = [];
  const sc = new Scenario();
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    if (!line.startsWith('> ')) {
      out.push(line);
      i++;
      continue;
    }
    out.push(line);
    i++;
    // Skip the old transcript.
    while (i < lines.length && (lines[i] as string).trim() !== '' && !(lines[i] as string).startsWith('> ') && !(lines[i] as string).startsWith('#')) i++;
    try {
      out.push(...sc.run(line.slice(2)));
    } catch (e) {
      if (e instanceof ScenarioError) throw new ScenarioError(`${fileName}:${i}: ${e.message}`);
      throw e;
    }
  }
  return out.join('\n');
}
