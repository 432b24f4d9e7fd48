/**
 * Keeps opusscript's encode and decode on memory its encoder and decoder own, whatever the WebAssembly heap did.
 *
 * opusscript 0.1.1 (index.js) makes four typed-array views of its WebAssembly heap once, in the constructor, and
 * reuses them on every `encode` / `decode`:
 * 1. Its build has ALLOW_MEMORY_GROWTH. When enough encoders and decoders exist in one process (about 160 at the
 *    default 16 MiB), creating the next one grows the memory, the old `ArrayBuffer` is detached, and every view
 *    made before is empty: `encode` throws ("Cannot perform %TypedArray%.prototype.set on a detached ArrayBuffer")
 *    or hands libopus pointer 0 ("Encode error: Bad argument").
 * 2. The PCM views are `HEAPU16.subarray(pointer, …)`: a byte address used as a 16-bit element index, so the PCM
 *    goes to *twice* the malloc'd address, outside the allocation — into other encoders' state, other allocations'
 *    malloc headers, or past the end of the heap (an empty view). Creating and deleting encoders in varying order
 *    then corrupts the heap ("memory access out of bounds" from `delete`, wrong audio, "Bad argument").
 *
 * The patch replaces `OpusScript.prototype.encode` and `decode`: each call allocates its input and output in the
 * heap as it is now (after the allocation, which may grow it), sized for the native code's layout (one 16-bit
 * element per PCM byte, as `_encode` / `_decode` expect), reads the views from the module's current heap, and frees
 * them. To reach that module it wraps opusscript's build factory in Node's module cache before the first encoder
 * exists, so it must be installed before any `new OpusScript()` in the process (rtcspec's `opusEncoder` /
 * `opusDecoder` do it first). Declared in the patch registry (src/patches) as `opusscript/heap-views`: applied only
 * when the constructor, both methods, the build's loader and its WebAssembly binary are exactly the ones it was
 * written for.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { RtcspecError } from '../../errors.ts'
import { installPatch } from '../install.ts'
import type { PatchDefinition, PatchStatus } from '../types.ts'
import { WRITTEN_FOR } from '../versions.ts'

/** What the patched methods use of an OpusScript instance. */
interface OpusScriptLike {
  options: { wasm?: boolean }
  channels: number
  outOpusPointer: number
  handler: {
    _encode(input: number, bytes: number, output: number, frameSize: number): number
    _decode(input: number, bytes: number, output: number): number
  }
}

interface OpusScriptClass {
  (this: unknown, ...args: unknown[]): unknown
  prototype: {
    encode: (this: OpusScriptLike, buffer: ArrayLike<number>, frameSize: number) => Buffer
    decode: (this: OpusScriptLike, buffer: ArrayLike<number>) => Buffer
  }
  Error: Record<string, string>
}

/** The Emscripten module object of opusscript's WebAssembly build (what the patch reads of it). */
interface NativeModule {
  HEAPU8: Uint8Array
  HEAPU16: Uint16Array
  _malloc(bytes: number): number
  _free(pointer: number): void
}

type Factory = (...args: unknown[]) => unknown

/** Where the wrapped factory keeps the module it created (a registered symbol: one per process, whatever loads this file). */
const NATIVE = Symbol.for('rtcspec.opusscript.native-module')

/** Samples per channel libopus may decode from one packet (the native code's MAX_FRAME_SIZE, 120 ms at 48 kHz). */
const MAX_DECODED_SAMPLES = 960 * 6

const require = createRequire(import.meta.url)

function indexFile(): string {
  return require.resolve('opusscript')
}

function buildFile(ext: 'js' | 'wasm'): string {
  return join(dirname(indexFile()), 'build', `opusscript_native_wasm.${ext}`)
}

function opusScript(): OpusScriptClass {
  return require('opusscript') as OpusScriptClass
}

function isNativeModule(m: unknown): m is NativeModule {
  const o = m as Partial<NativeModule> | null
  return (
    typeof o === 'object' &&
    o !== null &&
    o.HEAPU8 instanceof Uint8Array &&
    o.HEAPU16 instanceof Uint16Array &&
    typeof o._malloc === 'function' &&
    typeof o._free === 'function'
  )
}

/** The WebAssembly module opusscript's encoders live in, once the first one was created after the patch; else undefined. */
function nativeModule(): NativeModule | undefined {
  const factory = require.cache[buildFile('js')]?.exports as Record<symbol, unknown> | undefined
  const m = factory?.[NATIVE]
  return isNativeModule(m) ? m : undefined
}

