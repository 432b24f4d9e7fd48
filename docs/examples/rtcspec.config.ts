// rtcspec.config.ts for a repository that gates its WHIP server (see docs/ci.md). `rtcspec run` exits 3 with a
// table when the worst call breaks a threshold, 1 when a test (e.g. a MUST requirement) fails.
import { defineConfig } from 'rtcspec/config'

export default defineConfig({
  gates: {
    'audio.loss': '< 0.01',
    'audio.jitterMs': '< 30',
    mos: '> 4',
  },
})
