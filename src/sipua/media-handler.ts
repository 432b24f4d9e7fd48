/**
 * sip.js SessionDescriptionHandlers over rtcspec `Peer`s: the same handler serves a werift peer (WebRTC
 * media: ICE, DTLS-SRTP) and a plain-RTP peer (RTP/AVP), so both kinds of SIP call plug into the same
 * sources, recorders, statistics and matchers.
 *
 * Trickle ICE over SIP (RFC 8840), when both ends support it: the offer/answer carry no candidates and
 * `a=ice-options:trickle`; once the dialog is established, each side sends its candidates in INFO requests
 * (`Info-Package: trickle-ice`, `application/trickle-ice-sdpfrag`, RFC 8840 §4.4) ending with
 * `a=end-of-candidates`. On an early dialog (RFC 8840 with RFC 3262): once the answerer's reliable 183
 * carrying the answer has been PRACKed, both sides trickle in INFO requests within the early dialog (sip.js
 * refuses INFO on early dialogs, so those go through its core INFO client directly); candidates that reach
 * the offerer before it applied the answer are held until it does, and candidates the far end would not take
 * on the early dialog wait for the confirmed one.
 */
import { Core, type Session, type SessionDescriptionHandler, type SessionDescriptionHandlerOptions, type BodyAndContentType } from 'sip.js'
import { buildSdpFrag, parseSdpFrag, sdpFragCandidates } from '../ice/sdpfrag.ts'
import { serializeCandidate } from '../ice/candidate.ts'
import { RtcspecError } from '../errors.ts'
import type { CandidateInit, Peer } from '../peers/types.ts'

/** The INFO package and content type RFC 8840 defines. */
export const TRICKLE_INFO_PACKAGE = 'trickle-ice'
export const SDPFRAG_CONTENT_TYPE = 'application/trickle-ice-sdpfrag'

/** What the handler reports up to the SIP call that owns it. */
export interface MediaHandlerHooks {
  /** Something went wrong in media negotiation or trickle; recorded in the call's errors. */
  onError(message: string): void
}

/** Options sip.js passes through `sessionDescriptionHandlerOptions` that rtcspec understands. */
export interface RtcspecSdhOptions extends SessionDescriptionHandlerOptions {
  /** Put the call on hold (offer `sendonly`) or take it off hold. */
  hold?: boolean
}

function setDirectionInSdp(sdp: string, direction: 'sendonly' | 'sendrecv'): string {
  const eol = sdp.includes('\r\n') ? '\r\n' : '\n'
  return sdp
    .split(eol)
    .map((l) => (/^a=(sendrecv|sendonly|recvonly|inactive)$/.test(l) ? `a=${direction}` : l))
    .join(eol)
}

/** A sip.js SessionDescriptionHandler driving one rtcspec `Peer`. */
export class PeerSessionDescriptionHandler implements SessionDescriptionHandler {
  readonly peer: Peer
  /** Whether this call trickles candidates over INFO. */
  readonly trickle: boolean
  /** Local and remote SDPs in order, for ladders and records. */
  readonly descriptions: Array<{ atMs: number; direction: 'local' | 'remote'; type: 'offer' | 'answer'; sdp: string }> = []
  readonly #hooks: MediaHandlerHooks
  #state: 'stable' | 'have-local-offer' | 'have-remote-offer' = 'stable'
  #pendingRemoteOffer: string | undefined
  #lastLocal: string | undefined
  #trickler: TrickleOverInfo | undefined
  #closed = false

  constructor(peer: Peer, trickle: boolean, hooks: MediaHandlerHooks) {
    this.peer = peer
    this.trickle = trickle
    this.#hooks = hooks
  }

