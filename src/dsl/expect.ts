/** Vitest's `expect`, extended with rtcspec's matchers. Importing this module registers them. */
import { expect } from 'vitest'
import { rtpMatchers } from './matchers.ts'

expect.extend(rtpMatchers)

export { expect }
