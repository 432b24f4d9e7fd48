/**
 * What a fuzz finding looks like: a campaign against a deliberately fragile HTTP offer endpoint (it drops the
 * connection on an a=rtpmap payload type outside 0–127) finds the crash, shrinks it to a minimal offer and
 * saves it under reports/fuzz/, where `rtcspec fuzz … --replay FILE` replays it and the HTML report
 * (reports/index.html, section "Fuzz counterexamples") shows it. See docs/fuzzing.md and docs/reports.md.
 */
import { test, expect } from 'rtcspec'
import { formatCampaignSummary, httpOfferTarget, loadFuzzCaseFile, runCampaign, saveCounterexample, startFragileServer } from 'rtcspec/fuzz'

const seed = Number(process.env.FC_SEED ?? 7)

test('a campaign finds, shrinks and saves the fragile server’s crash', async () => {
  await using server = await startFragileServer() // loopback, stopped at the end of the test
  const result = await runCampaign(httpOfferTarget({ mode: 'sdp', url: server.url }), { runs: 1000, seconds: 60, seed })
  const found = result.counterexample
  expect(found, formatCampaignSummary(result)).toBeDefined()
  expect(found?.outcome.violations).toEqual(['POST offer: connection dropped without a complete response'])
  expect(found?.case.fields.sdp).toMatch(/a=rtpmap:(-\d+|\d{3,}) /)
  const file = saveCounterexample(found!, { url: server.url, invariants: result.invariants }) // reports/fuzz/*.json
  expect(loadFuzzCaseFile(file).replay).toContain('--replay')
}, 90_000)
