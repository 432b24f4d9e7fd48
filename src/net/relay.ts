/**
 * UdpRelay: a userspace UDP impairment relay for two ICE peers on loopback, with seeded impairment and ground truth.
 *
 * Topology. Each real transport address of side X (say, from one of X's ICE candidates) gets a *proxy* socket.
 * The other side is told the proxy address instead (see rewriteCandidate). A datagram reaching X's proxy from a
 * source S is sent on to X's real address from a per-source *leg* socket that stands for S; what X sends back to
 * that leg goes back to S from the proxy socket, so S sees the replies coming from the address it sent to.
 *
 *   S ──▶ proxy(X) ──(leg for S)──▶ X          direction toX, profile toX
 *   S ◀── proxy(X) ◀──(leg for S)── X          direction to<side of S>, profile of that side ('unknown' if S unregistered: unimpaired)
 *
 * Only loopback is ever bound or sent to (127.0.0.0/8, ::1). Ports come from the OS.
 */
import dgram from 'node:dgram'
import { isIP } from 'node:net'
import { performance } from 'node:perf_hooks'
import { z } from 'zod'
import { RtcspecError, TimeoutError } from '../errors.ts'
import { classifyPacket, readRtpHeader, type PacketClass } from './classify.ts'
import { DirectionImpairer, parseProfile, type ImpairmentProfile } from './impairment.ts'
import { assertLoopback, assertPort, isLoopbackAddress, type TransportAddress } from './loopback.ts'
import { mulberry32 } from './prng.ts'
import { type DroppedFrame, FrameDropper, type FrameDropRule, parseFrameDropRule } from './frame-drop.ts'
import { DEFAULT_MAX_RECORDS, TruthLog, type Direction, type Truth, type TruthRecord, type TruthSummary } from './truth.ts'

/** One of the two parties of the relay. */
export type Side = 'a' | 'b'

/** An impaired direction: packets delivered to side a (`toA`) or side b (`toB`). */
export type ImpairedDirection = 'toA' | 'toB'

/** A profile change at a time relative to relay start. */
export interface ScheduleEntry {
  /** When to apply, ms after the relay was created (0..86_400_000). */
  atMs: number
  /** Which direction's profile to replace. */
  direction: ImpairedDirection
  /** The new profile (replaces the old one entirely). */
  profile: ImpairmentProfile
}

/** Options of {@link UdpRelay.create}. */
export interface UdpRelayOptions {
  /** Loopback IP literal to bind every socket on. Default `127.0.0.1`; `::1` for IPv6. */
  host?: string
  /** Seed of the per-direction PRNGs (low 32 bits used). Print it on failure to reproduce a run. */
  seed: number
  /** Profile for packets delivered to side a. Default `{}` (clean). */
  toA?: ImpairmentProfile
  /** Profile for packets delivered to side b. Default `{}` (clean). */
  toB?: ImpairmentProfile
  /**
   * Which packets are impaired. `'rtp'` (default): only RTP (RFC 7983 first byte 128–191 and not RTCP per RFC 5761),
   * so STUN, DTLS and RTCP pass untouched and calls still establish. `'all'`: every datagram.
   */
  impair?: 'rtp' | 'all'
  /** Profile changes applied at fixed times after start. At most 10,000 entries. */
  schedule?: ScheduleEntry[]
  /** Cap on stored truth records per direction. Default 1,000,000. Summaries keep counting past it. */
  maxRecords?: number
  /** Distinct sources per proxy (each gets a leg socket). Default 16; more are dropped and counted. */
  maxSourcesPerProxy?: number
  /** Max proxy addresses (addPeerAddress calls). Default 64. */
  maxProxies?: number
  /**
   * Max packets held (delayed) per direction. Default 100,000. A packet that would exceed it is dropped with
   * `dropReason: 'queue'` (after its PRNG draws, so later fates do not shift).
   */
  maxHeldPackets?: number
  /**
   * Drop every packet of chosen video frames, per direction (see `frame-drop.ts`); the frames dropped are ground
   * truth ({@link UdpRelay.droppedFrames}). Applied before the profile; the profile's random draws still happen for
   * those packets, so the other fates of a seed do not move.
   */
  dropFrames?: { toA?: FrameDropRule; toB?: FrameDropRule }
}

