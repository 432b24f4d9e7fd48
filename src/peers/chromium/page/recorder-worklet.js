// rtcspec's recorder: an AudioWorklet that turns its mono input into PCM16 chunks of 50 ms
// (at 48 kHz) and posts them to the page. Served by rtcspec's page server; runs on the audio thread.
'use strict'

const CHUNK = 2400

class RtcspecRecorder extends AudioWorkletProcessor {
  constructor() {
    super()
    this.buf = new Int16Array(CHUNK)
    this.n = 0
    this.on = true
    this.port.onmessage = (e) => {
      if (e.data === 'stop') this.on = false
    }
  }

  push(s) {
    const v = s < -1 ? -1 : Math.min(s, 1)
    this.buf[this.n++] = v < 0 ? Math.round(v * 32768) : Math.round(v * 32767)
    if (this.n === CHUNK) {
      this.port.postMessage(this.buf, [this.buf.buffer])
      this.buf = new Int16Array(CHUNK)
      this.n = 0
    }
  }

  process(inputs) {
    if (!this.on) return false
    const ch = inputs[0]?.[0]
    // No channel means the input is silent right now: keep the timeline with zeros.
    if (ch) for (let i = 0; i < ch.length; i++) this.push(ch[i])
    else for (let i = 0; i < 128; i++) this.push(0)
    return true
  }
}

registerProcessor('rtcspec-recorder', RtcspecRecorder)
