// rtcspec's in-page peer: runs inside a headless Chromium page served from rtcspec's own
// http://127.0.0.1:<port> origin. Node drives it through `window.rtcspec` (page.evaluate) and
// it reports events back through the exposed binding `window.rtcspecEmit(json)`.
// Plain browser JavaScript (not TypeScript): it is served as a file, never imported by Node.
'use strict'
;(() => {
  const emit = (type, data) => {
    try {
      if (typeof window.rtcspecEmit === 'function') window.rtcspecEmit(JSON.stringify({ type, ...data }))
    } catch (e) {
      console.error('rtcspec: emit failed', e)
    }
  }
  /** @type {RTCPeerConnection | undefined} */
  let pc
  /** @type {AudioContext | undefined} */
  let ctx
  /** @type {MediaStreamAudioDestinationNode | undefined} */
  let dest
  let cfg = { hostAddresses: ['127.0.0.1'], trickle: true, audio: 'sendrecv', codecs: undefined, dtmf: true, maxRecordSamples: 48000 * 300 }
  const players = new Map()
  const recorders = []
  const watchedTransports = new WeakSet()
  let closed = false
  /** The sampler of watchArrivals(), when one runs. */
  let arrivalWatch
  /** The video part (page/video.js), created by init(). */
  let video
  /** Inbound tracks seen so far (audio and video): each track's index. */
  let tracksSeen = 0

  const sending = () => cfg.audio === 'sendrecv' || cfg.audio === 'sendonly'

  /** Whether a local candidate may leave the page: host candidates only on the configured addresses. */
  function allowed(candidate) {
    const parts = candidate.replace(/^a=/, '').split(/\s+/)
    const address = parts[4]
    const typIndex = parts.indexOf('typ')
    const type = typIndex >= 0 ? parts[typIndex + 1] : undefined
    if (type !== 'host') return true
    return cfg.hostAddresses.includes(address)
  }

  function codecPreferences() {
    if (!cfg.codecs || typeof RTCRtpReceiver.getCapabilities !== 'function') return undefined
    const caps = RTCRtpReceiver.getCapabilities('audio')?.codecs ?? []
    const chosen = []
    for (const name of cfg.codecs) {
      for (const c of caps) if (c.mimeType.toLowerCase() === `audio/${String(name).toLowerCase()}`) chosen.push(c)
    }
    if (chosen.length === 0) {
      const have = [...new Set(caps.map((c) => c.mimeType.slice(6)))].join(', ')
      throw new Error(`none of the codecs [${cfg.codecs.join(', ')}] is supported by this Chromium (it has: ${have})`)
    }
    if (cfg.dtmf !== false) {
      const rates = new Set(chosen.map((c) => c.clockRate))
      for (const c of caps) if (c.mimeType.toLowerCase() === 'audio/telephone-event' && rates.has(c.clockRate)) chosen.push(c)
    }
    return chosen
  }

  function configureTransceiver(t) {
    const prefs = codecPreferences()
    if (prefs) t.setCodecPreferences(prefs)
  }

  function watchTransports() {
    if (!pc) return
    for (const t of pc.getTransceivers()) {
      const transport = t.sender.transport
      if (!transport || watchedTransports.has(transport)) continue
      watchedTransports.add(transport)
      emit('state', { key: 'dtls', state: transport.state })
      transport.addEventListener('statechange', () => emit('state', { key: 'dtls', state: transport.state }))
      transport.addEventListener('error', (e) => emit('error', { message: `DTLS transport error: ${e?.error?.message ?? 'unknown'}` }))
    }
  }

  /** Gathering rounds completed so far (an ICE restart starts a new round on the same connection). */
  let gatheringRounds = 0
  const ufragOf = (sdp) => /^a=ice-ufrag:(\S+)/m.exec(sdp ?? '')?.[1]

  /**
   * Waits until ICE gathering is complete. After an ICE restart the state is still 'complete' (from the previous
   * round) when setLocalDescription resolves and only then turns to 'gathering': `afterRound` makes the wait
   * last until a round later than that one completed, so the description carries the new candidates.
   */
  async function waitGathering(timeoutMs, afterRound) {
    const done = () => pc.iceGatheringState === 'complete' && (afterRound === undefined || gatheringRounds > afterRound)
    if (!pc || done()) return
    await new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pc.removeEventListener('icegatheringstatechange', check)
        reject(new Error(`ICE gathering did not complete within ${timeoutMs} ms (state ${pc.iceGatheringState})`))
      }, timeoutMs)
      const check = () => {
        if (!done()) return
        clearTimeout(timer)
        pc.removeEventListener('icegatheringstatechange', check)
        resolve()
      }
      pc.addEventListener('icegatheringstatechange', check)
    })
  }

  /**
   * Applies a local description. Returns the gathering round its candidates belong to when it starts a new
   * one (new ICE credentials: the first description or an ICE restart), else undefined.
   */
  async function setLocal(description) {
    const before = ufragOf(pc.localDescription?.sdp)
    const round = gatheringRounds
    await pc.setLocalDescription(description)
    return ufragOf(pc.localDescription?.sdp) !== before ? round : undefined
  }

  async function localDescription(afterRound) {
    if (!cfg.trickle) await waitGathering(cfg.gatheringTimeoutMs ?? 10000, afterRound)
    const desc = pc.localDescription
    const lines = desc.sdp.split('\r\n').filter((line) => {
      if (line.startsWith('a=candidate:')) return !cfg.trickle && allowed(line)
      if (line === 'a=end-of-candidates') return !cfg.trickle
      return true
    })
    return { type: desc.type, sdp: lines.join('\r\n') }
  }

  function videoCodecPreferences() {
    if (!cfg.videoCodecs) return undefined
    const caps = RTCRtpReceiver.getCapabilities('video')?.codecs ?? []
    const chosen = caps.filter((c) => cfg.videoCodecs.some((n) => c.mimeType.toLowerCase() === `video/${n}`.toLowerCase()))
    if (chosen.length === 0) throw new Error(`none of the video codecs [${cfg.videoCodecs.join(', ')}] is supported by this Chromium`)
    return [...chosen, ...caps.filter((c) => c.mimeType.toLowerCase() === 'video/rtx')]
  }

  /** Before an offer: a transceiver for every video sender, and one for the `video` direction when none sends. */
  async function ensureVideoTransceivers() {
    for (const s of video.senders()) if (!s.transceiver && !s.stopped) await video.attach(pc, s)
    const ours = pc.getTransceivers().filter((t) => t.receiver.track.kind === 'video' && !t.stopped)
    if (cfg.video && ours.length === 0) {
      const t = pc.addTransceiver('video', { direction: cfg.video })
      const prefs = videoCodecPreferences()
      if (prefs) t.setCodecPreferences(prefs)
    } else if (cfg.video === 'sendrecv') for (const t of ours) if (t.direction === 'sendonly') t.direction = 'sendrecv'
  }

  /** After a remote offer: each video sender takes a video transceiver the offer created. */
  async function applyVideoToOffer() {
    const free = pc.getTransceivers().filter((t) => t.receiver.track.kind === 'video' && !t.stopped && !t.sender.track && t.mid !== null)
    for (const s of video.senders()) {
      if (s.transceiver || s.stopped) continue
      const t = free.shift()
      if (!t) throw new Error('sendVideo: the remote offer has no video section this peer can send in')
      await video.attach(pc, s, t)
    }
    for (const t of pc.getTransceivers()) {
      if (t.receiver.track.kind !== 'video' || t.stopped || t.sender.track) continue
      if (cfg.video === false) t.direction = 'inactive'
      const prefs = videoCodecPreferences()
      if (prefs) t.setCodecPreferences(prefs)
    }
  }

  async function applyVideoParameters() {
    for (const s of video.senders()) {
      if (!s.transceiver || s.stopped) continue
      try {
        await video.applyParameters(s)
      } catch (e) {
        emit('error', { message: `sendVideo ${s.id}: could not apply the sender's parameters: ${e?.message ?? e}` })
      }
    }
  }

  function startVideo() {
    for (const s of video.senders()) if (s.transceiver) video.start(s)
  }

  function ensureAudioTransceiver() {
    if (cfg.audio === false) return
    if (pc.getTransceivers().some((t) => t.receiver.track.kind === 'audio')) return
    const track = dest.stream.getAudioTracks()[0]
    const t = sending() ? pc.addTransceiver(track, { direction: cfg.audio, streams: [dest.stream] }) : pc.addTransceiver('audio', { direction: cfg.audio })
    configureTransceiver(t)
  }

  async function applyAnswerDirection() {
    for (const t of pc.getTransceivers()) {
      if (t.receiver.track.kind !== 'audio' || t.stopped) continue
      t.direction = cfg.audio === false ? 'inactive' : cfg.audio
      if (sending()) {
        await t.sender.replaceTrack(dest.stream.getAudioTracks()[0])
        if (typeof t.sender.setStreams === 'function') t.sender.setStreams(dest.stream)
      }
      configureTransceiver(t)
    }
  }

  // ---- audio out: chunks pulled from rtcspec's server, scheduled back to back (gapless) ----
  async function pump(player) {
    if (player.busy || player.stopped || player.ended || closed) return
    player.busy = true
    try {
      for (let i = 0; i < 8 && !player.ended && !player.stopped; i++) {
        if (player.nextTime - ctx.currentTime > player.aheadSec) break
        const res = await fetch(`${player.url}?n=${player.seq++}`, { cache: 'no-store' })
        if (res.status === 204) {
          player.ended = true
          emit('audio-ended', { id: player.id })
          break
        }
        if (!res.ok) throw new Error(`audio chunk ${player.seq - 1}: HTTP ${res.status}`)
        const bytes = await res.arrayBuffer()
        const view = new DataView(bytes)
        const rate = view.getUint32(0, true)
        const n = (bytes.byteLength - 4) >> 1
        if (n === 0) continue
        const buffer = ctx.createBuffer(1, n, rate)
        const ch = buffer.getChannelData(0)
        for (let k = 0; k < n; k++) ch[k] = view.getInt16(4 + 2 * k, true) / 32768
        const src = ctx.createBufferSource()
        src.buffer = buffer
        src.connect(dest)
        if (player.nextTime < ctx.currentTime + 0.01) {
          if (player.started) player.underruns++
          player.nextTime = ctx.currentTime + 0.05
        }
        player.started = true
        src.start(player.nextTime)
        player.nextTime += n / rate
        player.sources.add(src)
        src.onended = () => player.sources.delete(src)
      }
    } catch (e) {
      emit('error', { message: `sendAudio ${player.id}: ${e?.message ?? e}` })
      player.stopped = true
    } finally {
      player.busy = false
    }
  }

  function startPlayers() {
    for (const p of players.values()) {
      if (p.timer || p.stopped) continue
      p.timer = setInterval(() => pump(p), 100)
      void pump(p)
    }
  }

  function stopPlayer(p) {
    p.stopped = true
    if (p.timer) clearInterval(p.timer)
    for (const s of p.sources) {
      try {
        s.stop()
      } catch {}
    }
    p.sources.clear()
  }

  // ---- audio in: every remote audio track recorded as PCM16 by an AudioWorklet ----
  function recordTrack(_track, stream, index) {
    // Chromium only feeds remote WebRTC audio into WebAudio when the stream also plays in a media element.
    const el = new Audio()
    el.muted = true
    el.srcObject = stream
    el.play().catch(() => {})
    const rec = { index, el, chunks: [], samples: 0, dropped: 0, node: undefined }
    const source = ctx.createMediaStreamSource(stream)
    const node = new AudioWorkletNode(ctx, 'rtcspec-recorder', { numberOfInputs: 1, numberOfOutputs: 1, outputChannelCount: [1] })
    node.port.onmessage = (ev) => {
      const chunk = ev.data
      if (rec.samples + chunk.length > cfg.maxRecordSamples) {
        rec.dropped += chunk.length
        return
      }
      rec.chunks.push(chunk)
      rec.samples += chunk.length
    }
    source.connect(node)
    node.connect(ctx.destination)
    rec.node = node
    rec.source = source
    recorders.push(rec)
  }

  function toBase64(int16Chunks) {
    let total = 0
    for (const c of int16Chunks) total += c.byteLength
    const bytes = new Uint8Array(total)
    let off = 0
    for (const c of int16Chunks) {
      bytes.set(new Uint8Array(c.buffer, c.byteOffset, c.byteLength), off)
      off += c.byteLength
    }
    let s = ''
    for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000))
    return btoa(s)
  }

  const STAT_TYPES = new Set(['inbound-rtp', 'outbound-rtp', 'codec', 'candidate-pair', 'local-candidate', 'remote-candidate', 'transport'])

  window.rtcspec = {
    async init(config) {
      cfg = { ...cfg, ...config }
      codecPreferences() // fails early on codecs this browser does not have
      video = window.rtcspecVideo(emit, cfg.frameCode)
      videoCodecPreferences()
      ctx = new AudioContext({ sampleRate: 48000 })
      await ctx.audioWorklet.addModule('/recorder-worklet.js')
      dest = ctx.createMediaStreamDestination()
      await ctx.resume()
      pc = new RTCPeerConnection({ iceServers: cfg.iceServers ?? [], iceTransportPolicy: cfg.relayOnly ? 'relay' : 'all' })
      pc.addEventListener('icecandidate', (e) => {
        if (!e.candidate?.candidate) {
          if (!e.candidate) emit('candidate', { end: true })
          return
        }
        const c = e.candidate
        if (!allowed(c.candidate)) {
          emit('filtered', { candidate: c.candidate })
          return
        }
        emit('candidate', { candidate: c.candidate, sdpMid: c.sdpMid, sdpMLineIndex: c.sdpMLineIndex, usernameFragment: c.usernameFragment })
      })
      pc.addEventListener('icecandidateerror', (e) => {
        const text = String(e.errorText ?? '').replace(/\.$/, '')
        emit('ice-error', { message: `ICE candidate error ${e.errorCode} ${text} (${e.url ?? e.address ?? ''})` })
      })
      pc.addEventListener('iceconnectionstatechange', () => emit('state', { key: 'ice', state: pc.iceConnectionState }))
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') gatheringRounds++
        emit('state', { key: 'gathering', state: pc.iceGatheringState })
      })
      pc.addEventListener('signalingstatechange', () => emit('state', { key: 'signaling', state: pc.signalingState }))
      pc.addEventListener('connectionstatechange', () => {
        emit('state', { key: 'connection', state: pc.connectionState })
        if (pc.connectionState === 'connected') {
          startPlayers()
          startVideo()
        }
      })
      pc.addEventListener('track', (e) => {
        const index = tracksSeen++
        const stream = e.streams[0] ?? new MediaStream([e.track])
        if (e.track.kind === 'audio') recordTrack(e.track, stream, index)
        else if (e.track.kind === 'video') video.render(e.track, index, cfg.maxRenderedFrames ?? 18000, cfg.recordVideo ? cfg.maxVideoRecordBytes : 0)
        emit('track', { index, kind: e.track.kind, mid: e.transceiver?.mid ?? null, trackId: e.track.id, atMs: performance.timeOrigin + performance.now() })
      })
      return { sampleRate: ctx.sampleRate, userAgent: navigator.userAgent, audioState: ctx.state }
    },
    async createOffer(options) {
      ensureAudioTransceiver()
      await ensureVideoTransceivers()
      const offer = await pc.createOffer(options?.iceRestart ? { iceRestart: true } : {})
      const round = await setLocal(offer)
      watchTransports()
      return localDescription(round)
    },
    async acceptOffer(sdp) {
      await pc.setRemoteDescription({ type: 'offer', sdp })
      await applyAnswerDirection()
      await applyVideoToOffer()
      const answer = await pc.createAnswer()
      const round = await setLocal(answer)
      watchTransports()
      await applyVideoParameters()
      return localDescription(round)
    },
    async acceptAnswer(sdp) {
      await pc.setRemoteDescription({ type: 'answer', sdp })
      watchTransports()
      await applyVideoParameters()
    },
    async addCandidate(c) {
      if (c === null) await pc.addIceCandidate()
      else await pc.addIceCandidate(c)
    },
    sendAudio(id, url) {
      const p = {
        id,
        url,
        seq: 0,
        nextTime: 0,
        aheadSec: 0.6,
        busy: false,
        ended: false,
        stopped: false,
        started: false,
        underruns: 0,
        sources: new Set(),
        timer: undefined,
      }
      players.set(id, p)
      if (pc.connectionState === 'connected') startPlayers()
    },
    /**
     * Starts a pattern sender (see page/video.js). Before the offer/answer its transceiver is added then; on a
     * negotiated connection it takes a video transceiver that may send and has no track (no renegotiation).
     */
    async sendVideo(id, opts) {
      const s = video.create(id, opts)
      if (pc.remoteDescription && pc.localDescription) {
        const t = pc
          .getTransceivers()
          .find(
            (x) =>
              x.receiver.track.kind === 'video' && !x.stopped && !x.sender.track && (x.currentDirection === 'sendrecv' || x.currentDirection === 'sendonly'),
          )
        if (!t) {
          video.stop(s)
          throw new Error('no negotiated video transceiver can send: call sendVideo before the offer/answer, or create the peer with video: "sendrecv"')
        }
        await video.attach(pc, s, t)
        await video.applyParameters(s)
      }
      if (pc.connectionState === 'connected') startVideo()
    },
    /** Changes a pattern sender: `mode` (moving, slide, frozen) and/or picture size from its next frame. */
    updateVideo(id, change) {
      const s = video.sender(id)
      if (!s) throw new Error(`no video sender ${id}`)
      if (change.mode) video.setMode(s, change.mode)
      if (change.width && change.height) video.setSize(s, change.width, change.height)
      // the change shows from the next frame drawn: its index, and when (wall clock, ms)
      return { index: s.index, atMs: performance.timeOrigin + performance.now() }
    },
    stopVideo(id) {
      const s = video.sender(id)
      if (s) video.stop(s)
    },
    stopAudio(id) {
      const p = players.get(id)
      if (p) stopPlayer(p)
    },
    async sendDtmf(tones, durationMs, gapMs, timeoutMs) {
      const t = pc.getTransceivers().find((x) => x.receiver.track.kind === 'audio' && x.sender.dtmf)
      const dtmf = t?.sender.dtmf
      if (!dtmf) throw new Error('no audio sender with DTMF on this connection (is audio negotiated for sending?)')
      if (!dtmf.canInsertDTMF) throw new Error('DTMF cannot be sent: telephone-event was not negotiated or the sender is not connected')
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`DTMF "${tones}" not finished within ${timeoutMs} ms`)), timeoutMs)
        dtmf.addEventListener('tonechange', function done(e) {
          if (e.tone !== '') return
          clearTimeout(timer)
          dtmf.removeEventListener('tonechange', done)
          resolve()
        })
        dtmf.insertDTMF(tones, durationMs, gapMs)
      })
    },
    /**
     * Starts sampling each inbound audio stream's packetsReceived and lastPacketReceivedTimestamp every
     * `intervalMs` for at most `maxMs` (a page cannot hand out its packets: these samples bound the longest
     * interval without RTP, e.g. across an ICE restart). takeArrivals() stops it and returns the samples.
     */
    watchArrivals(intervalMs, maxMs) {
      if (arrivalWatch) clearInterval(arrivalWatch.timer)
      const w = { samples: [], busy: false, started: performance.now(), timer: undefined }
      const tick = async () => {
        if (w.busy || !pc || pc.signalingState === 'closed') return
        if (performance.now() - w.started > maxMs) return clearInterval(w.timer)
        w.busy = true
        try {
          const report = await pc.getStats()
          report.forEach((v) => {
            if (v.type !== 'inbound-rtp' || v.kind !== 'audio') return
            w.samples.push({ mid: v.mid ?? null, packetsReceived: v.packetsReceived ?? 0, lastPacketMs: v.lastPacketReceivedTimestamp ?? null })
          })
        } catch (e) {
          emit('error', { message: `watchArrivals: ${e?.message ?? e}` })
        } finally {
          w.busy = false
        }
      }
      w.timer = setInterval(tick, intervalMs)
      arrivalWatch = w
      void tick()
    },
    /**
     * Stops the sampler of watchArrivals() and returns its samples, once a sample shows at least `minPackets`
     * received on every sampled stream (or after `waitMs`): so the samples cover packets Node already counted.
     */
    async takeArrivals(minPackets, waitMs) {
      const w = arrivalWatch
      if (!w) return []
      const covered = () => {
        const last = new Map()
        for (const x of w.samples) last.set(x.mid, x.packetsReceived)
        return last.size > 0 && [...last.values()].every((n) => n >= minPackets)
      }
      const deadline = performance.now() + waitMs
      while (!covered() && performance.now() < deadline && arrivalWatch === w) await new Promise((r) => setTimeout(r, 10))
      if (arrivalWatch === w) arrivalWatch = undefined
      clearInterval(w.timer)
      return w.samples
    },
    /** Everything Node needs in one round trip: filtered getStats, new recorded audio, sender counters. */
    async poll() {
      const stats = []
      if (pc && pc.signalingState !== 'closed') {
        const report = await pc.getStats()
        report.forEach((v) => {
          if (STAT_TYPES.has(v.type)) stats.push(v)
        })
      }
      const audio = recorders.map((r) => {
        const chunks = r.chunks
        r.chunks = []
        return { index: r.index, b64: chunks.length ? toBase64(chunks) : '', dropped: r.dropped }
      })
      const senders = [...players.values()].map((p) => ({ id: p.id, underruns: p.underruns, ended: p.ended, started: p.started }))
      const videoSenders = (video?.senders() ?? []).map((s) => ({
        id: s.id,
        mid: s.transceiver?.mid ?? null,
        framesDrawn: s.framesDrawn,
        lateFrames: s.lateFrames,
        nextIndex: s.index,
        width: s.width,
        height: s.height,
        mode: s.mode,
        started: s.started,
      }))
      const videoRecordings = (video?.takeRecordings() ?? []).map((x) => ({
        index: x.index,
        b64: x.chunks.length ? toBase64(x.chunks) : '',
        mimeType: x.mimeType,
        droppedBytes: x.droppedBytes,
      }))
      return { stats, audio, senders, video: video?.take() ?? [], videoSenders, videoRecordings, audioState: ctx?.state, sampleRate: ctx?.sampleRate }
    },
    /** Starts recording inbound video track `index` (MediaRecorder, WebM) from now; false when there is no such track. */
    recordVideo(index, maxBytes) {
      return video?.record(index, maxBytes) ?? false
    },
    /** Has every video recorder hand over what it holds, so the next poll() carries it. */
    async flushVideoRecordings(timeoutMs) {
      await video?.flushRecorders(timeoutMs)
    },
    async close() {
      if (closed) return
      closed = true
      for (const p of players.values()) stopPlayer(p)
      video?.close()
      for (const r of recorders) {
        try {
          r.node.port.postMessage('stop')
          r.source.disconnect()
          r.node.disconnect()
          r.el.srcObject = null
        } catch {}
      }
      try {
        pc?.close()
      } catch {}
      try {
        await ctx?.close()
      } catch {}
    },
  }
})()
