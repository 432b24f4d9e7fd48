/**
 * The werift peer's `remoteAddresses` option and its offer: loopback by default (a candidate elsewhere is left
 * out, and said so), `'any'` gathering on every interface, Opus first when offered first, and the optional
 * video section (VP8, H.264 packetization-mode=1 profile-level-id 42e01f). Nothing here sends to a
 * non-loopback address: the one foreign candidate is filtered before any check is sent.
 */
import { describe, expect, test } from 'vitest'
import { networkInterfaces } from 'node:os'
import { createWeriftPeer } from '../../../src/peers/werift/peer.ts'
import { allHostAddresses } from '../../../src/peers/host-addresses.ts'
import { codecs } from '../../../src/sdp/codecs.ts'
import { direction, mediaLine } from '../../../src/sdp/media.ts'
import { parseSdp } from '../../../src/sdp/parse.ts'

function section(sdp: string, kind: string) {
  return parseSdp(sdp).media.find((s) => mediaLine(s).media === kind)
}

function candidateAddresses(sdp: string): string[] {
  return [...sdp.matchAll(/^a=candidate:\S+ \d+ \S+ \d+ (\S+) \d+ typ/gm)].map((m) => m[1] as string)
}

describe('werift peer remoteAddresses', () => {
  test('default: loopback rule, gathering on 127.0.0.1 only', async () => {
    await using p = createWeriftPeer({ trickle: false })
    expect(p.remoteAddresses).toBe('loopback')
    expect(p.hostAddresses).toEqual(['127.0.0.1'])
    const offer = await p.createOffer()
    expect(new Set(candidateAddresses(offer.sdp))).toEqual(new Set(['127.0.0.1']))
  })

  test("'any': host candidates on loopback and every interface address (veth included), not only loopback", async () => {
    await using p = createWeriftPeer({ trickle: false, remoteAddresses: 'any' })
    expect(p.remoteAddresses).toBe('any')
    const expected = allHostAddresses()
    expect(p.hostAddresses).toEqual(expected)
    const ifaceV4 = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i && !i.internal && i.family === 'IPv4')
      .map((i) => i?.address)
    for (const a of ifaceV4) expect(expected).toContain(a)
    const offer = await p.createOffer()
    const gathered = new Set(candidateAddresses(offer.sdp))
    for (const a of ['127.0.0.1', ...ifaceV4]) expect(gathered.has(a as string), `a host candidate on ${a}`).toBe(true)
  })

  test('allHostAddresses: loopback first, link-local and internal addresses left out, veth kept', () => {
    const got = allHostAddresses({
      lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '255.0.0.0', mac: '', cidr: null }],
      vethab12: [
        { address: '10.199.3.2', family: 'IPv4', internal: false, netmask: '255.255.255.252', mac: '', cidr: null },
        { address: 'fe80::1', family: 'IPv6', internal: false, netmask: 'ffff:ffff:ffff:ffff::', mac: '', cidr: null, scopeid: 2 },
      ],
      eth0: [
        { address: '192.0.2.2', family: 'IPv4', internal: false, netmask: '255.255.255.0', mac: '', cidr: null },
        { address: 'fd00::2', family: 'IPv6', internal: false, netmask: 'ffff:ffff:ffff:ffff::', mac: '', cidr: null, scopeid: 0 },
      ],
    })
    expect(got).toEqual(['127.0.0.1', '192.0.2.2', '10.199.3.2', 'fd00::2'])
  })

  test("'loopback': a server candidate elsewhere forms no pair, is listed, and the connect error counts the answer's candidates", async () => {
    await using a = createWeriftPeer({ name: 'lo-client', codecs: ['PCMU'] })
    // The far end answers with every candidate in its SDP, then moved to 10.199.0.1; it is never told a's
    // candidates, so nothing checks in either direction.
    await using b = createWeriftPeer({ name: 'far', codecs: ['PCMU'], trickle: false })
    const offer = await a.createOffer()
    const answer = await b.acceptOffer(offer)
    const moved = answer.sdp.replace(/^(a=candidate:\S+ \d+ \S+ \d+ )127\.0\.0\.1( \d+ typ)/gm, '$110.199.0.1$2')
    expect(candidateAddresses(moved)).toContain('10.199.0.1')
    await a.acceptAnswer({ type: 'answer', sdp: moved })
    const error = await a.waitForConnected(3_000).then(
      () => undefined,
      (e: Error) => e,
    )
    expect(error?.message).toBeDefined()
    expect(a.filteredRemotes.length).toBeGreaterThanOrEqual(1)
    const f = a.filteredRemotes[0]
    expect(f).toMatchObject({ address: '10.199.0.1', via: 'pair', type: 'host' })
    expect(f?.reason).toMatch(/^remote candidate 10\.199\.0\.1:\d+ typ host is not loopback .* remoteAddresses is 'loopback'/)
    // Not "remote candidates=0": the answer carried them.
    expect(error?.message).toMatch(/remote candidates=[1-9]\d* \([1-9]\d* in the SDP, 0 trickled\)/)
    expect(error?.message).toContain('filtered: remote candidate 10.199.0.1')
  })

  test('with ICE servers and no remoteAddresses the filter stays off (relayed paths), as before', async () => {
    await using p = createWeriftPeer({ iceServers: [{ urls: 'stun:127.0.0.1:9' }], trickle: true })
    expect(p.remoteAddresses).toBe('any')
    expect(p.hostAddresses).toEqual(['127.0.0.1'])
  })
})

describe('werift peer offer: codec order and video', () => {
  test('Opus offered first when listed first (then PCMU, PCMA)', async () => {
    await using p = createWeriftPeer({ codecs: ['opus', 'PCMU', 'PCMA'], audio: 'sendonly' })
    const offer = await p.createOffer()
    const audio = section(offer.sdp, 'audio')
    expect(audio).toBeDefined()
    const names = codecs(audio!).map((c) => c.encodingName)
    expect(names.slice(0, 3)).toEqual(['opus', 'PCMU', 'PCMA'])
    expect(mediaLine(audio!).formats[0]).toBe(String(codecs(audio!)[0]?.payloadType))
  })

  test('video: a sendonly section with VP8 and H.264 (packetization-mode=1, profile-level-id=42e01f), no source needed', async () => {
    await using p = createWeriftPeer({ codecs: ['opus'], audio: 'sendonly', video: 'sendonly' })
    const offer = await p.createOffer()
    const video = section(offer.sdp, 'video')
    expect(video).toBeDefined()
    expect(direction(video!)).toBe('sendonly')
    const vc = codecs(video!)
    expect(vc.map((c) => c.encodingName)).toEqual(['VP8', 'H264'])
    const h264 = vc.find((c) => c.encodingName === 'H264')
    expect(h264?.parameters.get('packetization-mode')).toBe('1')
    expect(h264?.parameters.get('profile-level-id')).toBe('42e01f')
    // Payload types clear of the audio and telephone-event ones (bundled on one transport).
    const audioPts = codecs(section(offer.sdp, 'audio')!).map((c) => c.payloadType)
    for (const c of vc) expect(audioPts).not.toContain(c.payloadType)
  })

  test('no video option: audio only', async () => {
    await using p = createWeriftPeer({ codecs: ['PCMU'] })
    const offer = await p.createOffer()
    expect(section(offer.sdp, 'video')).toBeUndefined()
  })
})
