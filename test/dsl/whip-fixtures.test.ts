/** The whip/whep fixtures: sessions are DELETEd, peers closed and servers stopped after the test. */
import { createServer } from 'node:net'
import { expect } from 'vitest'
import { test } from '../../src/dsl/fixtures.ts'
import type { MediaServer } from '../../src/whip/media-server.ts'
import { hasTool } from '../support/requires.ts'

let server: MediaServer | undefined
let port = 0

test('publish and play through fixtures (Chromium viewer when available)', async ({ whip, whep, tone }) => {
  server = await whip.server()
  port = server.port
  await whip.publish(server.whipUrl(), { audio: tone(440) })
  const view = await whep.play(server.whepUrl(), hasTool('chromium') ? { peer: 'chromium' } : {})
  const track = await view.audio(10_000)
  await track.waitForPackets(50, 15_000)
  expect(server.sessions.size).toBe(2)
}, 60_000)

test('after the test: both sessions were DELETEd and the server stopped', async () => {
  expect(server).toBeDefined()
  const deletes = server?.requests.filter((r) => r.method === 'DELETE' && r.status === 200) ?? []
  expect(deletes.length).toBe(2)
  const free = await new Promise<boolean>((resolve) => {
    const s = createServer()
    s.once('error', () => resolve(false))
    s.listen(port, '127.0.0.1', () => s.close(() => resolve(true)))
  })
  expect(free).toBe(true)
})
