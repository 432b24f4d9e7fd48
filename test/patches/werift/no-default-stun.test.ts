/**
 * werift falls back to stun.l.google.com when no STUN server is configured; rtcspec's peers and the reference
 * server must never look it up (network rule: loopback only), so that fallback is patched out.
 */
import { RTCPeerConnection } from 'werift'
import { describe, expect, test } from 'vitest'
import { noDefaultStunServer } from '../../../src/patches/werift/no-default-stun.ts'

interface IceConnectionLike {
  stunServer: unknown
}

async function stunServersAfterGathering(iceServers: { urls: string }[]): Promise<unknown[]> {
  const pc = new RTCPeerConnection({ iceServers, iceUseIpv4: false, iceUseIpv6: false, iceAdditionalHostAddresses: ['127.0.0.1'] })
  try {
    pc.addTransceiver('audio', { direction: 'sendonly' })
    await pc.setLocalDescription(await pc.createOffer())
    const transports = (pc as unknown as { iceTransports: { connection: IceConnectionLike }[] }).iceTransports
    expect(transports.length).toBeGreaterThan(0)
    return transports.map((t) => t.connection.stunServer)
  } finally {
    await pc.close()
  }
}

describe('no default STUN server', () => {
  test('the patch installs on the werift this project pins', () => {
    expect(noDefaultStunServer()).toBe('installed')
  })

  test('with no iceServers there is no STUN server (werift would use stun.l.google.com:19302)', async () => {
    noDefaultStunServer()
    expect(await stunServersAfterGathering([])).toEqual([undefined])
  })

  test('a configured STUN server is used as before', async () => {
    noDefaultStunServer()
    expect(await stunServersAfterGathering([{ urls: 'stun:127.0.0.1:3478' }])).toEqual([['127.0.0.1', 3478]])
  })
})
