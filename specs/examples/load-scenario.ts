/**
 * A scenario file for `rtcspec load` (not a spec: Vitest does not collect it). Its default export is the same
 * declarative spec `scenario()` takes; every load call runs it.
 *
 *   npx rtcspec load specs/examples/load-scenario.ts --calls 20 --rate 5 --duration 30s
 *
 * Because it states its own `duration`, each call lasts 10 s and is then replaced by a new one (at --rate), so 20
 * calls stay active for the 30 s hold. Each call's impairment seed is derived from --seed (or `network.seed`) and
 * the call's number, so a run is reproducible. The expectations are checked per call: a call that misses them
 * counts as failed, with the reason in the summary.
 */
import type { ScenarioSpec } from 'rtcspec'

export default {
  peers: {
    alice: { send: { tone: 440 } },
    bob: { send: { tone: [1000, 1500] } },
  },
  codec: 'PCMU',
  // 1 % random loss and 20 ms of extra delay on the way to bob; alice's direction is clean.
  network: { seed: 42, toB: { loss: 0.01, delayMs: 20 } },
  duration: '10s',
  expect: {
    'bob.audio.in': { lossBelow: 0.05, codec: 'PCMU' },
    'alice.audio.in': { lossBelow: 0.01 },
  },
} satisfies ScenarioSpec
