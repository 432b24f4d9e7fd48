import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import { ParseError } from '../../src/errors.ts'
import { parseSdp, safeParseSdp, serializeSdp } from '../../src/sdp/index.ts'
import { sessionDescription } from './arbitraries.ts'
import { corpusFiles, load } from './corpus.ts'

const seed = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31)
const params = { seed, numRuns: 300 }
console.log(`sdp property tests: fast-check seed ${seed} (set FC_SEED to replay)`)

/** Parse, and require success or a ParseError (anything else is a bug). Returns whether it parsed. */
function parsesOrParseError(text: string): boolean {
  try {
    const desc = parseSdp(text)
    expect(serializeSdp(desc)).toBe(text)
    return true
  } catch (e) {
    if (!(e instanceof ParseError)) throw e
    expect(e.reason.length).toBeGreaterThan(0)
    return false
  }
}

describe('generated valid SDPs', () => {
  it('serialize → parse gives the same model back, and the same text again', () => {
    fc.assert(
      fc.property(sessionDescription, (model) => {
        const text = serializeSdp(model)
        const parsed = parseSdp(text)
        expect(parsed).toEqual(model)
        expect(serializeSdp(parsed)).toBe(text)
      }),
      params,
    )
  })

  it('stay round-trip exact and stable under whitespace and line-ending mangling', () => {
    const mangled = fc
      .tuple(sessionDescription, fc.array(fc.tuple(fc.nat(), fc.constantFrom(' ', '\t', '  ', '\r\n', '\n')), { maxLength: 8 }))
      .map(([model, edits]) => {
        const lines = serializeSdp(model).split(/(?<=\n)/)
        for (const [at, ws] of edits) {
          const i = at % lines.length
          const line = lines[i] ?? ''
          const body = line.replace(/\r?\n$/, '')
          const eol = line.slice(body.length)
          // append whitespace at the end of a line, or switch its terminator
          lines[i] = ws.includes('\n') ? body + (eol === '' ? '' : ws) : body + ws + eol
        }
        return lines.join('')
      })
    fc.assert(
      fc.property(mangled, (text) => {
        const r = safeParseSdp(text)
        if (!r.ok) {
          // Trailing whitespace on any line is tolerated. The only way mangling can make the text invalid is
          // whitespace appended to a blank trailing line, which yields a whitespace-only line.
          expect(text).toMatch(/(^|\n)[ \t]+(\r?\n|$)/)
          expect(r.error.reason).toMatch(/no '='/)
          return
        }
        expect(serializeSdp(r.value)).toBe(text)
        expect(parseSdp(serializeSdp(r.value))).toEqual(r.value)
      }),
      params,
    )
  })

  it('corpus files with one line deleted either parse (exactly) or fail with ParseError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...corpusFiles), fc.nat(), (file, at) => {
        const lines = load(file).split(/(?<=\n)/)
        lines.splice(at % lines.length, 1)
        parsesOrParseError(lines.join(''))
      }),
      params,
    )
  })
})

describe('arbitrary input never throws anything but ParseError and never hangs', () => {
  it('random strings (full unicode)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 500 }), (s) => {
        parsesOrParseError(s)
      }),
      { seed, numRuns: 1000 },
    )
  })

  it('SDP-looking line soup', () => {
    const line = fc.oneof(
      fc.constantFrom(
        'v=0',
        'o=- 1 1 IN IP4 127.0.0.1',
        's=-',
        't=0 0',
        'm=audio 9 RTP/AVP 0',
        'c=IN IP4 0.0.0.0',
        'a=rtpmap:0 PCMU/8000',
        'a=sendrecv',
        'b=AS:30',
        'a=',
        '=',
        'a=:',
        'm=',
        '',
      ),
      fc.tuple(fc.constantFrom(...'vosiuepcbtrzkamxV1 ='), fc.string({ maxLength: 30 })).map(([l, v]) => `${l}=${v}`),
      fc.string({ unit: 'grapheme', maxLength: 40 }),
    )
    fc.assert(
      fc.property(fc.array(line, { maxLength: 30 }), fc.constantFrom('\r\n', '\n', '\r'), (lines, eol) => {
        parsesOrParseError(lines.join(eol))
      }),
      { seed, numRuns: 1000 },
    )
  })

  it('valid prefixes followed by garbage', () => {
    fc.assert(
      fc.property(fc.constantFrom(...corpusFiles), fc.string({ unit: 'binary', maxLength: 200 }), fc.nat(), (file, junk, at) => {
        const text = load(file)
        const cut = at % (text.length + 1)
        parsesOrParseError(text.slice(0, cut) + junk + text.slice(cut))
      }),
      params,
    )
  })

  it('huge inputs parse in linear time', () => {
    const head = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n'
    const cases = [
      `${head}a=x-long:${'a'.repeat(2_000_000)}\r\n`,
      `${head}a=rtpmap:${'1'.repeat(1_000_000)} ${'x/'.repeat(500_000)}\r\n`,
      `${head}m=audio 9 RTP/AVP${' 0'.repeat(500_000)}\r\n`,
      `${head}a=fmtp:${' '.repeat(1_000_000)}x\r\n`,
      `${head}a=simulcast:send ${'~a,'.repeat(300_000)}b\r\n`,
      head + 'a=x\r\n'.repeat(200_000),
      `v=0${'\r'.repeat(1_000_000)}`,
      '\n'.repeat(1_000_000),
      'x'.repeat(2_000_000),
      `${head}a=${'-'.repeat(1_000_000)}:${':'.repeat(1_000_000)}\r\n`,
      `${head}c=IN IP4 ${' \t'.repeat(1_000_000)}\r\n`,
    ]
    for (const text of cases) {
      const start = performance.now()
      parsesOrParseError(text)
      expect(performance.now() - start, `input starting ${JSON.stringify(text.slice(0, 60))}`).toBeLessThan(3000)
    }
  })
})
