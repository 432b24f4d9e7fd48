/**
 * Headless Chromium peers: a real browser's WebRTC stack behind rtcspec's `Peer` interface.
 * @module
 */
export { createChromiumPeer, ChromiumPeer, ChromiumPeerOptionsSchema } from './peer.ts'
export type { ChromiumPeerOptions } from './peer.ts'
export { ChromiumInboundTrack, BrowserRtpStats } from './inbound-track.ts'
export type { ArrivalGapWatch } from './inbound-track.ts'
export { arrivalGapBounds } from './arrival-gap.ts'
export type { ArrivalGapBounds, ArrivalSample } from './arrival-gap.ts'
export { acquireBrowser, chromiumArgs, chromiumExecutable, launchedBrowserPids, liveBrowserPids, liveBrowserProcesses } from './browser.ts'
export type { BrowserLease, BrowserOptions } from './browser.ts'
export { normalizeBrowserStats, snapshotFromBrowser, codecFromStats } from './stats.ts'
export type { BrowserInbound, BrowserOutbound, BrowserStatsView } from './stats.ts'
export { PageServer } from './page-server.ts'
export { chromiumDescendants, descendants, treeRssBytes, treePssBytes, isAlive, listProcesses, processesWithArg } from './process-tree.ts'
export type { ProcessInfo } from './process-tree.ts'
