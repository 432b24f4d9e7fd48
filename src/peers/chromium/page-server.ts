/**
 * The local origin Chromium peers' pages come from: a node:http server on `127.0.0.1:<OS port>` that serves the
 * in-page peer (`page/peer.js`, its video part `page/video.js`), its recorder worklet, and audio chunks rendered from rtcspec sources.
 * `http://127.0.0.1` is a secure context, so WebRTC and WebAudio work without certificates.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { readFileSync } from 'node:fs'
import { randomUUID } from 'node:crypto'
import type { AddressInfo } from 'node:net'
import type { AudioSource } from '../../media/types.ts'

const PAGE_HTML = `<!doctype html><html><head><meta charset="utf-8"><title>rtcspec peer</title></head>
<body><script src="/video.js"></script><script src="/peer.js"></script></body></html>`

function pageFile(name: string): string {
  return readFileSync(new URL(`./page/${name}`, import.meta.url), 'utf8')
}

/** One audio source being streamed to a page in chunks. */
interface AudioStream {
  source: AudioSource
  chunkSamples: number
  ended: boolean
  /** Samples served so far. */
  served: number
}

/** A registered audio stream: the URL the page pulls chunks from. */
export interface AudioStreamHandle {
  /** Path on the page server, e.g. `/audio/<token>`. */
  readonly path: string
  /** Samples handed to the page so far. */
  readonly servedSamples: number
  /** Stops serving (the page then gets 404). */
  dispose(): void
}

/** The page server. Start it with {@link PageServer.start}; `close()` is idempotent. */
export class PageServer implements AsyncDisposable {
  readonly #server: Server
  readonly #files: Record<string, { type: string; body: string }>
  readonly #streams = new Map<string, AudioStream>()
  #closed = false
  /** `http://127.0.0.1:<port>` */
  readonly origin: string

  private constructor(server: Server, origin: string) {
    this.#server = server
    this.origin = origin
    this.#files = {
      '/peer.html': { type: 'text/html; charset=utf-8', body: PAGE_HTML },
      '/peer.js': { type: 'text/javascript; charset=utf-8', body: pageFile('peer.js') },
      '/video.js': { type: 'text/javascript; charset=utf-8', body: pageFile('video.js') },
      '/recorder-worklet.js': { type: 'text/javascript; charset=utf-8', body: pageFile('recorder-worklet.js') },
    }
  }

  /** Starts a server on 127.0.0.1 with a port from the OS. */
  static async start(): Promise<PageServer> {
    let instance: PageServer | undefined
    const server = createServer((req, res) => instance?.handle(req, res))
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => {
        server.off('error', reject)
        resolve()
      })
    })
    const { port } = server.address() as AddressInfo
    instance = new PageServer(server, `http://127.0.0.1:${port}`)
    return instance
  }

  /** URL of the peer page. */
  get pageUrl(): string {
    return `${this.origin}/peer.html`
  }

  /**
   * Serves `source` to a page as consecutive chunks of `chunkMs`: each GET `<path>?n=<i>` renders the next chunk
   * (4-byte little-endian sample rate, then PCM16 LE); 204 once the source ended.
   */
  registerAudio(source: AudioSource, chunkMs = 250): AudioStreamHandle {
    const token = randomUUID()
    const stream: AudioStream = { source, chunkSamples: Math.max(1, Math.round((source.sampleRate * chunkMs) / 1000)), ended: false, served: 0 }
    this.#streams.set(token, stream)
    const path = `/audio/${token}`
    return {
      path,
      get servedSamples() {
        return stream.served
      },
      dispose: () => {
        this.#streams.delete(token)
      },
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    try {
      const url = new URL(req.url ?? '/', this.origin)
      const file = this.#files[url.pathname]
      if (req.method === 'GET' && file) {
        res.writeHead(200, { 'content-type': file.type, 'cache-control': 'no-store' })
        res.end(file.body)
        return
      }
      if (url.pathname === '/favicon.ico') {
        res.writeHead(204, { 'cache-control': 'max-age=3600' })
        res.end()
        return
      }
      const m = /^\/audio\/([0-9a-f-]{36})$/.exec(url.pathname)
      const stream = m ? this.#streams.get(m[1] as string) : undefined
      if (req.method === 'GET' && stream) {
        this.serveChunk(stream, res)
        return
      }
      res.writeHead(404, { 'content-type': 'text/plain' })
      res.end('not found')
    } catch (e) {
      res.writeHead(500, { 'content-type': 'text/plain' })
      res.end(e instanceof Error ? e.message : String(e))
    }
  }

  private serveChunk(stream: AudioStream, res: ServerResponse): void {
    if (stream.ended) {
      res.writeHead(204, { 'cache-control': 'no-store' })
      res.end()
      return
    }
    const pcm = new Int16Array(stream.chunkSamples)
    const more = stream.source.read(pcm)
    if (!more) stream.ended = true
    stream.served += pcm.length
    const body = Buffer.alloc(4 + pcm.byteLength)
    body.writeUInt32LE(stream.source.sampleRate, 0)
    Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).copy(body, 4)
    res.writeHead(200, { 'content-type': 'application/octet-stream', 'cache-control': 'no-store', 'content-length': String(body.length) })
    res.end(body)
  }

  /** Whether `close()` was called. */
  get closed(): boolean {
    return this.#closed
  }

  /** Stops the server and drops every connection. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    this.#streams.clear()
    this.#server.closeAllConnections()
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}
