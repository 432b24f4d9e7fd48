/** Link header parsing (RFC 8288) and the WHIP ice-server rules (RFC 9725 §4.6). */
import { describe, expect, test } from 'vitest'
import { splitLinkHeader } from '../../src/http/http.ts'
import { checkIceServerLink, formatIceServerLink, iceServersFromLinks, isExtensionRel, parseLinkValue } from '../../src/http/link.ts'

describe('Link headers', () => {
  test('the RFC 9725 §4.6 example forms parse, with quoted parameters', () => {
    const r = parseLinkValue('<turn:turn.example.net?transport=udp>; rel="ice-server"; username="user"; credential="myPassword"; credential-type="password"')
    expect(r.ok && r.link).toMatchObject({
      uri: 'turn:turn.example.net?transport=udp',
      rels: ['ice-server'],
      params: { username: 'user', credential: 'myPassword', 'credential-type': 'password' },
    })
  })

  test('fetch-joined values split on commas outside <> and quotes', () => {
    const joined = '<stun:a.example>; rel="ice-server", <turn:b.example>; rel="ice-server"; username="x,y"; credential="c"'
    expect(splitLinkHeader(joined)).toEqual(['<stun:a.example>; rel="ice-server"', '<turn:b.example>; rel="ice-server"; username="x,y"; credential="c"'])
  })

  test('malformed link-values are reported, not thrown', () => {
    expect(parseLinkValue('turn:x; rel="ice-server"')).toMatchObject({ ok: false, error: expect.stringMatching(/starts with "<URI-Reference>"/) })
    expect(parseLinkValue('<turn:x>')).toMatchObject({ ok: false, error: 'no rel parameter' })
    expect(parseLinkValue('<turn:x>; rel="ice-server"; a b')).toMatchObject({ ok: false })
  })

  test('ice-server rules: TURN needs credentials, STUN takes none, credential-type is "password", URLs are RFC 7064/7065', () => {
    const check = (v: string) => {
      const r = parseLinkValue(v)
      if (!r.ok) throw new Error(r.error)
      return checkIceServerLink(r.link).problems
    }
    expect(check('<stun:127.0.0.1:3478>; rel="ice-server"')).toEqual([])
    expect(check('<turn:127.0.0.1>; rel="ice-server"').join()).toMatch(/needs username and credential/)
    expect(check('<stun:127.0.0.1>; rel="ice-server"; username="u"; credential="p"').join()).toMatch(/takes no username/)
    expect(check('<turn:h>; rel="ice-server"; username="u"; credential="p"; credential-type="oauth"').join()).toMatch(/not "password"/)
    expect(check('<turn://h:3478>; rel="ice-server"; username="u"; credential="p"').join()).toMatch(/has no "\/\/"/)
  })

  test('iceServersFromLinks keeps valid servers, reports bad ones and ignores other rels', () => {
    const r = iceServersFromLinks(['<stun:h>; rel="ice-server"', '<turn:h>; rel="ice-server"', '</x>; rel="urn:ietf:params:whip:ext:example:x"'])
    expect(r.iceServers).toEqual([{ urls: 'stun:h' }])
    expect(r.problems.length).toBe(1)
  })

  test('formatIceServerLink round-trips through the parser and escapes quotes', () => {
    const s = { url: 'turn:127.0.0.1:3478?transport=udp', username: 'we"ird', credential: 'p\\w' }
    const r = iceServersFromLinks([formatIceServerLink(s)])
    expect(r.iceServers).toEqual([{ urls: s.url, username: s.username, credential: s.credential }])
  })

  test('extension relation types are URNs under urn:ietf:params:whip|whep:ext', () => {
    expect(isExtensionRel('urn:ietf:params:whep:ext:core:server-sent-events')).toBe(true)
    expect(isExtensionRel('urn:ietf:params:whip:ext:example:videoroom')).toBe(true)
    expect(isExtensionRel('server-sent-events')).toBe(false)
    expect(isExtensionRel('urn:ietf:params:whip:server-sent-events')).toBe(false)
  })
})
