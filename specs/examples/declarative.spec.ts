/**
 * The declarative form: the same engine, driven by data that zod validates.
 * Run: npx rtcspec run specs/examples/declarative.spec.ts
 */
import { scenario } from 'rtcspec'

scenario('PCMU call, 2 % loss towards bob, clean towards alice', {
  peers: {
    alice: { send: { tone: 440 } },
    bob: { send: { tone: [1000, 1500] } },
  },
  codec: 'PCMU',
  network: { seed: 7, toB: { loss: 0.02 } },
  duration: '3s',
  expect: {
    'bob.audio.in': { packetsAtLeast: 120, lossBelow: 0.06, jitterMsBelow: 20, codec: 'PCMU' },
    'alice.audio.in': { packetsAtLeast: 120, lossBelow: 0.005, jitterMsBelow: 20 },
  },
})
