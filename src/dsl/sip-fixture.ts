/**
 * The `sip` Vitest fixture: the embedded registrar started on demand, sip.js user agents on it, media
 * bridges and B2BUAs — all hung up and closed after the test, pass or fail, with one call record per call
 * (both legs of a call between two fixture user agents in the same record) carrying the test's name and
 * result.
 *
 * ```ts
 * test('alice calls bob', async ({ sip, tone }) => {
 *   const alice = await sip.ua('alice')                    // WebRTC media, WebSocket to the embedded registrar
 *   const bob = await sip.ua('bob', { media: 'rtp' })      // registered (bob@rtcspec.test)
 *   const incoming = bob.waitForIncoming()
 *   const calling = alice.call(sip.uri('bob'), { send: tone(440) })
 *   await (await incoming).accept({ send: tone(880) })
 *   await calling
 * })
 * ```
 */
import { z } from 'zod'
import { RtcspecError } from '../errors.ts'
import { appendCallRecord, type CallRecord } from '../peers/call-record.ts'
import type { Peer } from '../peers/types.ts'
import { bridgeMedia, startSipB2bua, type MediaBridge, type SipB2bua, type SipB2buaOptions } from '../sipua/bridge.ts'
import { startSipRegistrar, type SipRegistrar, type SipRegistrarOptions } from '../sipua/registrar.ts'
import type { SipTransportSpec } from '../sipua/transports.ts'
import { createSipUserAgent, sipCallRecord, type SipCall, type SipUserAgent, type SipUserAgentOptions } from '../sipua/user-agent.ts'

/** Which transport a fixture user agent uses: one of the embedded registrar's, or any explicit spec. */
export type SipFixtureTransport = 'ws' | 'wss' | 'udp' | 'tcp' | SipTransportSpec

/** Options of {@link SipFixture.ua}: the user agent options, with the URI and transport defaulted. */
export type SipFixtureUaOptions = Omit<SipUserAgentOptions, 'uri' | 'transport' | 'callRecords'> & {
  /** Default `sip:<name>@<registrar domain>`. */
  uri?: string
  /** Default `'ws'`: the embedded registrar's WebSocket (started on demand). `'wss'` trusts the registrar's CA. */
  transport?: SipFixtureTransport
  /** REGISTER before returning. Default true for the embedded registrar's transports, false for an explicit spec. */
  register?: boolean
}

/** One leg of a fixture B2BUA: user agent options whose transport may name one of the registrar's. */
export type SipFixtureLegOptions = Omit<SipUserAgentOptions, 'transport'> & { transport: SipFixtureTransport }

/** Options of {@link SipFixture.b2bua}: `startSipB2bua` options whose legs may use the registrar's transports by name. */
export type SipFixtureB2buaOptions = Omit<SipB2buaOptions, 'a' | 'b'> & { a: SipFixtureLegOptions; b: SipFixtureLegOptions }

/** Options of {@link SipFixture.uri}. */
export interface SipUriOptions {
  /** The domain (host part): a registrar's domain, a host name or IP address (with `:port` if needed). */
  domain?: string
  /** Default `'sip'`. */
  scheme?: 'sip' | 'sips'
}

const SipUriOptionsSchema = z
  .object({
    domain: z
      .string()
      .regex(
        /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\d+\.\d+\.\d+\.\d+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/,
        'a domain, host name or IP address, optionally with :port',
      )
      .optional(),
    scheme: z.enum(['sip', 'sips']).optional(),
  })
  .strict()
