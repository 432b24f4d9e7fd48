/**
 * The installed version of a dependency, read from its package.json (found by walking up from its entry
 * point: werift's `exports` do not include `./package.json`).
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { z } from 'zod'

const PackageJsonSchema = z.object({ name: z.string(), version: z.string() })

const cache = new Map<string, string | null>()

/** The version of `name` as installed for rtcspec, or null when it cannot be found or read. */
export function installedVersion(name: string): string | null {
  if (cache.has(name)) return cache.get(name) ?? null
  let version: string | null = null
  try {
    let dir = dirname(createRequire(import.meta.url).resolve(name))
    for (let i = 0; i < 8 && version === null; i++) {
      const file = join(dir, 'package.json')
      if (existsSync(file)) {
        const parsed = PackageJsonSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')))
        if (parsed.success && parsed.data.name === name) version = parsed.data.version
      }
      const up = dirname(dir)
      if (up === dir) break
      dir = up
    }
  } catch {
    version = null
  }
  cache.set(name, version)
  return version
}
