/**
 * Why a candidate won or lost, in a few short lines built from its campaign's votes (tally.ts):
 * who granted, who denied and why, who never answered and why. Pure text; the renderer shows it
 * for the selected candidate, live, in a branch and in a replay.
 */
import type { Campaign, DenyReason, NoAnswer, ReplyState, Tally } from './tally';
import { tallyOf } from './tally';
import type { NodeId } from '../raft/types';

export interface ExplainLine {
  /** The voter the line is about (null for the headline). */
  readonly voter: NodeId | null;
  readonly verdict: 'headline' | 'granted' | 'denied' | 'silent';
  readonly text: string;
}

const what = (c: Campaign) => (c.kind === 'pre-vote' ? `pre-vote for term ${c.term}` : `vote for term ${c.term}`);
const votes = (c: Campaign) => (c.kind === 'pre-vote' ? 'pre-votes' : 'votes');

/** "node 3 has 2 of 3 votes" (the count the candidate holds against the majority it needs). */
export function tallyText(c: Campaign, t: Tally = tallyOf(c)): string {
  const onTheWay = t.grantedOnTheWay > 0 ? ` (+${t.grantedOnTheWay} on the way)` : '';
  return `node ${c.candidate} has ${t.granted} of ${t.needed} ${votes(c)}${onTheWay}`;
}

export function denyText(r: DenyReason): string {
  switch (r.kind) {
    case 'already-voted': return `already voted for ${r.for} in term ${r.term}`;
    case 'log-behind': return `log not up to date: last ${r.candidateIndex}/${r.candidateTerm} against ${r.voterIndex}/${r.voterTerm} (index/term)`;
    case 'stale-term': return `the candidate's term is behind its term ${r.voterTerm}`;
    case 'knows-leader': return `it follows leader ${r.leader} in term ${r.term}`;
    case 'unknown': return 'no reason known';
  }
}

export function silentText(w: NoAnswer): string {
  switch (w.kind) {
    case 'in-flight': return 'the request is still on its way';
    case 'held': return 'the request is held (step mode): deliver it in the Step tab';
    case 'dropped':
      if (w.why === 'cut') return 'the request was cut by a partition';
      if (w.why === 'crashed') return 'it was down when the request arrived';
      if (w.why === 'user') return 'you dropped the request';
      return 'the request was lost';
    case 'down': return `it is ${w.life}`;
    case 'lease': return `ignored under a leader lease: it heard from leader ${w.leader} ${w.elapsedTicks} of ${w.electionTicks} ticks ago (CheckQuorum)`;
    case 'not-asked': return 'not asked';
  }
}

function replyNote(r: ReplyState): string {
  switch (r.kind) {
    case 'delivered': return '';
    case 'in-flight': return ' (the reply is on its way)';
    case 'held': return ' (the reply is held: deliver it in the Step tab)';
    case 'dropped': return r.why === 'cut' ? ' (but the reply was cut by a partition)' : r.why === 'user' ? ' (but you dropped the reply)' : r.why === 'crashed' ? ' (but the candidate was down when it arrived)' : ' (but the reply was lost)';
  }
}

function headline(c: Campaign, t: Tally): string {
  const n = `Node ${c.candidate}`;
  const count = `${t.granted} of ${t.voters} ${votes(c)}, ${t.needed} needed`;
  switch (c.outcome.kind) {
    case 'open': return `${n} is asking for the ${what(c)}: it has ${t.granted} of ${t.needed} needed (${t.voters} voters).`;
    case 'won': return c.kind === 'pre-vote'
      ? `${n} won the ${what(c)} (${count}), so it starts a real election.`
      : `${n} won the ${what(c)} (${count}) and became leader.`;
    case 'lost': return `${n} lost the ${what(c)}: ${t.denied} of ${t.voters} denied, so the ${t.needed} needed could not come.`;
    case 'timed-out': return `${n} did not win the ${what(c)}: ${count}, when its election timer ran out and it started over.`;
    case 'stepped-down': {
      const o = c.outcome;
      const why = o.leader !== 0 ? `it heard from leader ${o.leader} of term ${o.term}` : o.newerTerm ? `it saw the newer term ${o.term}` : `it became follower in term ${o.term}`;
      return `${n} gave up the ${what(c)} (${count}): ${why}.`;
    }
    case 'crashed': return `${n} went down during the ${what(c)} (${count}).`;
  }
}

/** The headline, then one line per voter: granted ones first, then denials, then silences. */
export function explainCampaign(c: Campaign): ExplainLine[] {
  const t = tallyOf(c);
  const granted: string[] = [];
  const out: ExplainLine[] = [{ voter: null, verdict: 'headline', text: headline(c, t) }];
  const denied: ExplainLine[] = [];
  const silent: ExplainLine[] = [];
  for (const [voter, v] of c.votes) {
    if (v.kind === 'self') granted.push(`${voter} (itself)`);
    else if (v.kind === 'granted') granted.push(`${voter}${replyNote(v.reply)}`);
    else if (v.kind === 'denied') denied.push({ voter, verdict: 'denied', text: `Denied by ${voter}: ${denyText(v.reason)}${replyNote(v.reply)}` });
    else silent.push({ voter, verdict: 'silent', text: `No answer from ${voter}: ${silentText(v.why)}` });
  }
  out.push({ voter: null, verdict: 'granted', text: `Granted by ${granted.join(', ')}` });
  return [...out, ...denied, ...silent];
}
