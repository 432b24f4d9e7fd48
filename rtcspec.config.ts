/**
 * rtcspec's own project configuration, used by `npm run main` (`rtcspec run specs/examples` in this directory).
 * The gates are quality thresholds over every call the example specs make; the run exits 3 with a table when
 * one breaks (docs/ci.md). Calls through the impairment relay (the lossy and network-preset examples) are left
 * out: they are bad on purpose and assert their own expectations.
 */
import { defineConfig } from 'rtcspec/config'

export default defineConfig({
  gates: {
    // The audio and the video gates are optional: a run of the video examples alone has no audio stream (and one
    // of the audio examples no video), and a gate with no samples would fail it. Each still fails on a bad value.
    'audio.loss': { threshold: '< 0.01', optional: true },
    // Chromium's own jitter estimate (getStats) reaches ~25 ms on a loaded 2-core machine; werift peers ~1-5 ms.
    'audio.jitterMs': { threshold: '< 60', optional: true },
    mos: { threshold: '> 3.8', optional: true },
    // Set-up is gated on impaired calls too (the examples' impairments are mild and their outages scheduled after
    // connecting), so a run of an impaired example alone (video-lossy.spec.ts) still has samples. A plain RTP call
    // (FFmpeg → rtcspec) has no connection to set up: connectMs is optional, firstRtpMs is not (a run that recorded
    // no media at all fails it).
    'setup.connectMs': { threshold: '< 5000', impaired: true, optional: true },
    'setup.firstRtpMs': { threshold: '< 8000', impaired: true },
    // Video (docs/video.md): the examples send 15-30 fps; FFmpeg's -re pacing and a loaded 2-core machine have
    // delivered 8 fps, so the floor is 5. No example call (impaired ones are left out) should freeze for 1 s in
    // all, and the first frame must show within 3 s of joining (the WHEP player's "plays within 3 s").
    'video.fps': { threshold: '> 5', optional: true },
    'video.freezeMs': { threshold: '< 1000', optional: true },
    'video.firstFrameMs': { threshold: '< 3000', optional: true },
  },
})
