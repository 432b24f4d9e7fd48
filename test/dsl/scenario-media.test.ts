import { describe, it, expect } from 'vitest'
import { parseScenario, runScenario } from '../../src/dsl/scenario.ts'

describe('scenario media sources: speech fixtures, WAV files, in-band DTMF; Opus', () => {
  it('accepts the new sources and names what is wrong with bad ones', () => {
    const s = parseScenario({ peers: { alice: { send: { speech: 'speech-en-2', loop: true } }, bob: { send: { dtmf: '12#', gapMs: 80 } } }, codec: 'opus' })
    expect(s.peers.alice?.send).toEqual({ speech: 'speech-en-2', loop: true })
    expect(parseScenario({ peers: { a: { send: { wav: 'x.wav' } }, b: {} } }).peers.a?.send).toEqual({ wav: 'x.wav' })
    expect(() => parseScenario({ peers: { a: { send: { speech: 'speech-fr-1' } }, b: {} } })).toThrow(/peers\.a\.send/)
    expect(() => parseScenario({ peers: { a: { send: { dtmf: '12x' } }, b: {} } })).toThrow(/peers\.a\.send/)
  })

  it('runs an Opus call with speech one way and in-band DTMF the other', async () => {
    await runScenario('opus speech + dtmf', {
      peers: { alice: { send: { speech: 'speech-en-1' } }, bob: { send: { dtmf: '159#' } } },
      codec: 'opus',
      duration: '1s',
      expect: { 'bob.audio.in': { packetsAtLeast: 40, codec: 'opus' }, 'alice.audio.in': { packetsAtLeast: 40, codec: 'opus' } },
    })
  })

  it('fails the run with the file name when a WAV cannot be read', async () => {
    await expect(runScenario('missing wav', { peers: { alice: { send: { wav: '/nonexistent/voice.wav' } }, bob: {} }, duration: '300ms' })).rejects.toThrow(
      /\/nonexistent\/voice\.wav/,
    )
  })
})
