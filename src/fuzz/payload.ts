/**
 * Fuzz payloads are strings, so counterexamples stay readable JSON. Bytes that are not valid UTF-8 are
 * carried in the string as lone low surrogates U+DC80..U+DCFF ("surrogate escape", one per raw byte 0x80..0xFF),
 * and {@link encodePayload} turns them back into those exact bytes when the payload goes on the wire.
 */

/** Marks raw byte `b` (0x80..0xFF) inside a payload string. */
export function rawByte(b: number): string {
  return String.fromCharCode(0xdc00 + (b & 0xff))
}

/** Whether a payload string carries raw (non-UTF-8) bytes. */
export function hasRawBytes(payload: string): boolean {
  return /[\udc80-\udcff]/.test(payload)
}

const encoder = new TextEncoder()

/**
 * Encodes a payload string to the bytes sent on the wire: UTF-8, except that each lone surrogate
 * U+DC80..U+DCFF becomes the single byte 0x80..0xFF it stands for (so invalid UTF-8 reaches the target).
 */
export function encodePayload(payload: string): Uint8Array {
  if (!hasRawBytes(payload)) return encoder.encode(payload)
  const parts: number[] = []
  for (let i = 0; i < payload.length; i++) {
    const c = payload.charCodeAt(i)
    if (c >= 0xdc80 && c <= 0xdcff && !(i > 0 && isHigh(payload.charCodeAt(i - 1)))) {
      parts.push(c - 0xdc00)
      continue
    }
    // a full code point (a surrogate pair stays together)
    const cp = payload.codePointAt(i) ?? c
    const ch = String.fromCodePoint(cp)
    if (cp > 0xffff) i++
    for (const b of encoder.encode(ch)) parts.push(b)
  }
  return Uint8Array.from(parts)
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff
}

/** What a text parser sees when it decodes the wire bytes of `payload` as UTF-8 (invalid bytes → U+FFFD). */
export function decodedPayload(payload: string): string {
  return new TextDecoder('utf-8', { fatal: false }).decode(encodePayload(payload))
}
