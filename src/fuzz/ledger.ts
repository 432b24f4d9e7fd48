/**
 * The sessions a fuzz target created and has not yet deleted. Every 201 the fuzzer gets is written here
 * before anything else can fail, and struck off only once a DELETE answered 2xx (or 404/410: already gone);
 * `releaseAll` DELETEs whatever is left, so a failure after a 201 never leaves a session holding the endpoint.
 */
import { fuzzHttp, type FuzzHttpResult } from './http.ts'

/** Resource URLs created on the server and not yet deleted. */
export class SessionLedger {
  readonly #open = new Set<string>()

  /** Records a created resource (absolute URL). */
  add(resource: string): void {
    this.#open.add(resource)
  }

  /** Resources not yet deleted. */
  get open(): readonly string[] {
    return [...this.#open]
  }

  get size(): number {
    return this.#open.size
  }

  /**
   * DELETEs one resource; strikes it off when the server answered 2xx, 404 or 410. Never rejects: a failure
   * comes back as the result (and the resource stays on the ledger for `releaseAll`).
   */
  async delete(resource: string, timeoutMs = 5000): Promise<FuzzHttpResult> {
    const r = await fuzzHttp({ method: 'DELETE', url: resource, timeoutMs })
    const s = r.status ?? 0
    if (!r.error && ((s >= 200 && s < 300) || s === 404 || s === 410)) this.#open.delete(resource)
    return r
  }

  /** DELETEs every resource still open (once each). Resolves with those that could not be deleted. */
  async releaseAll(timeoutMs = 5000): Promise<string[]> {
    const failed: string[] = []
    for (const resource of this.open) {
      const r = await this.delete(resource, timeoutMs)
      if (this.#open.has(resource)) failed.push(`${resource}: ${r.error ?? r.status}`)
    }
    return failed
  }
}