/** The heap-views patch, as the patch registry lists it. */
export const opusscriptHeapViewsPatch: PatchDefinition = {
  id: 'opusscript/heap-views',
  package: 'opusscript',
  version: WRITTEN_FOR.opusscript,
  fixes: 'encode/decode use heap views made once, at twice the allocated address: they break after memory growth and corrupt the heap',
  targets: [
    { name: 'OpusScript (the constructor)', hash: 'a554ad19d99759e2', source: () => opusScript() },
    { name: 'OpusScript.prototype.encode', hash: 'd72c989614eb1f04', source: () => opusScript().prototype.encode },
    { name: 'OpusScript.prototype.decode', hash: 'fc440d8faac04b0c', source: () => opusScript().prototype.decode },
    { name: 'build/opusscript_native_wasm.js (the module text)', hash: '176802f6e4a7616d', source: () => readFileSync(buildFile('js'), 'utf8') },
    {
      name: 'build/opusscript_native_wasm.wasm (the libopus build)',
      hash: 'c4660cdd4fa0e271',
      source: () => readFileSync(buildFile('wasm')).toString('base64'),
    },
  ],
  apply,
}

function apply(): void {
  const file = buildFile('js')
  const loaded = require.cache[file]
  if (loaded !== undefined && !(NATIVE in (loaded.exports as object))) {
    throw new RtcspecError(
      'PATCH_UNSUPPORTED',
      "opusscript's WebAssembly module was created before the patch was installed (an OpusScript was constructed first)",
      { hint: "create Opus codecs with rtcspec's opusEncoder()/opusDecoder(), or install the patch before the first new OpusScript()" },
    )
  }
  if (loaded === undefined) {
    const factory = require(file) as unknown
    if (typeof factory !== 'function') throw new RtcspecError('PATCH_UNSUPPORTED', `${file} does not export the module factory`)
    const capturing = function capturingFactory(this: unknown, ...args: unknown[]): unknown {
      const m = (factory as Factory).apply(this, args)
      ;(capturing as unknown as Record<symbol, unknown>)[NATIVE] = m
      return m
    }
    ;(capturing as unknown as Record<symbol, unknown>)[NATIVE] = undefined
    const entry = require.cache[file]
    if (entry === undefined) throw new RtcspecError('PATCH_UNSUPPORTED', `${file} is not in Node's module cache after loading it`)
    entry.exports = capturing
  }
  const OpusScript = opusScript()
  const errors = OpusScript.Error
  const { encode: originalEncode, decode: originalDecode } = OpusScript.prototype

  OpusScript.prototype.encode = function encode(this: OpusScriptLike, buffer: ArrayLike<number>, frameSize: number): Buffer {
    const m = this.options.wasm === false ? undefined : nativeModule()
    if (m === undefined) return originalEncode.call(this, buffer, frameSize)
    const bytes = buffer.length
    // `_encode` reads one 16-bit element per PCM byte and, while packing them, up to 2 × `bytes` elements.
    const input = m._malloc(Math.max(4, 4 * bytes))
    try {
      m.HEAPU16.set(buffer, input >> 1)
      const len = this.handler._encode(input, bytes, this.outOpusPointer, frameSize)
      if (len < 0) throw new Error(`Encode error: ${errors[String(len)]}`)
      return Buffer.from(m.HEAPU8.subarray(this.outOpusPointer, this.outOpusPointer + len))
    } finally {
      m._free(input)
    }
  }

  OpusScript.prototype.decode = function decode(this: OpusScriptLike, buffer: ArrayLike<number>): Buffer {
    const m = this.options.wasm === false ? undefined : nativeModule()
    if (m === undefined) return originalDecode.call(this, buffer)
    const bytes = buffer.length
    const input = m._malloc(Math.max(1, bytes))
    // `_decode` writes each PCM byte as one 16-bit element: 4 bytes per decoded sample.
    const output = m._malloc(4 * MAX_DECODED_SAMPLES * this.channels)
    try {
      m.HEAPU8.set(buffer, input)
      const len = this.handler._decode(input, bytes, output)
      if (len < 0) throw new Error(`Decode error: ${errors[String(len)]}`)
      return Buffer.from(m.HEAPU16.subarray(output >> 1, (output >> 1) + len * this.channels * 2))
    } finally {
      m._free(output)
      m._free(input)
    }
  }
}

/**
 * Installs the patch (once per process; later calls return the same status). Call it before the first
 * `new OpusScript()`: rtcspec's Opus encoder and decoder factories do.
 */
export function installOpusscriptHeapViews(): PatchStatus {
  return installPatch(opusscriptHeapViewsPatch)
}
