import { describe, expect, it } from 'vitest'
import { RTCRtpCodecParameters } from 'werift'
import { weriftCodecName, weriftCodecNameOriginal } from '../../../src/patches/werift/codec-name.ts'
import { installWeriftPatches } from '../../../src/patches/werift/index.ts'

describe('werift/codec-name', () => {
  it('is installed on the werift it was written for', () => {
    installWeriftPatches()
    expect(weriftCodecName()).toBe('installed')
    expect(Object.getOwnPropertyDescriptor(RTCRtpCodecParameters.prototype, 'name')?.get).not.toBe(weriftCodecNameOriginal)
  })

  it.each(['audio/PCMU', 'audio/telephone-event', 'video/H264', 'video/rtx', 'audio', '', 'a/b/c'])(
    'returns what werift returns for %j, read after read',
    (mimeType) => {
      installWeriftPatches()
      const c = new RTCRtpCodecParameters({ mimeType, clockRate: 8000 })
      const original = weriftCodecNameOriginal!.call(c)
      expect(c.name).toBe(original)
      expect(c.name).toBe(original)
    },
  )

  it('follows a changed mimeType, leaves copies and JSON of the codec alone, and throws like werift without one', () => {
    installWeriftPatches()
    const c = new RTCRtpCodecParameters({ mimeType: 'audio/PCMU', clockRate: 8000 })
    expect(c.name).toBe('PCMU')
    c.mimeType = 'audio/opus'
    expect(c.name).toBe('opus')
    expect(Object.keys(c)).not.toContain('name')
    expect(Object.getOwnPropertySymbols({ ...c })).toEqual([])
    expect(JSON.parse(JSON.stringify(c))).toEqual(JSON.parse(JSON.stringify(new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 8000 }))))
    const bare = new RTCRtpCodecParameters({ clockRate: 8000 } as never)
    expect(() => weriftCodecNameOriginal!.call(bare)).toThrow(TypeError)
    expect(() => bare.name).toThrow(TypeError)
  })
})