/** Where a profile in force came from. */
export interface ProfileChange {
  /** ms after relay start. */
  atMs: number
  /** The profile from then on. */
  profile: ImpairmentProfile
  /** What changed it. */
  by: 'create' | 'schedule' | 'setProfile'
}

/** Per-direction datagram counters, including packets that are not impaired. */
export interface DirectionCounters {
  /** Datagrams by RFC 7983 class that arrived for this direction. */
  byClass: Record<PacketClass, number>
  /** Of those, how many passed without impairment (not of the impaired class, or direction unknown). */
  passedThrough: number
}

/** Relay-wide counters. */
export interface RelayCounters {
  toA: DirectionCounters
  toB: DirectionCounters
  unknown: DirectionCounters
  /** Datagrams reaching a leg socket from an address other than the real address it serves (dropped). */
  strays: number
  /** Datagrams from a new source dropped because the proxy had maxSourcesPerProxy legs already. */
  sourceLimitDrops: number
  /** socket.send errors. */
  sendErrors: number
  /** Datagrams from a non-loopback source (possible when a local non-loopback address sends to 127.0.0.1): dropped, never answered. */
  nonLoopbackDrops: number
}

interface Leg {
  source: TransportAddress
  socket: dgram.Socket
}

interface Proxy {
  side: Side
  real: TransportAddress
  socket: dgram.Socket
  proxyAddress: TransportAddress
  legs: Map<string, Leg>
}

interface Held {
  releaseAt: number
  order: number
  rec: TruthRecord
  copies: number
  socket: dgram.Socket
  buf: Buffer
  to: TransportAddress
}

interface Waiter {
  condition: () => boolean
  resolve: () => void
  reject: (e: unknown) => void
  timer: ReturnType<typeof setTimeout>
}

const DIR_SALT: Record<ImpairedDirection, number> = { toA: 0x9e3779b9, toB: 0x85ebca6b }
const SCHEDULE_MAX = 10_000
/** A held packet is released when its release time is at most this far in the future (timers have ms granularity). */
const RELEASE_SLACK_MS = 0.25

const scheduleEntrySchema = z.object({
  atMs: z.number().min(0).max(86_400_000),
  direction: z.enum(['toA', 'toB']),
  profile: z.unknown(),
})
const optionsSchema = z.object({
  host: z.string().optional(),
  seed: z.number().refine(Number.isFinite, 'seed must be a finite number'),
  toA: z.unknown().optional(),
  toB: z.unknown().optional(),
  impair: z.enum(['rtp', 'all']).optional(),
  schedule: z.array(scheduleEntrySchema).max(SCHEDULE_MAX).optional(),
  maxRecords: z.number().int().min(0).max(100_000_000).optional(),
  maxSourcesPerProxy: z.number().int().min(1).max(1024).optional(),
  maxProxies: z.number().int().min(1).max(4096).optional(),
  maxHeldPackets: z.number().int().min(1).max(10_000_000).optional(),
  dropFrames: z.strictObject({ toA: z.unknown().optional(), toB: z.unknown().optional() }).optional(),
})

function key(address: string, port: number): string {
  const a = address.toLowerCase()
  return `${a === '0:0:0:0:0:0:0:1' ? '::1' : a}|${port}`
}

function emptyCounters(): DirectionCounters {
  return { byClass: { stun: 0, dtls: 0, rtp: 0, rtcp: 0, other: 0 }, passedThrough: 0 }
}

function dirOf(side: Side): ImpairedDirection {
  return side === 'a' ? 'toA' : 'toB'
}

