/**
 * WHIP client (RFC 9725): publish a peer's media to a WHIP endpoint. See `session-client.ts` for the
 * protocol behaviour (token, redirects, Link ice servers, trickle PATCH, ICE restart, DELETE).
 */
import type { AudioSendHandle, AudioSourceSpec, Peer } from '../peers/types.ts'
import { createWeriftPeer, type WeriftPeer, type WeriftPeerOptions } from '../peers/werift/peer.ts'
import { sessionRecording, type SessionRecordOption } from './session-record.ts'
import { checkClientOptions } from './client-options.ts'
import { DEFAULT_CLIENT_AUDIO_CODECS, startClientSession, withIceServersApplied, type ClientSession, type SessionClientOptions } from './session-client.ts'

/** Options of {@link publish}. */
export interface PublishOptions extends SessionClientOptions {
  /**
   * The peer to publish from (werift, Chromium, ...). When omitted, a werift peer (audio sendonly, offering
   * Opus, PCMU, PCMA as browsers do) is created and closed with the session.
   */
  peer?: Peer
  /** Options of the werift peer created when `peer` is omitted (`codecs` replaces the Opus-first default). */
  peerOptions?: WeriftPeerOptions
  /**
   * Write a `kind: 'whip'` call record (call_records.jsonl, docs/call-records.md) when the session is closed or
   * fails to start: `true`, or `{ test, dir }` to name the test and the report directory. Default: no record
   * (the `whip` fixture always writes one, with the test's name and result).
   */
  callRecord?: SessionRecordOption
  /** Audio to send once connected (e.g. `tone(440)`). */
  audio?: AudioSourceSpec
}

/** A WHIP publishing session. */
export interface WhipSession extends ClientSession {
  /** The audio being sent, when `audio` was given. */
  readonly audio: AudioSendHandle | undefined
}

/**
 * Publishes to a WHIP endpoint: POSTs the peer's offer, applies the answer, trickles candidates, and
 * starts `audio` (if given) when the connection is up. Close the session (`await using`) to DELETE it.
 *
 * @throws {SessionHttpError} when the server's answer to the POST is not a usable 201.
 */
export async function publish(url: string, options: PublishOptions = {}): Promise<WhipSession> {
  checkClientOptions('whip', options)
  const owned = options.peer === undefined
  const peer =
    options.peer ??
    createWeriftPeer({
      name: 'whip-publisher',
      audio: 'sendonly',
      ...options.peerOptions,
      codecs: options.peerOptions?.codecs ?? [...DEFAULT_CLIENT_AUDIO_CODECS],
    })
  const audio = options.audio !== undefined ? peer.sendAudio(options.audio) : undefined
  const recording = sessionRecording('whip', options)
  const sessionOptions = {
    ...(owned ? withIceServersApplied(options, peer as WeriftPeer) : options),
    ...(recording.recorder ? { recorder: recording.recorder } : {}),
  }
  const onClose = async (): Promise<void> => {
    await recording.finish()
    if (owned) await peer.close()
  }
  try {
    const session = await startClientSession('whip', url, peer, sessionOptions, onClose)
    return Object.assign(session, { audio })
  } catch (e) {
    await recording.finish()
    if (owned) await peer.close()
    throw e
  }
}
