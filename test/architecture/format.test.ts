/**
 * The tree is formatted and linted by Biome with the one config in biome.jsonc. `npm run lint` fixes what it can;
 * this test is CI's check, so a change that skipped it fails here with Biome's own diagnostics.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, test } from 'vitest'

const root = join(import.meta.dirname, '..', '..')
const biome = join(root, 'node_modules', '.bin', 'biome')

describe('formatting and lint', () => {
  test('`biome ci` passes on the tree (fix with `npm run lint`)', () => {
    expect(existsSync(biome), `${biome} missing: run npm ci`).toBe(true)
    const r = spawnSync(biome, ['ci', '--colors=off', '--max-diagnostics=30', '.'], { cwd: root, encoding: 'utf8', timeout: 120_000 })
    expect(r.error).toBeUndefined()
    expect(r.status, `biome ci failed — run \`npm run lint\`:\n${r.stdout}\n${r.stderr}`).toBe(0)
  })
})