/** Binary min-heap of held packets by (releaseAt, arrival order). */
class HeldHeap {
  #h: Held[] = []
  get size(): number {
    return this.#h.length
  }
  peek(): Held | undefined {
    return this.#h[0]
  }
  clear(): void {
    this.#h = []
  }
  static #less(x: Held, y: Held): boolean {
    return x.releaseAt < y.releaseAt || (x.releaseAt === y.releaseAt && x.order < y.order)
  }
  push(v: Held): void {
    const h = this.#h
    h.push(v)
    let i = h.length - 1
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!HeldHeap.#less(h[i] as Held, h[p] as Held)) break
      ;[h[i], h[p]] = [h[p] as Held, h[i] as Held]
      i = p
    }
  }
  pop(): Held | undefined {
    const h = this.#h
    const top = h[0]
    const last = h.pop()
    if (h.length > 0 && last !== undefined) {
      h[0] = last
      let i = 0
      for (;;) {
        const l = 2 * i + 1
        const r = l + 1
        let m = i
        if (l < h.length && HeldHeap.#less(h[l] as Held, h[m] as Held)) m = l
        if (r < h.length && HeldHeap.#less(h[r] as Held, h[m] as Held)) m = r
        if (m === i) break
        ;[h[i], h[m]] = [h[m] as Held, h[i] as Held]
        i = m
      }
    }
    return top
  }
}

/** Per impaired direction: engine, hold queue and its timer. */
interface DirState {
  impairer: DirectionImpairer
  heap: HeldHeap
  timer: ReturnType<typeof setTimeout> | undefined
  timerAt: number
  history: ProfileChange[]
  frames: FrameDropper | undefined
}

/**
 * The impairment relay. Create with {@link UdpRelay.create}; dispose with `await using` or {@link UdpRelay.close}.
 */
export class UdpRelay implements AsyncDisposable {
  /** The loopback host every socket is bound on. */
  readonly host: string
  /** The seed (print it on failure). */
  readonly seed: number
  /** Which packets are impaired. */
  readonly impair: 'rtp' | 'all'
  /** performance.now() at creation; schedule times and profile history are relative to it. */
  readonly startedAt: number

  #family: 'udp4' | 'udp6'
  #maxSources: number
  #maxProxies: number
  #maxHeld: number
  #proxies: Proxy[] = []
  #realToSide = new Map<string, Side>()
  #adding = new Map<string, Promise<TransportAddress>>()
  #dirs: Record<ImpairedDirection, DirState>
  #logs: Record<Direction, TruthLog>
  #counters: RelayCounters = {
    toA: emptyCounters(),
    toB: emptyCounters(),
    unknown: emptyCounters(),
    strays: 0,
    sourceLimitDrops: 0,
    sendErrors: 0,
    nonLoopbackDrops: 0,
  }
  #scheduleTimers = new Set<ReturnType<typeof setTimeout>>()
  #waiters = new Set<Waiter>()
  #order = 0
  #droppedBefore: Record<ImpairedDirection, DroppedFrame[]> = { toA: [], toB: [] }
  #closed = false
  #closing: Promise<void> | undefined

  private constructor(opts: UdpRelayOptions, toA: ImpairmentProfile, toB: ImpairmentProfile, host: string) {
    this.host = host
    this.seed = opts.seed
    this.impair = opts.impair ?? 'rtp'
    this.#family = isIP(host) === 6 ? 'udp6' : 'udp4'
    this.#maxSources = opts.maxSourcesPerProxy ?? 16
    this.#maxProxies = opts.maxProxies ?? 64
    this.#maxHeld = opts.maxHeldPackets ?? 100_000
    this.startedAt = performance.now()
    const seed32 = Math.trunc(opts.seed) >>> 0
    const mk = (d: ImpairedDirection, p: ImpairmentProfile): DirState => ({
      impairer: new DirectionImpairer(mulberry32((seed32 ^ DIR_SALT[d]) >>> 0), p),
      heap: new HeldHeap(),
      timer: undefined,
      timerAt: Infinity,
      history: [{ atMs: 0, profile: p, by: 'create' }],
      frames: undefined,
    })
    this.#dirs = { toA: mk('toA', toA), toB: mk('toB', toB) }
    const max = opts.maxRecords ?? DEFAULT_MAX_RECORDS
    this.#logs = { toA: new TruthLog('toA', max), toB: new TruthLog('toB', max), unknown: new TruthLog('unknown', max) }
  }

  /**
   * Creates a relay. Validates every option (RtcspecError `BAD_RELAY_OPTIONS` / `BAD_PROFILE` / `NOT_LOOPBACK`)
   * and arms the schedule. Binds nothing until {@link UdpRelay.addPeerAddress}.
   */
  static async create(options: UdpRelayOptions): Promise<UdpRelay> {
    const r = optionsSchema.safeParse(options)
    if (!r.success) {
      const issues = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(options)'}: ${i.message}`).join('; ')
      throw new RtcspecError('BAD_RELAY_OPTIONS', `invalid UdpRelay options: ${issues}`, {
        hint: 'UdpRelay.create({ seed: 1234, host: "127.0.0.1", toB: { loss: 0.1 } })',
      })
    }
    const host = options.host ?? '127.0.0.1'
    assertLoopback(host, 'relay host')
    const toA = parseProfile(options.toA, 'toA')
    const toB = parseProfile(options.toB, 'toB')
    const schedule = (options.schedule ?? []).map((e, i) => ({ ...e, profile: parseProfile(e.profile, `schedule[${i}].profile`) }))
    const relay = new UdpRelay(options, toA, toB, host)
    for (const d of ['toA', 'toB'] as const) {
      const rule = options.dropFrames?.[d]
      if (rule !== undefined) relay.#dirs[d].frames = new FrameDropper(parseFrameDropRule(rule, `dropFrames.${d}`))
    }
    for (const e of schedule) relay.#armSchedule(e)
    return relay
  }

  /** Arms one schedule entry. libuv timers count from the loop's cached time, so they can fire early: re-arm if so. */
  #armSchedule(e: ScheduleEntry): void {
    const remaining = e.atMs - (performance.now() - this.startedAt)
    const t = setTimeout(
      () => {
        this.#scheduleTimers.delete(t)
        if (this.#closed) return
        if (performance.now() - this.startedAt < e.atMs - RELEASE_SLACK_MS) this.#armSchedule(e)
        else this.#apply(e.direction, e.profile, 'schedule')
      },
      Math.max(0, Math.ceil(remaining)),
    )
    this.#scheduleTimers.add(t)
  }

  /** True once close() has been called. */
  get closed(): boolean {
    return this.#closed
  }

  /**
   * Registers one real transport address of peer `side` and returns the proxy address to give the OTHER side
   * (e.g. in a rewritten ICE candidate). Registering the same address again for the same side returns the same proxy.
   * @throws RtcspecError `NOT_LOOPBACK` for a non-loopback address, `ADDRESS_FAMILY` when it does not match the host,
   *   `RELAY_CLOSED` after close, `ADDRESS_SIDE` when the address is already registered for the other side.
   */
  async addPeerAddress(side: Side, real: TransportAddress): Promise<TransportAddress> {
    this.#assertOpen('addPeerAddress')
    if (side !== 'a' && side !== 'b') {
      throw new RtcspecError('BAD_SIDE', `side must be 'a' or 'b', got ${JSON.stringify(side)}`, { hint: "relay.addPeerAddress('a', { address, port })" })
    }
    assertLoopback(real.address, `peer address for side ${side}`)
    assertPort(real.port, `peer address for side ${side}`)
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(real.address)
    const address = mapped ? (mapped[1] as string) : real.address // IPv4-mapped → plain IPv4
    const fam = isIP(address) === 6 ? 'udp6' : 'udp4'
    if (fam !== this.#family) {
      throw new RtcspecError('ADDRESS_FAMILY', `peer address ${real.address} is ${fam === 'udp6' ? 'IPv6' : 'IPv4'} but the relay host ${this.host} is not`, {
        hint: `create one relay per address family (host: '127.0.0.1' or host: '::1') and register only candidates of that family`,
      })
    }
    const k = key(address, real.port)
    const known = this.#realToSide.get(k)
    if (known !== undefined && known !== side) {
      throw new RtcspecError('ADDRESS_SIDE', `${real.address}:${real.port} is already registered for side ${known}`, {
        hint: 'each real address belongs to exactly one side',
      })
    }
    const inFlight = this.#adding.get(k)
    if (inFlight) return inFlight
    const existing = this.#proxies.find((p) => key(p.real.address, p.real.port) === k)
    if (existing) return { ...existing.proxyAddress }
    if (this.#proxies.length + this.#adding.size >= this.#maxProxies) {
      throw new RtcspecError('RELAY_LIMIT', `relay already has ${this.#proxies.length + this.#adding.size} proxy addresses (maxProxies)`, {
        hint: 'raise maxProxies in UdpRelay.create, or register only the candidates you need',
      })
    }
    this.#realToSide.set(k, side)
    const adding = (async () => {
      let socket: dgram.Socket
      try {
        socket = await this.#bind()
      } catch (e) {
        this.#realToSide.delete(k)
        throw e
      }
      if (this.#closed) {
        socket.close()
        throw this.#closedError('addPeerAddress')
      }
      const addr = socket.address()
      const proxy: Proxy = { side, real: { address, port: real.port }, socket, proxyAddress: { address: addr.address, port: addr.port }, legs: new Map() }
      socket.on('message', (msg, rinfo) => this.#onProxyMessage(proxy, msg, rinfo))
      this.#proxies.push(proxy)
      return { ...proxy.proxyAddress }
    })()
    this.#adding.set(k, adding)
    try {
      return { ...(await adding) }
    } finally {
      this.#adding.delete(k)
    }
  }

  /** Replaces the profile of `direction` now (validated; RtcspecError `BAD_PROFILE`). Applies to packets arriving from now on. */
  setProfile(direction: ImpairedDirection, profile: ImpairmentProfile): void {
    this.#assertOpen('setProfile')
    if (direction !== 'toA' && direction !== 'toB') {
      throw new RtcspecError('BAD_DIRECTION', `direction must be 'toA' or 'toB', got ${JSON.stringify(direction)}`, {
        hint: "relay.setProfile('toB', { loss: 0.05 })",
      })
    }
    this.#apply(direction, parseProfile(profile, direction), 'setProfile')
  }

  /**
   * Arms more profile changes, with `atMs` relative to NOW (not to relay start): e.g. right after a call connected,
   * `relay.scheduleFromNow(outage({ atMs: 5000, forMs: 2000 }))` darkens both directions from t = 5 s to 7 s.
   * Validated like the `schedule` option (RtcspecError `BAD_RELAY_OPTIONS` / `BAD_PROFILE`). Returns the entries
   * with `atMs` converted to relay time (as {@link UdpRelay.profileHistory} reports it).
   */
  scheduleFromNow(entries: ScheduleEntry[]): ScheduleEntry[] {
    this.#assertOpen('scheduleFromNow')
    const r = z.array(scheduleEntrySchema).max(SCHEDULE_MAX).safeParse(entries)
    if (!r.success) {
      const issues = r.error.issues.map((i) => `${i.path.map(String).join('.') || '(entries)'}: ${i.message}`).join('; ')
      throw new RtcspecError('BAD_RELAY_OPTIONS', `invalid schedule: ${issues}`, {
        hint: "relay.scheduleFromNow([{ atMs: 5000, direction: 'toB', profile: { loss: 1 } }])",
      })
    }
    const offset = performance.now() - this.startedAt
    const armed = entries.map((e, i) => ({ atMs: e.atMs + offset, direction: e.direction, profile: parseProfile(e.profile, `schedule[${i}].profile`) }))
    for (const e of armed) this.#armSchedule(e)
    return armed
  }

  /**
   * Drops every packet of chosen video frames delivered in `direction` from now on (replacing an earlier rule of that
   * direction; its dropped frames stay in {@link UdpRelay.droppedFrames}). Validated (RtcspecError `BAD_FRAME_DROP`).
   */
  dropFrames(direction: ImpairedDirection, rule: FrameDropRule): void {
    this.#assertOpen('dropFrames')
    if (direction !== 'toA' && direction !== 'toB') {
      throw new RtcspecError('BAD_DIRECTION', `direction must be 'toA' or 'toB', got ${JSON.stringify(direction)}`, {
        hint: "relay.dropFrames('toB', { payloadType: 96, after: 60, every: 30, count: 3 })",
      })
    }
    const d = this.#dirs[direction]
    if (d.frames) this.#droppedBefore[direction].push(...d.frames.dropped())
    d.frames = new FrameDropper(parseFrameDropRule(rule, direction))
  }

  /** Ground truth of whole-frame drops in `direction`: every frame dropped, in order, with its packets dropped. */
  droppedFrames(direction: ImpairedDirection): DroppedFrame[] {
    return [...this.#droppedBefore[direction], ...(this.#dirs[direction].frames?.dropped() ?? [])]
  }

  /** The profile in force for `direction`. */
  profile(direction: ImpairedDirection): ImpairmentProfile {
    return this.#dirs[direction].impairer.profile
  }

  /** Every profile that has been in force for `direction`, with when it started (ms after start) and why. */
  profileHistory(direction: ImpairedDirection): readonly ProfileChange[] {
    return this.#dirs[direction].history.slice()
  }

  /** Ground truth for a direction: a copy of the records (arrival order) and the summary. */
  truth(dir: Direction): Truth {
    return this.#log(dir).snapshot()
  }

  #log(dir: Direction): TruthLog {
    const log = Object.hasOwn(this.#logs, dir) ? this.#logs[dir] : undefined
    if (!log) throw new RtcspecError('BAD_DIRECTION', `direction must be 'toA', 'toB' or 'unknown', got ${JSON.stringify(dir)}`, { hint: "relay.truth('toB')" })
    return log
  }

  /** The summary of {@link UdpRelay.truth} without copying the records (cheap enough to poll in waitFor conditions). */
  summary(dir: Direction): TruthSummary {
    return this.#log(dir).summary()
  }

  /** Datagram counters (all classes, strays, limits, send errors). */
  counters(): RelayCounters {
    return structuredClone(this.#counters)
  }

  /** The proxies registered so far: side, real address, proxy address, number of sources seen. */
  proxies(): { side: Side; real: TransportAddress; proxy: TransportAddress; sources: number }[] {
    return this.#proxies.map((p) => ({ side: p.side, real: { ...p.real }, proxy: { ...p.proxyAddress }, sources: p.legs.size }))
  }

  /**
   * Resolves when `condition()` is true; it is re-checked after every datagram the relay handles and every profile change.
   * Rejects with a TimeoutError naming `label` after `timeoutMs` (default 5000), or with `RELAY_CLOSED` on close.
   */
  waitFor(condition: () => boolean, opts: { label: string; timeoutMs?: number }): Promise<void> {
    if (condition()) return Promise.resolve()
    if (this.#closed) return Promise.reject(this.#closedError('waitFor'))
    const timeoutMs = opts.timeoutMs ?? 5000
    return new Promise<void>((resolve, reject) => {
      const w: Waiter = {
        condition,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters.delete(w)
          reject(new TimeoutError(opts.label, timeoutMs, `relay seed ${this.seed}; counters ${JSON.stringify(this.#counters)}`))
        }, timeoutMs),
      }
      this.#waiters.add(w)
    })
  }

  /** Closes every socket, clears every timer, drops held packets and rejects pending waitFor calls. Idempotent. */
  close(): Promise<void> {
    if (this.#closing) return this.#closing
    this.#closed = true
    for (const t of this.#scheduleTimers) clearTimeout(t)
    this.#scheduleTimers.clear()
    for (const d of Object.values(this.#dirs)) {
      if (d.timer !== undefined) clearTimeout(d.timer)
      d.timer = undefined
      d.heap.clear()
    }
    for (const w of this.#waiters) {
      clearTimeout(w.timer)
      w.reject(this.#closedError('waitFor'))
    }
    this.#waiters.clear()
    const sockets: dgram.Socket[] = []
    for (const p of this.#proxies) {
      sockets.push(p.socket)
      for (const l of p.legs.values()) sockets.push(l.socket)
    }
    this.#closing = Promise.all(
      sockets.map(
        (s) =>
          new Promise<void>((resolve) => {
            try {
              s.close(() => resolve())
            } catch {
              resolve() // already closed
            }
          }),
      ),
    )
      // 'close' is emitted before libuv has run the handles' close callbacks (the fds are already closed);
      // two turns of the loop let those run, so no handle of ours is listed as active after close() resolves.
      .then(() => new Promise<void>((r) => setImmediate(r)))
      .then(() => new Promise<void>((r) => setImmediate(r)))
    return this.#closing
  }

  /** Same as {@link UdpRelay.close}, for `await using`. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close()
  }

  // ---- internals ----

  #assertOpen(what: string): void {
    if (this.#closed) throw this.#closedError(what)
  }

  #closedError(what: string): RtcspecError {
    return new RtcspecError('RELAY_CLOSED', `${what}: the UdpRelay is closed`, { hint: 'create a new relay; a closed one cannot be reused' })
  }

  #apply(direction: ImpairedDirection, profile: ImpairmentProfile, by: ProfileChange['by']): void {
    if (this.#closed) return
    const d = this.#dirs[direction]
    d.impairer.setProfile(profile)
    if (d.history.length < 100_000) d.history.push({ atMs: performance.now() - this.startedAt, profile, by })
    this.#checkWaiters()
  }

  #bind(): Promise<dgram.Socket> {
    return new Promise((resolve, reject) => {
      const s = dgram.createSocket({ type: this.#family, recvBufferSize: 1 << 20 })
      const onError = (e: Error) => {
        try {
          s.close()
        } catch {
          /* not bound */
        }
        reject(
          new RtcspecError('RELAY_BIND', `could not bind a UDP socket on ${this.host}: ${e.message}`, {
            cause: e,
            hint: 'is the loopback interface up and the address family enabled?',
          }),
        )
      }
      s.once('error', onError)
      s.bind({ port: 0, address: this.host }, () => {
        s.off('error', onError)
        s.on('error', () => {
          this.#counters.sendErrors++
        })
        resolve(s)
      })
    })
  }

  #onProxyMessage(proxy: Proxy, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.#closed) return
    if (!isLoopbackAddress(rinfo.address)) {
      this.#counters.nonLoopbackDrops++
      return
    }
    const k = key(rinfo.address, rinfo.port)
    let leg = proxy.legs.get(k)
    if (!leg) {
      if (proxy.legs.size >= this.#maxSources) {
        this.#counters.sourceLimitDrops++
        return
      }
      // Sends on a socket whose bind is in progress are queued by Node until it is bound.
      const socket = dgram.createSocket({ type: this.#family, recvBufferSize: 1 << 20 })
      socket.on('error', () => {
        this.#counters.sendErrors++
      })
      socket.bind({ port: 0, address: this.host })
      const source = { address: rinfo.address, port: rinfo.port }
      leg = { source, socket }
      proxy.legs.set(k, leg)
      socket.on('message', (m, ri) => this.#onLegMessage(proxy, source, m, ri))
    }
    this.#handle(dirOf(proxy.side), msg, leg.socket, proxy.real)
  }

  #onLegMessage(proxy: Proxy, source: TransportAddress, msg: Buffer, rinfo: dgram.RemoteInfo): void {
    if (this.#closed) return
    if (key(rinfo.address, rinfo.port) !== key(proxy.real.address, proxy.real.port)) {
      this.#counters.strays++
      this.#checkWaiters()
      return
    }
    const srcSide = this.#realToSide.get(key(source.address, source.port))
    this.#handle(srcSide === undefined ? 'unknown' : dirOf(srcSide), msg, proxy.socket, source)
  }

  #handle(dir: Direction, msg: Buffer, socket: dgram.Socket, to: TransportAddress): void {
    const now = performance.now()
    const cls = classifyPacket(msg)
    const c = this.#counters[dir]
    c.byClass[cls]++
    const impaired = this.impair === 'all' || cls === 'rtp'
    if (!impaired) {
      c.passedThrough++
      this.#send(socket, msg, to)
      this.#checkWaiters()
      return
    }
    const log = this.#logs[dir]
    const rtp = cls === 'rtp' ? readRtpHeader(msg) : undefined
    const rec: TruthRecord = { dir, index: log.sent, size: msg.length, receivedAt: now, fate: 'delivered' }
    if (rtp) {
      rec.seq = rtp.seq
      rec.ssrc = rtp.ssrc
      rec.timestamp = rtp.timestamp
    }
    if (dir === 'unknown') {
      c.passedThrough++
      log.add(rec)
      this.#send(socket, msg, to)
      log.release(rec, now, 1)
      this.#checkWaiters()
      return
    }
    const d = this.#dirs[dir]
    let decision = d.impairer.decide(now, msg.length)
    if (rtp && d.frames?.decide(rtp, now)) decision = { fate: 'dropped', dropReason: 'frame' }
    if (decision.fate !== 'dropped' && d.heap.size >= this.#maxHeld) decision = { fate: 'dropped', dropReason: 'queue' }
    if (decision.fate === 'dropped') {
      rec.fate = 'dropped'
      rec.dropReason = decision.dropReason
      log.add(rec)
      this.#checkWaiters()
      return
    }
    rec.fate = decision.fate
    log.add(rec)
    const held: Held = { releaseAt: decision.releaseAt, order: this.#order++, rec, copies: decision.copies, socket, buf: msg, to }
    if (d.heap.size === 0 && decision.releaseAt <= now + RELEASE_SLACK_MS) {
      this.#release(dir, held, now)
    } else {
      d.heap.push(held)
      this.#arm(dir)
    }
    this.#checkWaiters()
  }

  #release(dir: ImpairedDirection, h: Held, now: number): void {
    for (let i = 0; i < h.copies; i++) this.#send(h.socket, h.buf, h.to)
    this.#logs[dir].release(h.rec, now, h.copies)
  }

  #arm(dir: ImpairedDirection): void {
    const d = this.#dirs[dir]
    const next = d.heap.peek()
    if (!next) {
      if (d.timer !== undefined) clearTimeout(d.timer)
      d.timer = undefined
      d.timerAt = Infinity
      return
    }
    if (d.timer !== undefined && d.timerAt <= next.releaseAt) return
    if (d.timer !== undefined) clearTimeout(d.timer)
    d.timerAt = next.releaseAt
    d.timer = setTimeout(() => this.#pump(dir), Math.max(0, Math.ceil(next.releaseAt - performance.now())))
  }

  #pump(dir: ImpairedDirection): void {
    const d = this.#dirs[dir]
    d.timer = undefined
    d.timerAt = Infinity
    if (this.#closed) return
    const now = performance.now()
    let n = 0
    for (let h = d.heap.peek(); h && h.releaseAt <= now + RELEASE_SLACK_MS; h = d.heap.peek()) {
      d.heap.pop()
      this.#release(dir, h, now)
      n++
    }
    this.#arm(dir)
    if (n > 0) this.#checkWaiters()
  }

  #send(socket: dgram.Socket, buf: Buffer, to: TransportAddress): void {
    try {
      socket.send(buf, to.port, to.address, (err) => {
        if (err) this.#counters.sendErrors++
      })
    } catch {
      this.#counters.sendErrors++ // socket closed underneath
    }
  }

  #checkWaiters(): void {
    if (this.#waiters.size === 0) return
    for (const w of this.#waiters) {
      let ok = false
      try {
        ok = w.condition()
      } catch (e) {
        this.#waiters.delete(w)
        clearTimeout(w.timer)
        w.reject(e)
        continue
      }
      if (ok) {
        this.#waiters.delete(w)
        clearTimeout(w.timer)
        w.resolve()
      }
    }
  }
}
