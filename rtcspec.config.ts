/**
 * rtcspec's own project configuration, used by `npm run main` (`rtcspec run specs/examples` in this directory).
 * The gates are quality thresholds over every call the example specs make; the run exits 3 with a table when
 * one breaks (docs/ci.md). Calls through the impairment relay (the lossy and network-preset examples) are left
 * out: they are bad on purpose and assert their own expectations.
 */
import { defineConfig } from 'rtcspec/config'

export default defineConfig({
  gates: {
    'audio.loss': '< 0.01',
    // Chromium's own jitter estimate (getStats) reaches ~25 ms on a loaded 2-core machine; werift peers ~1-5 ms.
    'audio.jitterMs': '< 60',
    mos: '> 3.8',
    'setup.connectMs': '< 5000',
    'setup.firstRtpMs': '< 8000',
  },
})
