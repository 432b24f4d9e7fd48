/** The normative-sentence extractor, on snippets shaped like RFC and Internet-Draft plain text. */
import { describe, expect, test } from 'vitest'
import { bcp14Keywords, dropPageBreaks, extractNormativeSentences, sentenceHash, splitSentences } from '../../../src/conformance/trace/extract.ts'

const DRAFT_PAGE_BREAK = [
  '4.3.  Playback session termination',
  '',
  '   To explicitly terminate a WHEP session, the WHEP player MUST perform',
  '   an HTTP DELETE request to the WHEP session URL returned in the',
  '',
  '',
  '',
  'Murillo, et al.         Expires 19 February 2026               [Page 17]',
  '\f',
  'Internet-Draft                    whep                       August 2025',
  '',
  '',
  '   Location header field of the initial HTTP POST.  Upon receiving the',
  '   HTTP DELETE request, the WHEP session will be removed.',
  '',
].join('\n')

describe('extractNormativeSentences', () => {
  test('joins a sentence broken by a page footer, form feed and running header', () => {
    const s = extractNormativeSentences(DRAFT_PAGE_BREAK, 'whep')
    expect(s).toHaveLength(1)
    expect(s[0]?.text).toBe(
      'To explicitly terminate a WHEP session, the WHEP player MUST perform an HTTP DELETE request to the WHEP session URL returned in the Location header field of the initial HTTP POST.',
    )
    expect(s[0]?.section).toBe('4.3')
    expect(s[0]?.sectionTitle).toBe('Playback session termination')
    expect(s[0]?.id).toBe(`whep-4.3-s1-${sentenceHash(s[0]?.text ?? '')}`)
  })

  test('a page break between paragraphs keeps them apart', () => {
    const text = [
      '4.1.  A',
      '',
      '   The server MUST answer.',
      '',
      'X, et al.   Expires 1 May 2026   [Page 3]',
      '\f',
      'Internet-Draft   whep   August 2025',
      '',
      '   A client MAY retry.',
      '',
    ].join('\n')
    expect(extractNormativeSentences(text, 'd').map((s) => s.text)).toEqual(['The server MUST answer.', 'A client MAY retry.'])
  })

  test('RFC page headers (RFC nnnn  TITLE  Month Year) are dropped too', () => {
    const lines = [
      '   the endpoint',
      'Garcia Murillo & Gouaillard  Standards Track                  [Page 9]',
      '\f',
      'RFC 9725                         WHIP                       March 2025',
      '',
      '   MUST reject it.',
    ]
    expect(dropPageBreaks(lines)).toEqual(['   the endpoint', '   MUST reject it.'])
  })

  test('"MUST NOT" is one keyword, not MUST; "NOT RECOMMENDED" is not RECOMMENDED; lowercase words are not keywords', () => {
    expect(bcp14Keywords('it MUST NOT include an ETag')).toEqual(['MUST NOT'])
    expect(bcp14Keywords('this method is NOT RECOMMENDED, and it SHOULD wait')).toEqual(['NOT RECOMMENDED', 'SHOULD'])
    expect(bcp14Keywords('it MUST return 204 and MUST NOT include an ETag')).toEqual(['MUST', 'MUST NOT'])
    expect(bcp14Keywords('the client must and may and should')).toEqual([])
    expect(bcp14Keywords('COULD, MAYBE, MUSTARD')).toEqual([])
  })

  test('each bullet item is a sentence of its own; the lead-in without a keyword is left out', () => {
    const text = [
      '4.2.5.  Media Direction Attributes',
      '',
      '   As the protocol only supports playback:',
      '',
      '   *  When a player sends an offer, it SHOULD use "recvonly".',
      '',
      '   *  When an endpoint answers, it MUST use "sendonly"',
      '      attribute in the SDP answer.',
      '',
    ].join('\n')
    const s = extractNormativeSentences(text, 'whep')
    expect(s.map((x) => [x.id.replace(/-[0-9a-f]{6}$/, ''), x.levels, x.text])).toEqual([
      ['whep-4.2.5-s1', ['SHOULD'], 'When a player sends an offer, it SHOULD use "recvonly".'],
      ['whep-4.2.5-s2', ['MUST'], 'When an endpoint answers, it MUST use "sendonly" attribute in the SDP answer.'],
    ])
  })

  test('lines wrapped at a hyphen or slash are joined without a space', () => {
    const text = ['4.4.1.  PATCH', '', '   The body MUST be "application/trickle-', '   ice-sdpfrag" or "application/', '   sdp".', ''].join('\n')
    expect(extractNormativeSentences(text, 'x')[0]?.text).toBe('The body MUST be "application/trickle-ice-sdpfrag" or "application/sdp".')
  })

  test('the BCP 14 boilerplate is skipped; flush-left figure lines are not prose', () => {
    const text = [
      '2.  Terminology',
      '',
      '   The key words "MUST", "MUST NOT", "REQUIRED", "SHALL", "SHALL NOT",',
      '   "SHOULD", "SHOULD NOT", "RECOMMENDED", "NOT RECOMMENDED", "MAY", and',
      '   "OPTIONAL" in this document are to be interpreted as described in',
      '   BCP 14 [RFC2119] [RFC8174] when, and only when, they appear in all',
      '   capitals, as shown here.',
      '',
      'HTTP/1.1 201 Created MUST',
      'a=candidate:1 1 UDP 2130706431 198.51.100.1 39132 typ host',
      '',
    ].join('\n')
    expect(extractNormativeSentences(text, 'x')).toEqual([])
  })

  test('sentences split at a period followed by a capital, not after e.g. or a section number', () => {
    expect(splitSentences('It MUST do it, e.g. Chromium does. Then C MAY follow. See Section 3.6. of [RFC9110] for more.')).toEqual([
      'It MUST do it, e.g. Chromium does.',
      'Then C MAY follow.',
      'See Section 3.6. of [RFC9110] for more.',
    ])
  })

  test('ids count per section and change with the wording', () => {
    const a = extractNormativeSentences('4.1.  A\n\n   One MUST. Two SHOULD.\n\n4.2.  B\n\n   Three MAY.\n', 'w')
    expect(a.map((s) => s.id.replace(/-[0-9a-f]{6}$/, ''))).toEqual(['w-4.1-s1', 'w-4.1-s2', 'w-4.2-s1'])
    const b = extractNormativeSentences('4.1.  A\n\n   One MUST now. Two SHOULD.\n\n4.2.  B\n\n   Three MAY.\n', 'w')
    expect(b[0]?.id).not.toBe(a[0]?.id)
    expect(b.slice(1).map((s) => s.id)).toEqual(a.slice(1).map((s) => s.id))
  })
})
