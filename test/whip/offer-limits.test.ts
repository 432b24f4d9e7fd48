/** The reference server refuses absurd offers before it parses them (a fuzzer found thousands of repeated lines cost seconds). */
import { expect, test } from 'vitest'
import { syntheticOffer } from '../../src/conformance/context.ts'
import { longestSectionLines, MAX_SECTION_LINES } from '../../src/whip/server-session.ts'
import { startMediaServer } from '../../src/whip/media-server.ts'

test('longestSectionLines counts the session part and each media section apart', () => {
  expect(longestSectionLines('v=0\r\ns=-\r\nm=audio 9 x 0\r\na=x\r\na=y\r\nm=video 9 x 96\r\n')).toBe(3)
})

test('a media section with more than MAX_SECTION_LINES lines is refused with 400, a normal offer is not', async () => {
  await using srv = await startMediaServer()
  const normal = syntheticOffer('whip', { video: true }).sdp
  const huge = normal.replace('a=rtcp-mux\r\n', `a=rtcp-mux\r\n${'a=rtpmap:98 VP9/90000\r\n'.repeat(MAX_SECTION_LINES + 1)}`)
  const refused = await fetch(srv.whipUrl(), { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: huge })
  expect(refused.status).toBe(400)
  expect(await refused.text()).toMatch(/a media section has \d+ lines; this server accepts at most 512/)
  expect(srv.sessions.size).toBe(0)
  const ok = await fetch(srv.whipUrl(), { method: 'POST', headers: { 'Content-Type': 'application/sdp' }, body: normal })
  expect(ok.status).toBe(201)
  await ok.text()
})
