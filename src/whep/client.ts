/**
 * WHEP client (draft-ietf-wish-whep-03): play a stream from a WHEP endpoint into a peer. Shares the
 * protocol machinery of the WHIP client (`src/whip/session-client.ts`) and adds 409 + Retry-After retries
 * and server counter-offers (406 + SDP offer, answered by PATCH).
 */
import type { InboundTrack, Peer } from '../peers/types.ts'
import { createWeriftPeer, type WeriftPeer, type WeriftPeerOptions } from '../peers/werift/peer.ts'
import { sessionRecording, type SessionRecordOption } from '../whip/session-record.ts'
import type { z } from 'zod'
import { checkClientOptions, type AssertTrue, type PlayOptionsSchema, type Same } from '../whip/client-options.ts'
import {
  DEFAULT_CLIENT_AUDIO_CODECS,
  startClientSession,
  withIceServersApplied,
  type ClientSession,
  type SessionClientOptions,
} from '../whip/session-client.ts'

/** Options of {@link play}. */
export interface PlayOptions extends SessionClientOptions {
  /**
   * The viewing peer. When omitted, a werift peer (audio recvonly, offering Opus, PCMU, PCMA as browsers do) is
   * created and closed with the session.
   */
  peer?: Peer
  /** Options of the werift peer created when `peer` is omitted (`codecs` replaces the Opus-first default). */
  peerOptions?: WeriftPeerOptions
  /**
   * Write a `kind: 'whep'` call record (call_records.jsonl, docs/call-records.md) when the session is closed or
   * fails to start: `true`, or `{ test, dir }` to name the test and the report directory. Default: no record
   * (the `whep` fixture always writes one, with the test's name and result).
   */
  callRecord?: SessionRecordOption
}

/** Compile-time: the schema knows exactly the keys of `PlayOptions`. */
export type PlayOptionKeysCovered = AssertTrue<Same<keyof PlayOptions, keyof z.input<typeof PlayOptionsSchema>>>

/** A WHEP viewing session. */
export interface WhepSession extends ClientSession {
  /** Resolves with the first inbound audio track. */
  audio(timeoutMs?: number): Promise<InboundTrack>
}

/**
 * Plays from a WHEP endpoint. Close the session (`await using`) to DELETE it.
 *
 * @throws {SessionHttpError} when the server's answer to the POST is not a usable 201 (or 406 counter-offer).
 */
export async function play(url: string, options: PlayOptions = {}): Promise<WhepSession> {
  checkClientOptions('whep', options)
  const owned = options.peer === undefined
  const peer =
    options.peer ??
    createWeriftPeer({
      name: 'whep-viewer',
      audio: 'recvonly',
      ...options.peerOptions,
      codecs: options.peerOptions?.codecs ?? [...DEFAULT_CLIENT_AUDIO_CODECS],
    })
  const recording = sessionRecording('whep', options)
  const sessionOptions = {
    ...(owned ? withIceServersApplied(options, peer as WeriftPeer) : options),
    ...(recording.recorder ? { recorder: recording.recorder } : {}),
  }
  const onClose = async (): Promise<void> => {
    await recording.finish()
    if (owned) await peer.close()
  }
  try {
    const session = await startClientSession('whep', url, peer, sessionOptions, onClose)
    return Object.assign(session, { audio: (timeoutMs = 5_000) => peer.waitForTrack('audio', timeoutMs) })
  } catch (e) {
    await recording.finish()
    if (owned) await peer.close()
    throw e
  }
}