  /** Starts sending candidates over INFO on `session` once its dialog is established. */
  attachTrickle(session: Session): TrickleOverInfo | undefined {
    if (!this.trickle) return undefined
    this.#trickler ??= new TrickleOverInfo(
      this.peer,
      session,
      this.#hooks,
      () => this.#lastLocal,
      () => this.#state === 'stable',
    )
    return this.#trickler
  }

  /** The trickle channel, when trickling. */
  get trickler(): TrickleOverInfo | undefined {
    return this.#trickler
  }

  async getDescription(options?: RtcspecSdhOptions): Promise<BodyAndContentType> {
    if (this.#closed) throw new RtcspecError('PEER_CLOSED', `${this.peer.name}: media handler closed`)
    let sdp: string
    let type: 'offer' | 'answer'
    if (this.#pendingRemoteOffer !== undefined) {
      const offer = this.#pendingRemoteOffer
      this.#pendingRemoteOffer = undefined
      sdp = (await this.peer.acceptOffer({ type: 'offer', sdp: offer })).sdp
      type = 'answer'
      this.#state = 'stable'
      await this.#trickler?.remoteDescriptionApplied()
    } else {
      const hold = options?.hold
      const setDirection = (this.peer as { setDirection?: (d: 'sendonly' | 'sendrecv') => void }).setDirection
      if (hold !== undefined && setDirection) setDirection.call(this.peer, hold ? 'sendonly' : 'sendrecv')
      sdp = (await this.peer.createOffer()).sdp
      // werift peers have no direction setter: hold is signalled in the SDP only.
      if (hold !== undefined && !setDirection) sdp = setDirectionInSdp(sdp, hold ? 'sendonly' : 'sendrecv')
      type = 'offer'
      this.#state = 'have-local-offer'
    }
    if (this.trickle && !/^a=ice-options:.*trickle/m.test(sdp)) sdp = sdp.replace(/(\r?\n)(m=)/, `$1a=ice-options:trickle$1$2`)
    this.#lastLocal = sdp
    this.descriptions.push({ atMs: Date.now(), direction: 'local', type, sdp })
    return { body: sdp, contentType: 'application/sdp' }
  }

  async setDescription(sdp: string): Promise<void> {
    if (this.#closed) throw new RtcspecError('PEER_CLOSED', `${this.peer.name}: media handler closed`)
    if (this.#state === 'have-local-offer') {
      this.descriptions.push({ atMs: Date.now(), direction: 'remote', type: 'answer', sdp })
      await this.peer.acceptAnswer({ type: 'answer', sdp })
      this.#state = 'stable'
      await this.#trickler?.remoteDescriptionApplied()
    } else {
      this.descriptions.push({ atMs: Date.now(), direction: 'remote', type: 'offer', sdp })
      this.#pendingRemoteOffer = sdp
      this.#state = 'have-remote-offer'
    }
  }

  hasDescription(contentType: string): boolean {
    return contentType.split(';')[0]!.trim().toLowerCase() === 'application/sdp'
  }

  async rollbackDescription(): Promise<void> {
    this.#pendingRemoteOffer = undefined
    this.#state = 'stable'
  }

  sendDtmf(tones: string, options?: unknown): boolean {
    this.peer
      .sendDtmf(tones, (options ?? {}) as Parameters<Peer['sendDtmf']>[1])
      .catch((e: unknown) => this.#hooks.onError(`RFC 4733 DTMF "${tones}": ${e instanceof Error ? e.message : String(e)}`))
    return true
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#trickler?.stop()
    // The SIP call closes the peer (and records it first); nothing else to do here.
  }
}

/** Sends local candidates in INFO requests and applies the ones the far end sends (RFC 8840). */
export class TrickleOverInfo {
  /** INFO requests sent / received with candidates. */
  infosSent = 0
  infosReceived = 0
  /** Candidates sent / received. */
  candidatesSent = 0
  candidatesReceived = 0
  endOfCandidatesSent = false
  endOfCandidatesReceived = false
  /** INFO requests sent within the early dialog (after a PRACKed reliable 18x), before the 200. */
  earlyInfosSent = 0
  /** INFO bodies that arrived before the remote description (the answer) was applied, applied later. */
  heldUntilAnswer = 0
  /** Why the far end refused an INFO on the early dialog (the candidates then wait for the confirmed dialog). */
  earlyInfoRefused: string | undefined
  readonly #peer: Peer
  readonly #session: Session
  readonly #hooks: MediaHandlerHooks
  readonly #localSdp: () => string | undefined
  readonly #hasRemoteDescription: () => boolean
  readonly #queue: Array<CandidateInit | null> = []
  readonly #received: string[] = []
  readonly #unsubscribe: () => void
  #sending = false
  #established = false
  #earlyDialog: Core.SessionDialog | undefined
  #stopped = false

  constructor(peer: Peer, session: Session, hooks: MediaHandlerHooks, localSdp: () => string | undefined, hasRemoteDescription: () => boolean = () => true) {
    this.#peer = peer
    this.#session = session
    this.#hooks = hooks
    this.#localSdp = localSdp
    this.#hasRemoteDescription = hasRemoteDescription
    this.#unsubscribe = peer.onLocalCandidate((c) => {
      this.#queue.push(c)
      void this.#flush()
    })
  }

  /** Call when the dialog is established: queued candidates go out. */
  established(): void {
    this.#established = true
    void this.#flush()
  }

  /**
   * Call when an early dialog can carry INFO (RFC 8840, the reliable 18x with the answer was PRACKed):
   * queued candidates go out within it, before the call is answered.
   */
  earlyDialog(dialog: Core.SessionDialog): void {
    this.#earlyDialog = dialog
    void this.#flush()
  }

  /** Sends one INFO: in the confirmed dialog through sip.js's session, in an early one through its core INFO client. */
  #sendInfo(body: string): Promise<void> {
    const requestOptions = {
      body: { contentDisposition: 'render', contentType: SDPFRAG_CONTENT_TYPE, content: body },
      extraHeaders: [`Info-Package: ${TRICKLE_INFO_PACKAGE}`],
    }
    return new Promise<void>((resolve, reject) => {
      const requestDelegate = {
        onAccept: () => resolve(),
        onReject: (r: Core.IncomingResponse) =>
          reject(new RtcspecError('SIP_TRICKLE', `trickle INFO rejected: ${r.message.statusCode} ${r.message.reasonPhrase}`)),
      }
      const early = this.#earlyDialog
      if (!this.#established && early) {
        try {
          new Core.InfoUserAgentClient(early, requestDelegate, requestOptions)
          this.earlyInfosSent++
        } catch (e) {
          reject(e)
        }
        return
      }
      this.#session.info({ requestOptions, requestDelegate }).catch(reject)
    })
  }

  stop(): void {
    this.#stopped = true
    this.#unsubscribe()
  }

  async #flush(): Promise<void> {
    if ((!this.#established && !this.#earlyDialog) || this.#sending || this.#stopped || this.#queue.length === 0) return
    this.#sending = true
    try {
      for (let guard = 0; guard < 1000 && this.#queue.length > 0 && !this.#stopped; guard++) {
        const batch = this.#queue.splice(0)
        const end = batch.includes(null)
        const candidates = batch.filter((c): c is CandidateInit => c !== null)
        const sdp = this.#localSdp() ?? ''
        const ufrag = /^a=ice-ufrag:(\S+)/m.exec(sdp)?.[1]
        const pwd = /^a=ice-pwd:(\S+)/m.exec(sdp)?.[1]
        const mid = candidates[0]?.sdpMid ?? /^a=mid:(\S+)/m.exec(sdp)?.[1] ?? '0'
        if (!ufrag || !pwd) {
          this.#hooks.onError(`trickle: the local SDP has no ICE credentials; cannot build an sdpfrag`)
          return
        }
        const body = buildSdpFrag({ ufrag, pwd, media: [{ mid, candidates: candidates.map((c) => c.candidate), endOfCandidates: end }] })
        const early = !this.#established
        try {
          await this.#sendInfo(body)
        } catch (e) {
          if (!early || this.#established) throw e
          // The far end would not take INFO on the early dialog: keep these candidates for the confirmed one.
          this.earlyInfoRefused = e instanceof Error ? e.message : String(e)
          this.#earlyDialog = undefined
          this.#queue.unshift(...batch)
          return
        }
        this.infosSent++
        this.candidatesSent += candidates.length
        if (end) this.endOfCandidatesSent = true
      }
    } catch (e) {
      this.#hooks.onError(`trickle: ${e instanceof Error ? e.message : String(e)}`)
    } finally {
      this.#sending = false
    }
    if (this.#queue.length) void this.#flush()
  }

  /** Call once the remote description is applied: candidates held until then are applied. */
  async remoteDescriptionApplied(): Promise<void> {
    for (const body of this.#received.splice(0)) {
      try {
        await this.#apply(parseSdpFrag(body))
      } catch (e) {
        this.#hooks.onError(`trickle (held until the answer): ${e instanceof Error ? e.message : String(e)}`)
      }
    }
  }

  /**
   * Applies a received `application/trickle-ice-sdpfrag` body (or holds it until the answer is applied, for
   * candidates trickled on an early dialog). Throws a ParseError for a bad body.
   */
  async receive(body: string): Promise<void> {
    const frag = parseSdpFrag(body)
    this.infosReceived++
    if (!this.#hasRemoteDescription()) {
      this.heldUntilAnswer++
      this.#received.push(body)
      return
    }
    await this.#apply(frag)
  }

  async #apply(frag: ReturnType<typeof parseSdpFrag>): Promise<void> {
    for (const { mid, candidate } of sdpFragCandidates(frag)) {
      this.candidatesReceived++
      await this.#peer.addRemoteCandidate({ candidate: serializeCandidate(candidate), sdpMid: mid, sdpMLineIndex: 0 })
    }
    if (frag.endOfCandidates || frag.media.some((m) => m.endOfCandidates)) {
      this.endOfCandidatesReceived = true
      await this.#peer.addRemoteCandidate(null)
    }
  }
}
