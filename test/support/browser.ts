/**
 * One headless Chromium for a whole test file. A Chromium peer leases the process's shared browser
 * (src/peers/chromium/browser.ts) and the last lease released closes it, so a file whose tests each open and
 * close their own peers launches a browser per test. A file that holds a lease from its first test to its end
 * launches one, and its peers open pages in it.
 *
 * Call {@link holdBrowserForFile} inside the `describe` that uses Chromium (so a skipped describe launches
 * nothing), and `await held.release()` in that describe's `afterAll` before checking that no browser is left.
 */
import { beforeAll } from 'vitest'
import { acquireBrowser, type BrowserLease } from '../../src/peers/chromium/browser.ts'

/** The file's lease on the shared browser. */
export interface HeldBrowser {
  /** Gives the lease back (idempotent); the browser closes once no peer holds it either. */
  release(): Promise<void>
}

/** Leases the shared browser in a `beforeAll` of the calling suite, for its whole run. */
export function holdBrowserForFile(): HeldBrowser {
  let lease: BrowserLease | undefined
  beforeAll(async () => {
    lease = await acquireBrowser()
  }, 60_000)
  return {
    async release() {
      const l = lease
      lease = undefined
      await l?.release()
    },
  }
}
