/** Vitest's `expect`, extended with rtcspec's matchers. Importing this module registers them. */
import { expect } from 'vitest'
import { rtpMatchers } from './matchers.ts'
import { audioMatchers } from './audio-matchers.ts'
import { sipMatchers } from './sip-matchers.ts'
import { videoMatchers } from './video-matchers.ts'

expect.extend(rtpMatchers)
expect.extend(audioMatchers)
expect.extend(sipMatchers)
expect.extend(videoMatchers)

export { expect }
