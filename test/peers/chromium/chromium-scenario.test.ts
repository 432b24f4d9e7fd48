/** The declarative scenario() engine runs with a Chromium peer on either side. */
import { describe } from 'vitest'
import { scenario } from '../../../src/dsl/scenario.ts'
import { requireTool } from '../../support/requires.ts'

const skip = process.env.RTCSPEC_CHROMIUM ? false : requireTool('chromium')

describe.skipIf(skip)('scenario() with Chromium peers', () => {
  scenario('Chromium calls werift with Opus; both hear the other', {
    peers: { alice: { kind: 'chromium', send: { tone: 440 } }, bob: { send: { tone: 1000 } } },
    codec: 'opus',
    duration: '3s',
    connectTimeout: '40s',
    expect: {
      'alice.audio.in': { packetsAtLeast: 100, lossBelow: 0.01, codec: 'opus' },
      'bob.audio.in': { packetsAtLeast: 100, lossBelow: 0.01, jitterMsBelow: 100, codec: 'opus' },
    },
  })
})