const SipUserSchema = z.string().regex(/^[A-Za-z0-9\-_.!~*'()&=+$,;?/%]+$/, "a SIP user part (letters, digits, -_.!~*'()&=+$,;?/ or %-escapes)")

/** The `sip` fixture. */
export interface SipFixture {
  /** The embedded registrar of this test, started on the first call (options apply then only). */
  registrar(options?: SipRegistrarOptions): Promise<SipRegistrar>
  /** A user agent named `name`; hung up, unregistered and closed after the test. */
  ua(name: string, options?: SipFixtureUaOptions): Promise<SipUserAgent>
  /**
   * `sip:<user>@<domain of the embedded registrar>` (default domain `rtcspec.test`); with `domain`, that
   * domain instead (an external registrar's, e.g. `sip.uri('bob', { domain: 'pbx.example.net' })`), and
   * `scheme: 'sips'` for a SIPS URI.
   */
  uri(user: string, options?: SipUriOptions): string
  /** Joins the audio of two peers (see `bridgeMedia`); stopped after the test. */
  bridge(a: Peer, b: Peer, options?: { trackTimeoutMs?: number }): MediaBridge
  /** A back-to-back user agent (see `startSipB2bua`; leg transports may be `'ws'`, `'udp'`, …); closed after the test. */
  b2bua(options: SipFixtureB2buaOptions): Promise<SipB2bua>
}

/** What a `sip` fixture made; {@link SipFixtureState.close} releases it. */
export interface SipFixtureState {
  readonly fixture: SipFixture
  /** Hangs up every call, writes the call records (with `test`), closes every UA, B2BUA, bridge and the registrar. */
  close(test?: CallRecord['test']): Promise<void>
}

const DEFAULT_DOMAIN = 'rtcspec.test'

/** Creates the state behind one test's `sip` fixture. */
export function createSipFixture(): SipFixtureState {
  let registrar: Promise<SipRegistrar> | undefined
  let domain = DEFAULT_DOMAIN
  const uas: SipUserAgent[] = []
  const startingUas: Array<Promise<SipUserAgent>> = []
  const startingB2buas: Array<Promise<SipB2bua>> = []
  const bridges: MediaBridge[] = []
  const b2buas: SipB2bua[] = []
  let closed = false

  const assertOpen = (what: string) => {
    if (closed)
      throw new RtcspecError('SIP_FIXTURE_CLOSED', `sip.${what}() called after the test ended`, { hint: 'await every sip fixture call inside the test body' })
  }

  const getRegistrar = (options?: SipRegistrarOptions): Promise<SipRegistrar> => {
    assertOpen('registrar')
    if (!registrar) {
      if (options?.domain) domain = options.domain
      registrar = startSipRegistrar(options)
    } else if (options !== undefined) {
      return Promise.reject(
        new RtcspecError('SIP_FIXTURE', 'sip.registrar(options): the registrar of this test is already running, so the options cannot apply', {
          hint: 'pass the options on the first sip.registrar() call, before any sip.ua()',
        }),
      )
    }
    return registrar
  }

  const resolveTransport = async (t: SipFixtureTransport): Promise<SipTransportSpec> => {
    if (typeof t !== 'string') return t
    const r = await getRegistrar()
    if (t === 'ws') return { kind: 'ws', url: r.wsUrl }
    if (t === 'wss') return { kind: 'ws', url: r.wssUrl, ca: r.ca }
    if (t === 'udp') return { kind: 'udp', remote: r.udp }
    return { kind: 'tcp', remote: r.tcp }
  }

  const fixture: SipFixture = {
    registrar: getRegistrar,
    uri(user, options = {}) {
      const u = SipUserSchema.safeParse(user)
      const o = SipUriOptionsSchema.safeParse(options)
      if (!u.success || !o.success) {
        const problems = [
          ...(u.success ? [] : [`user ${JSON.stringify(user)}: ${u.error.issues[0]?.message}`]),
          ...(o.success ? [] : [z.prettifyError(o.error)]),
        ]
        throw new RtcspecError('SIP_FIXTURE', `sip.uri(): ${problems.join('; ')}`, {
          hint: "write sip.uri('bob') or sip.uri('bob', { domain: 'pbx.example.net' })",
        })
      }
      return `${o.data.scheme ?? 'sip'}:${user}@${o.data.domain ?? domain}`
    },
    async ua(name, options = {}) {
      assertOpen('ua')
      const { uri, transport = 'ws', register, ...rest } = options
      const creating = (async () => {
        const spec = await resolveTransport(transport)
        return createSipUserAgent({ name, ...rest, uri: uri ?? fixture.uri(name), transport: spec, callRecords: false })
      })()
      startingUas.push(creating)
      const ua = await creating
      uas.push(ua)
      if (register ?? typeof transport === 'string') await ua.register()
      return ua
    },
    bridge(a, b, options) {
      assertOpen('bridge')
      const bridge = bridgeMedia(a, b, options)
      bridges.push(bridge)
      return bridge
    },
    async b2bua(options) {
      assertOpen('b2bua')
      const creating = (async () => {
        const [a, b] = await Promise.all([resolveTransport(options.a.transport), resolveTransport(options.b.transport)])
        return startSipB2bua({ ...options, a: { ...options.a, transport: a }, b: { ...options.b, transport: b } })
      })()
      startingB2buas.push(creating)
      const b = await creating
      b2buas.push(b)
      return b
    },
  }

  const report = (e: unknown, what: string) => process.stderr.write(`rtcspec: sip fixture: ${what}: ${e instanceof Error ? e.message : String(e)}\n`)

  return {
    fixture,
    async close(test) {
      if (closed) return
      closed = true
      // Things still starting when the test ended (a timeout) are released too, once they exist.
      for (const r of await Promise.allSettled(startingUas)) if (r.status === 'fulfilled' && !uas.includes(r.value)) uas.push(r.value)
      for (const r of await Promise.allSettled(startingB2buas)) if (r.status === 'fulfilled' && !b2buas.includes(r.value)) b2buas.push(r.value)
      await Promise.allSettled(b2buas.map((b) => b.close()))
      for (const b of bridges) b.stop()
      // Legs of one call (same Call-ID) together, the caller's first: its log is the record's signaling.
      const byCallId = new Map<string, SipCall[]>()
      for (const ua of uas) {
        for (const c of ua.calls) {
          const legs = byCallId.get(c.callId) ?? []
          legs.push(c)
          byCallId.set(c.callId, legs)
        }
      }
      for (const legs of byCallId.values()) legs.sort((a, b) => (a.direction === b.direction ? 0 : a.direction === 'outgoing' ? -1 : 1))
      // Hang up each call from one side (BYE, bounded); the other leg ends on the BYE, so its hangup is a no-op.
      await Promise.allSettled(
        [...byCallId.values()].map(async (legs) => {
          for (const leg of legs) await leg.hangup()
        }),
      )
      for (const all of byCallId.values()) {
        const legs = all.filter((l) => l.sdh)
        if (legs.length === 0) continue
        try {
          appendCallRecord(await sipCallRecord(legs, { ...(test ? { test } : {}), extra: { fixture: 'sip', legs: legs.map((l) => l.direction) } }))
        } catch (e) {
          report(e, 'could not write a call record')
        }
      }
      await Promise.allSettled(uas.map((ua) => ua.close()))
      if (registrar)
        await registrar.then(
          (r) => r.close(),
          () => {},
        )
    },
  }
}
