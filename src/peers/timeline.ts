/** Builds and appends to a peer's timeline of state changes. */
import type { PeerTimeline } from './types.ts'

export function createTimeline(): PeerTimeline {
  return { createdAt: Date.now(), ice: [], gathering: [], connection: [], dtls: [], signaling: [], localCandidates: [], remoteCandidates: [], errors: [] }
}

type StateKey = 'ice' | 'gathering' | 'connection' | 'dtls' | 'signaling'

/** Appends a state change unless it repeats the last one. */
export function recordState(timeline: PeerTimeline, key: StateKey, state: string): void {
  const list = timeline[key]
  if (list.at(-1)?.state === state) return
  list.push({ atMs: Date.now() - timeline.createdAt, state })
}
