/**
 * The transport address a UDP/TCP user agent advertises (RFC 3261 §8.1.1.7 Via sent-by, §8.1.1.8 Contact).
 * sip.js writes its `viaHost` without a port into both, and drops responses whose Via carries a port; the
 * transport therefore stamps the real port (or the user's override) into the top Via of every request and
 * into our Contact on the way out, and takes it off the top Via of responses on the way in.
 */

/** A host and port to advertise. */
export interface AdvertisedAddress {
  host: string
  port: number
}

/** What a transport writes into Via and Contact. */
export interface Advertisement {
  /** The host sip.js writes (its `viaHost`). */
  readonly sipJsHost: string
  via: AdvertisedAddress
  contact: AdvertisedAddress
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function hostPort(a: AdvertisedAddress): string {
  return `${a.host.includes(':') && !a.host.startsWith('[') ? `[${a.host}]` : a.host}:${a.port}`
}

/** Rewrites messages between sip.js's portless form and the advertised wire form. */
export class AddressStamper {
  readonly #ad: Advertisement
  readonly #viaOut: RegExp
  readonly #contactOut: RegExp
  readonly #viaIn: RegExp

  constructor(ad: Advertisement) {
    this.#ad = ad
    const host = escapeRegExp(ad.sipJsHost)
    // The first Via line as sip.js writes it: `Via: SIP/2.0/UDP <host>;branch=…` (no port).
    this.#viaOut = new RegExp(`^((?:Via|v)[ \\t]*:[ \\t]*SIP/2\\.0/[A-Za-z]+[ \\t]+)${host}(?=[;\\s])`, 'im')
    // Our Contact URI: `<sip:token@<host>;transport=…>` (no port).
    this.#contactOut = new RegExp(`^((?:Contact|m)[ \\t]*:[^\\r\\n]*?sips?:[^@\\s>;]+@)${host}(?=[;>])`, 'gim')
    this.#viaIn = new RegExp(`^((?:Via|v)[ \\t]*:[ \\t]*SIP/2\\.0/[A-Za-z]+[ \\t]+)${escapeRegExp(hostPort(ad.via))}(?=[;\\s])`, 'im')
  }

  get advertisement(): Advertisement {
    return this.#ad
  }

  /** An outgoing message as it goes on the wire: the real sent-by in our top Via (requests) and Contact. */
  outgoing(text: string, isRequest: boolean): string {
    const head = headOf(text)
    let h = head
    if (isRequest) h = h.replace(this.#viaOut, `$1${hostPort(this.#ad.via)}`)
    h = h.replace(this.#contactOut, `$1${hostPort(this.#ad.contact)}`)
    return h === head ? text : h + text.slice(head.length)
  }

  /** An incoming response as sip.js expects it: our top Via back in sip.js's portless form. */
  incomingResponse(text: string): string {
    const head = headOf(text)
    const h = head.replace(this.#viaIn, `$1${this.#ad.sipJsHost}`)
    return h === head ? text : h + text.slice(head.length)
  }
}

function headOf(text: string): string {
  const end = text.indexOf('\r\n\r\n')
  return end < 0 ? text : text.slice(0, end)
}
