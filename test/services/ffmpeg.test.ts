/**
 * FFmpeg as a source (RTP into a werift peer's track, the "FFmpeg feeding a WebRTC egress" pattern) and
 * as a sink (recording what a werift peer received), with both the local and the docker provider.
 * Known truth: the tone frequency FFmpeg or rtcspec generated, and the packet counts at each hop.
 */
import { afterAll, describe, expect, test } from 'vitest'
import { RTCRtpCodecParameters } from 'werift'
import { openBackToBack, sources } from '../../src/calls/open.ts'
import { detectTone } from '../../src/media/analysis.ts'
import { tone } from '../../src/media/sources.ts'
import { freeUdpPortRange } from '../../src/net/ports.ts'
import { connectBackToBack } from '../../src/peers/back-to-back.ts'
import { forwardRtp } from '../../src/peers/rtp-forward.ts'
import { createWeriftPeer } from '../../src/peers/werift/peer.ts'
import { createRtpIngest, weriftVideoCodecs } from '../../src/peers/werift/rtp-ingest.ts'
import { plainRtpSdp, startFfmpegSink, startFfmpegSource } from '../../src/services/ffmpeg.ts'
import { waitFor } from '../../src/wait.ts'
import { assertNoServiceLeaks, providerCases } from './providers.ts'

const AUDIO = {
  PCMU: () => new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000, channels: 1, payloadType: 0 }),
  opus: () => new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2, payloadType: 111 }),
}

afterAll(() => assertNoServiceLeaks())

