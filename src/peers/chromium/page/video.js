// rtcspec's in-page video: the pattern senders (a canvas drawn frame by frame, captured with
// captureStream(0) + requestFrame(), so every drawn frame is exactly one captured frame) and the renderers of
// inbound video (a <video> element whose requestVideoFrameCallback reads the frame code of every rendered frame).
// Plain browser JavaScript, served by rtcspec's page server and loaded before peer.js, which drives it.
'use strict'
;(() => {
  /** Side of the reading canvas: frames are scaled to it (the code's geometry is relative to the picture). */
  const READ_WIDTH = 192
  const READ_HEIGHT = 144

  /**
   * Creates the video part of the page. `emit(type, data)` reports to Node; `codeFns` are the source texts of
   * rtcspec's frame-code functions (`drawFrameCodeRgba`, `readFrameCodeRgba`), self-contained by design.
   */
  window.rtcspecVideo = (emit, codeFns) => {
    // biome-ignore lint/security/noGlobalEval: the frame-code functions come from rtcspec itself, as source text
    const drawCode = (0, eval)(`(${codeFns.draw})`)
    // biome-ignore lint/security/noGlobalEval: as above
    const readCode = (0, eval)(`(${codeFns.read})`)
    const senders = new Map()
    const renderers = []
    const wallMs = () => performance.timeOrigin + performance.now()

    /** Draws the moving test pattern (or the slide: the same picture every frame) for frame `n`. */
    function drawPattern(s, n) {
      const { g, width: w, height: h } = s
      const t = s.mode === 'slide' ? 0 : n
      const bars = ['#c0c0c0', '#c0c000', '#00c0c0', '#00c000', '#c000c0', '#c00000', '#0000c0']
      const bw = w / bars.length
      for (let i = 0; i < bars.length; i++) {
        g.fillStyle = bars[i]
        g.fillRect(Math.floor(i * bw), 0, Math.ceil(bw), h)
      }
      // a box that moves one step per frame, and a sweeping line: motion the encoder must carry
      const size = Math.max(8, Math.round(h / 6))
      const span = Math.max(1, w - size)
      const x = Math.round((t * Math.max(2, w / 90)) % (2 * span))
      g.fillStyle = '#ffffff'
      g.fillRect(x < span ? x : 2 * span - x, Math.round(h * 0.55), size, size)
      g.fillStyle = '#101010'
      g.fillRect(0, Math.round(h * 0.4 + ((t * 3) % Math.round(h * 0.6))), w, Math.max(2, Math.round(h / 60)))
      // the frame code (index and real capture time), black and white cells over the top third
      const value = { index: n, captureMs: Math.floor(wallMs()) % 4294967296 }
      const bandRows = Math.min(h, Math.ceil(h * 0.35) + 1)
      if (!s.band || s.band.width !== w || s.band.height !== bandRows) s.band = g.createImageData(w, bandRows)
      drawCode(s.band.data, w, h, value)
      const x0 = Math.round(0.02 * w)
      const y0 = Math.round(0.02 * h)
      g.putImageData(s.band, 0, 0, x0, y0, Math.round(0.98 * w) - x0, Math.round(0.34 * h) - y0)
      return value
    }

    /** One frame of a sender: draw, capture, schedule the next one on the frame clock (no drift). */
    function tick(s) {
      s.timer = undefined
      if (s.stopped) return
      const now = performance.now()
      if (s.mode !== 'frozen') {
        if (s.pendingSize) {
          s.canvas.width = s.width = s.pendingSize.width
          s.canvas.height = s.height = s.pendingSize.height
          s.pendingSize = undefined
        }
        const value = drawPattern(s, s.index)
        s.track.requestFrame()
        if (s.firstMs === undefined) s.firstMs = value.captureMs
        s.lastCode = value
        s.index++
        s.framesDrawn++
      }
      s.frame++
      let next = s.startMs + (s.frame * 1000) / s.fps
      if (next < now - 1000 / s.fps) {
        // the page was busy for more than a frame: skip the missed slots instead of bursting them
        const missed = Math.floor((now - next) / (1000 / s.fps))
        s.lateFrames += missed
        s.frame += missed
        next = s.startMs + (s.frame * 1000) / s.fps
      }
      s.timer = setTimeout(() => tick(s), Math.max(0, next - performance.now()))
    }

    function videoCodecPreferences(codec) {
      if (!codec) return undefined
      const caps = RTCRtpReceiver.getCapabilities('video')?.codecs ?? []
      const mime = `video/${codec}`.toLowerCase()
      let chosen = caps.filter((c) => c.mimeType.toLowerCase() === mime)
      if (codec === 'H264') {
        // packetization-mode 1 first, constrained baseline (42e01f) first among those: what RTP receivers expect
        const rank = (c) => (/packetization-mode=1/.test(c.sdpFmtpLine ?? '') ? 0 : 2) + (/profile-level-id=42e0/.test(c.sdpFmtpLine ?? '') ? 0 : 1)
        chosen = chosen.sort((a, b) => rank(a) - rank(b))
      }
      if (chosen.length === 0) {
        const have = [...new Set(caps.map((c) => c.mimeType.slice(6)))].join(', ')
        throw new Error(`video codec ${codec} is not supported by this Chromium (it has: ${have})`)
      }
      return [...chosen, ...caps.filter((c) => c.mimeType.toLowerCase() === 'video/rtx')]
    }

    /**
     * Records an inbound video track with MediaRecorder (WebM, VP8 or VP9: the first this browser records) into
     * chunks Node takes at each poll; once `maxBytes` were kept, later data is counted in `droppedBytes`, not kept.
     * Chunks are appended in the order the recorder emitted them (each one's bytes are read in turn).
     */
    function startRecorder(r, track, maxBytes) {
      if (r.rec || typeof MediaRecorder !== 'function') return
      const mimeType = ['video/webm;codecs=vp8', 'video/webm;codecs=vp9', 'video/webm'].find((m) => MediaRecorder.isTypeSupported(m))
      if (!mimeType) {
        emit('error', { message: 'this Chromium cannot record video with MediaRecorder (no WebM type supported)' })
        return
      }
      const rec = { mimeType, chunks: [], keptBytes: 0, droppedBytes: 0, queue: Promise.resolve(), recorder: undefined, requested: undefined }
      const recorder = new MediaRecorder(new MediaStream([track]), { mimeType })
      recorder.ondataavailable = (e) => {
        const blob = e.data
        rec.queue = rec.queue.then(async () => {
          if (!blob || blob.size === 0) return
          if (rec.keptBytes + blob.size > maxBytes) {
            rec.droppedBytes += blob.size
            return
          }
          rec.chunks.push(new Uint8Array(await blob.arrayBuffer()))
          rec.keptBytes += blob.size
        })
      }
      recorder.onerror = (e) => emit('error', { message: `recording inbound video failed: ${e?.error?.message ?? 'MediaRecorder error'}` })
      recorder.start(1000)
      rec.recorder = recorder
      r.rec = rec
    }

    /** Makes every running recorder hand over what it holds; resolves once those bytes are in its chunks. */
    async function flushRecorders(timeoutMs) {
      const waits = renderers
        .filter((r) => r.rec && r.rec.recorder.state === 'recording')
        .map(
          (r) =>
            new Promise((resolve) => {
              const rec = r.rec
              const timer = setTimeout(resolve, timeoutMs)
              rec.recorder.addEventListener(
                'dataavailable',
                () => {
                  clearTimeout(timer)
                  // the handler above queued the bytes: wait for them to be read
                  rec.queue.then(resolve, resolve)
                },
                { once: true },
              )
              rec.recorder.requestData()
            }),
        )
      await Promise.all(waits)
    }

    /** A rendered-frame reader for one inbound video track (and its recorder when `recordBytes` > 0). */
    function render(track, index, maxFrames, recordBytes) {
      const el = document.createElement('video')
      el.muted = true
      el.autoplay = true
      el.playsInline = true
      el.srcObject = new MediaStream([track])
      document.body.appendChild(el)
      el.play().catch(() => {})
      const canvas = document.createElement('canvas')
      canvas.width = READ_WIDTH
      canvas.height = READ_HEIGHT
      const g = canvas.getContext('2d', { willReadFrequently: true, alpha: false })
      const r = { index, el, frames: [], taken: 0, dropped: 0, total: 0, replaced: 0, handle: undefined, stopped: false }
      const onFrame = (_now, md) => {
        if (r.stopped) return
        let code
        let picture
        try {
          // The element's current picture is the presented one, unless a newer frame replaced it since (a busy
          // page): then the code read would belong to another frame than this metadata, so none is recorded.
          let readable = true
          if (typeof VideoFrame === 'function') {
            try {
              picture = new VideoFrame(el)
            } catch {
              readable = false // the element has no picture to hand out (yet)
            }
          }
          const same = picture === undefined || typeof md.mediaTime !== 'number' || Math.abs(picture.timestamp - md.mediaTime * 1e6) <= 500
          if (readable && same) {
            g.drawImage(picture ?? el, 0, 0, READ_WIDTH, READ_HEIGHT)
            code = readCode(g.getImageData(0, 0, READ_WIDTH, READ_HEIGHT).data, READ_WIDTH, READ_HEIGHT)
          } else r.replaced++
        } catch (e) {
          emit('error', { message: `reading a rendered video frame failed: ${e?.message ?? e}` })
        } finally {
          picture?.close()
        }
        // compact rows: [presentedFrames, presentationTime, expectedDisplayTime, width, height, index, captureMs,
        // receiveTime, rtpTimestamp, wall-clock presentation time] (-1: not known)
        const row = [
          md.presentedFrames,
          md.presentationTime,
          md.expectedDisplayTime,
          md.width,
          md.height,
          code ? code.index : -1,
          code ? code.captureMs : -1,
          md.receiveTime ?? -1,
          md.rtpTimestamp ?? -1,
          performance.timeOrigin + md.presentationTime,
        ]
        r.total++
        // Node takes them every poll (and keeps the latest maxFrames): only a stalled poll fills this
        if (r.frames.length >= Math.min(4096, maxFrames)) r.dropped++
        else r.frames.push(row)
        r.handle = el.requestVideoFrameCallback(onFrame)
      }
      r.handle = el.requestVideoFrameCallback(onFrame)
      r.track = track
      if (recordBytes > 0) startRecorder(r, track, recordBytes)
      renderers.push(r)
      return r
    }

    return {
      /** Creates a sender's canvas and track (drawing starts with start()). */
      create(id, opts) {
        const canvas = document.createElement('canvas')
        canvas.width = opts.width
        canvas.height = opts.height
        const g = canvas.getContext('2d', { alpha: false })
        const stream = canvas.captureStream(0)
        const track = stream.getVideoTracks()[0]
        track.contentHint = 'motion'
        const s = {
          id,
          canvas,
          g,
          stream,
          track,
          width: opts.width,
          height: opts.height,
          fps: opts.fps,
          mode: opts.mode,
          codec: opts.codec,
          maxBitrateBps: opts.maxBitrateBps,
          degradation: opts.degradation,
          index: 0,
          frame: 0,
          framesDrawn: 0,
          lateFrames: 0,
          startMs: 0,
          firstMs: undefined,
          lastCode: undefined,
          pendingSize: undefined,
          timer: undefined,
          started: false,
          stopped: false,
          band: undefined,
          transceiver: undefined,
        }
        // black until the first frame: a picture with a code now would be captured as a second frame 0
        g.fillStyle = '#000000'
        g.fillRect(0, 0, opts.width, opts.height)
        senders.set(id, s)
        return s
      },
      sender: (id) => senders.get(id),
      senders: () => [...senders.values()],
      /** Adds a send transceiver for `s` on `pc`, or reuses `existing` (a transceiver from a remote offer). */
      async attach(pc, s, existing) {
        const encodings = s.maxBitrateBps ? [{ maxBitrate: s.maxBitrateBps }] : [{}]
        let t = existing
        if (t) {
          t.direction = t.direction === 'recvonly' || t.direction === 'sendrecv' ? 'sendrecv' : 'sendonly'
          await t.sender.replaceTrack(s.track)
          if (typeof t.sender.setStreams === 'function') t.sender.setStreams(s.stream)
        } else t = pc.addTransceiver(s.track, { direction: 'sendonly', streams: [s.stream], sendEncodings: encodings })
        const prefs = videoCodecPreferences(s.codec)
        if (prefs) t.setCodecPreferences(prefs)
        s.transceiver = t
      },
      /** Applies max bitrate and degradation preference once the sender has parameters (after negotiation). */
      async applyParameters(s) {
        const sender = s.transceiver?.sender
        if (!sender) return
        const p = sender.getParameters()
        if (!p.encodings || p.encodings.length === 0) return
        if (s.maxBitrateBps) p.encodings[0].maxBitrate = s.maxBitrateBps
        if (s.degradation) p.degradationPreference = s.degradation
        await sender.setParameters(p)
      },
      start(s) {
        if (s.started || s.stopped) return
        s.started = true
        s.startMs = performance.now()
        tick(s)
      },
      setMode(s, mode) {
        s.mode = mode
      },
      setSize(s, width, height) {
        s.pendingSize = { width, height }
      },
      stop(s) {
        s.stopped = true
        if (s.timer) clearTimeout(s.timer)
        s.track.stop()
      },
      render,
      /** Starts recording the inbound video track `index` from now (no-op when it already records). */
      record(index, maxBytes) {
        const r = renderers.find((x) => x.index === index)
        if (r && !r.stopped) startRecorder(r, r.track, maxBytes)
        return r?.rec !== undefined
      },
      flushRecorders,
      /** New recorded bytes since the last call, per recording renderer (the caller encodes them). */
      takeRecordings() {
        return renderers
          .filter((r) => r.rec)
          .map((r) => {
            const chunks = r.rec.chunks
            r.rec.chunks = []
            return { index: r.index, chunks, mimeType: r.rec.mimeType, droppedBytes: r.rec.droppedBytes }
          })
      },
      /** New rendered frames since the last call, per renderer. */
      take() {
        return renderers.map((r) => {
          const frames = r.frames
          r.frames = []
          r.taken += frames.length
          return { index: r.index, frames, dropped: r.dropped, total: r.total, replaced: r.replaced }
        })
      },
      close() {
        for (const s of senders.values()) this.stop(s)
        for (const r of renderers) {
          r.stopped = true
          try {
            if (r.rec && r.rec.recorder.state !== 'inactive') r.rec.recorder.stop()
          } catch {}
          try {
            r.el.cancelVideoFrameCallback(r.handle)
            r.el.srcObject = null
            r.el.remove()
          } catch {}
        }
      },
    }
  }
})()
