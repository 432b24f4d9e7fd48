/**
 * A call forced through a real TURN server: rtcspec starts coturn (generated config, ports from the OS,
 * loopback only), both werift peers gather relay candidates only (over TURN/TCP here, with coturn REST
 * credentials), and media still flows. The call record shows the selected pair as relay/relay.
 * Needs coturn (`sudo apt-get install -y coturn`); the `docker` provider works the same way.
 * Run: npx rtcspec run specs/examples/coturn-relay.spec.ts
 */
import { test, expect } from 'rtcspec'
import { findBinary } from 'rtcspec/services'

const hasCoturn = (await findBinary('turnserver')) !== undefined
if (!hasCoturn && process.env.CI !== 'true') process.stderr.write('[rtcspec] coturn-relay example skipped: sudo apt-get install -y coturn\n')

test.skipIf(!hasCoturn && process.env.CI !== 'true')(
  'a relay-only call through coturn carries the tone (TURN over TCP, REST credentials)',
  async ({ b2b, coturn, tone }) => {
    const turn = await coturn({ provider: 'local', secret: true }) // stopped after the test
    const relayOnly = { iceServers: turn.iceServers({ transports: ['tcp'], credentials: 'rest' }), relayOnly: true }
    const call = await b2b({ a: relayOnly, b: relayOnly, send: { a: tone(440) } })

    await expect(call.b).toReceiveRtp({ packets: 50, within: '10s' })
    const { selectedPair } = await call.b.stats()
    expect(selectedPair?.local.type).toBe('relay')
    expect(selectedPair?.remote.type).toBe('relay')
    expect(call.b).toContainTone(440)
  },
)
