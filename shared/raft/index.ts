/** The Raft core's public surface. Hosts program against RaftNodeApi; RawNode implements it. */
export * from './types';
export type { ProposeResult, RaftNodeApi, ReadIndexOptions, ReadIndexResult } from './api';
export { RawNode, checkPersisted } from './raw-node';
export { RaftInvariantError } from './assert';
export { applyChange, validateChange, isVoter, isLearner, isMember } from './conf';
export { describeConf, describeConfChange, describeEntries, describeEntry, describeMessage, describePeers, describeReady, describeStatus } from './describe';
export { hashText, stateDigest } from './digest';
