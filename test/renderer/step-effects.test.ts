import { describe, expect, it } from 'vitest';
import { splitEffects, type EffectLine } from '../../renderer/src/stores/step-effects';

const line = (seq: number, type: EffectLine['type'], text: string, extra: Partial<EffectLine> = {}): EffectLine => ({ seq, type, text, ...extra });

describe('Last step: what the step caused and what the person did', () => {
  // The step was asked for after event 10: deliver PreVote 3→1. Then the person crashed node 1.
  const delivered = line(11, 'message-sent', 'sent 1->3 RequestVoteResponse t1 pre granted');
  const crashed = line(13, 'node-life', 'node 1 crashed (killed)', { node: 1 });
  const lostReply = line(14, 'message-dropped', 'dropped (crashed) 3->1 RequestVote t1', { dropWhy: 'crashed' });

  it('a crash the person asked for is theirs, not an effect of the delivery', () => {
    const s = splitEffects([delivered, crashed, lostReply], [{ what: 'crashed node 1', node: 1, afterSeq: 12 }], 10);
    expect(s.caused.map((l) => l.text)).toEqual(['sent 1->3 RequestVoteResponse t1 pre granted']);
    expect(s.yours).toEqual([{ action: { what: 'crashed node 1', node: 1, afterSeq: 12 }, events: [crashed, lostReply] }]);
    expect(s.outside).toEqual([]);
  });

  it('a node going down that nobody asked for is not the step\'s doing either', () => {
    const s = splitEffects([delivered, crashed], [], 10);
    expect(s.caused).toEqual([delivered]);
    expect(s.outside).toEqual([crashed]);
  });

  it('actions from before the step are not listed, and a crash of another node is not pinned on them', () => {
    const s = splitEffects([delivered, crashed], [{ what: 'crashed node 2', node: 2, afterSeq: 4 }], 10);
    expect(s.yours).toEqual([]);
    expect(s.outside).toEqual([crashed]);
  });
});