describe.each(providerCases('ffmpeg', 'ffmpeg', 'ffmpeg'))('FFmpeg, $provider provider', ({ provider, skip }) => {
  for (const [acodec, vcodec, hz, rtcspecSource] of [
    ['PCMU', 'VP8', 1000, false],
    ['opus', 'H264', 700, true],
  ] as const) {
    test.skipIf(skip)(
      `source: ${acodec} audio (${rtcspecSource ? 'rtcspec tone' : 'lavfi sine'}) and ${vcodec} video reach a werift peer through RTP ingest`,
      async () => {
        const codecs = { audio: [AUDIO[acodec]()], video: weriftVideoCodecs([vcodec]) }
        const alice = createWeriftPeer({ name: 'alice', codecs: [acodec], config: { codecs } })
        const bob = createWeriftPeer({ name: 'bob', codecs: [acodec], audio: 'recvonly', config: { codecs } })
        await using audioIn = await createRtpIngest(alice, 'audio')
        await using videoIn = await createRtpIngest(alice, 'video')
        await using _call = await connectBackToBack(alice, bob)
        await using src = await startFfmpegSource({
          provider,
          durationMs: 3000,
          audio: { to: audioIn.address, codec: acodec, source: rtcspecSource ? tone(hz, { sampleRate: 48000 }) : { sine: hz } },
          video: { to: videoIn.address, codec: vcodec, fps: 25 },
        })
        expect(src.provider).toBe(provider)
        // The SDP FFmpeg used names our ports and the codecs.
        expect(src.sdp).toMatch(new RegExp(`^m=audio ${audioIn.address.port} RTP/AVP ${acodec === 'PCMU' ? 0 : 111}`, 'm'))
        expect(src.sdp).toMatch(new RegExp(`^m=video ${videoIn.address.port} RTP/AVP 96`, 'm'))
        expect(src.sdp).toMatch(new RegExp(`a=rtpmap:96 ${vcodec}/90000`))
        const [a, v] = await Promise.all([bob.waitForTrack('audio', 5000), bob.waitForTrack('video', 5000)])
        await Promise.all([a.waitForPackets(100, 10_000), v.waitForPackets(40, 10_000)])
        await src.exited
        expect(a.codec?.encoding.toLowerCase()).toBe(acodec.toLowerCase())
        expect(v.codec?.encoding).toBe(vcodec)
        // 3 s of 20 ms frames is 150 packets; everything FFmpeg sent after the call was up was forwarded.
        expect(audioIn.received).toBeGreaterThanOrEqual(140)
        expect(audioIn.received).toBeLessThanOrEqual(152)
        // The last forwarded packets may still be on their way through werift when FFmpeg exits.
        await waitFor(() => a.rtp.snapshot().received >= audioIn.forwarded - 2 && v.rtp.snapshot().received >= videoIn.forwarded - 2, {
          timeoutMs: 5000,
          label: `bob to receive what alice's ingest forwarded (audio ${a.rtp.snapshot().received}/${audioIn.forwarded}, video ${v.rtp.snapshot().received}/${videoIn.forwarded} at the start of the wait)`,
        })
        const rec = a.recording()
        const det = detectTone(rec.samples, rec.sampleRate, hz)
        expect(det.present, JSON.stringify(det)).toBe(true)
        expect(Math.abs(det.measuredHz - hz)).toBeLessThan(2)
      },
      60_000,
    )
  }

  for (const codec of ['PCMU', 'opus'] as const) {
    test.skipIf(skip)(
      `sink: a werift peer's ${codec} audio, forwarded as plain RTP, is recorded by FFmpeg and contains the tone`,
      async () => {
        const { min: port } = await freeUdpPortRange(2)
        const sdp =
          codec === 'PCMU'
            ? plainRtpSdp({ kind: 'audio', port, payloadType: 0, encoding: 'PCMU', clockRate: 8000 })
            : plainRtpSdp({ kind: 'audio', port, payloadType: 111, encoding: 'opus', clockRate: 48000, channels: 2 })
        await using sink = await startFfmpegSink({ provider, sdp, maxDurationMs: 30_000 })
        await using call = await openBackToBack({ codec, send: { a: sources.tone(1200) } })
        const track = await call.b.waitForTrack('audio', 5000)
        await using fwd = await forwardRtp(track, { host: '127.0.0.1', port })
        await track.waitForPackets(track.rtp.snapshot().received + 100, 10_000)
        await fwd.close()
        const rec = await sink.stop()
        expect(fwd.forwarded).toBeGreaterThanOrEqual(100)
        expect(rec.file).toMatch(/\.wav$/)
        const audio = rec.audio!
        expect(audio.sampleRate).toBe(codec === 'PCMU' ? 8000 : 48000)
        // At least ~80 % of what was forwarded (20 ms per packet) is in the recording.
        expect(audio.samples.length / audio.sampleRate).toBeGreaterThan(fwd.forwarded * 0.02 * 0.8)
        const det = detectTone(audio.samples, audio.sampleRate, 1200)
        expect(det.present, JSON.stringify(det)).toBe(true)
        expect(Math.abs(det.measuredHz - 1200)).toBeLessThan(2)
        const other = detectTone(audio.samples, audio.sampleRate, 440)
        expect(other.present).toBe(false)
      },
      60_000,
    )
  }

  test.skipIf(skip)(
    'sink: FFmpeg-sourced H.264 video is recorded to a playable fragmented MP4',
    async () => {
      const { min: port } = await freeUdpPortRange(2)
      await using sink = await startFfmpegSink({
        provider,
        sdp: plainRtpSdp({ kind: 'video', port, payloadType: 96, encoding: 'H264', clockRate: 90000, fmtp: 'packetization-mode=1' }),
        maxDurationMs: 30_000,
      })
      await using src = await startFfmpegSource({ provider, durationMs: 2000, video: { to: { host: '127.0.0.1', port }, codec: 'H264', fps: 25 } })
      await src.exited
      const rec = await sink.stop()
      expect(rec.file).toMatch(/\.mp4$/)
      const text = Buffer.from(rec.bytes).toString('latin1')
      expect(text.slice(4, 8)).toBe('ftyp')
      expect(text).toContain('moof')
      expect(rec.bytes.length).toBeGreaterThan(10_000)
    },
    60_000,
  )
})

describe('FFmpeg options are validated', () => {
  test('a non-loopback destination is refused with the field named', async () => {
    await expect(startFfmpegSource({ audio: { to: { host: '10.0.0.1', port: 5004 } } })).rejects.toThrow(/audio\.to\.host: must be a loopback/)
  })
  test('a source with neither audio nor video is refused', async () => {
    await expect(startFfmpegSource({})).rejects.toThrow(/needs audio, video or both/)
  })
  test('a sink SDP without an m= line is refused', async () => {
    await expect(startFfmpegSink({ sdp: 'v=0\r\n' })).rejects.toThrow(/m=audio or m=video/)
  })
})
