/**
 * The patch registry (src/patches): every patch matches the werift and sip.js this project pins, and a patch
 * whose target is not the source it was written for reports `unsupported` and changes nothing.
 */
import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Connection } from 'werift'
import { describe, expect, test, vi } from 'vitest'
import {
  ALL_PATCHES,
  WRITTEN_FOR,
  installAllPatches,
  installPatch,
  installedVersion,
  patchStatus,
  sourceHash,
  type PatchDefinition,
} from '../../src/patches/index.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

describe('the patch registry against the installed dependencies', () => {
  test('every patch is installed: each target is exactly the source it was written for', async () => {
    const statuses = await installAllPatches()
    expect(statuses.map((s) => s.id)).toEqual(ALL_PATCHES.map((p) => p.id))
    // On a dependency upgrade this names each patch and the target whose source hash changed.
    const notInstalled = statuses.filter((s) => s.state !== 'installed').map((s) => `${s.id}: ${s.reason}`)
    expect(notInstalled, 'patches not applied (update the patch and its hash, or drop it; see docs/upstream.md)').toEqual([])
  })

  test('package.json pins exactly the versions the patches were written for, and those are installed', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
    for (const [name, version] of Object.entries(WRITTEN_FOR)) {
      expect(pkg.dependencies[name], `package.json pin of ${name}`).toBe(version)
      expect(installedVersion(name), `installed ${name}`).toBe(version)
    }
    for (const p of ALL_PATCHES) expect(p.version, p.id).toBe(WRITTEN_FOR[p.package])
  })

  test('every declaration is complete: unique id, one-line purpose, at least one hashed target', () => {
    expect(new Set(ALL_PATCHES.map((p) => p.id)).size).toBe(ALL_PATCHES.length)
    for (const p of ALL_PATCHES) {
      expect(p.id.startsWith(`${p.package}/`), p.id).toBe(true)
      expect(p.fixes, p.id).toMatch(/^[^\n]{20,200}$/)
      expect(p.targets.length, p.id).toBeGreaterThan(0)
      for (const t of p.targets) expect(t.hash, `${p.id} ${t.name}`).toMatch(/^[0-9a-f]{16}$/)
    }
  })

  test('docs/upstream.md has a report for every patch', () => {
    const doc = readFileSync(join(root, 'docs', 'upstream.md'), 'utf8')
    for (const p of ALL_PATCHES) expect(doc, p.id).toContain(`\`${p.id}\``)
  })
})

/** A throw-away definition around `target` (an object whose method `f` the patch would wrap). */
function wrapping(
  id: string,
  target: { f: () => string },
  hash: string,
  apply = vi.fn(() => {
    const original = target.f
    target.f = () => `patched ${original()}`
  }),
): PatchDefinition & { apply: typeof apply } {
  return {
    id,
    package: 'werift',
    version: WRITTEN_FOR.werift,
    fixes: 'a test patch that wraps a method',
    targets: [{ name: 'target.f', hash, source: () => target.f }],
    apply,
  }
}

describe('installPatch', () => {
  test('a target whose source hash differs: unsupported, named with both hashes, and not applied', () => {
    const original = (Connection as unknown as { prototype: { checkIncoming: unknown } }).prototype.checkIncoming
    const apply = vi.fn()
    const def: PatchDefinition = {
      id: 'werift/test-wrong-hash',
      package: 'werift',
      version: WRITTEN_FOR.werift,
      fixes: 'a test patch written for other code than the installed one',
      targets: [{ name: 'Connection.prototype.checkIncoming', hash: '0000000000000000', source: () => original }],
      apply,
    }
    expect(patchStatus(def).state).toBe('not-installed')
    const s = installPatch(def)
    expect(s.state).toBe('unsupported')
    expect(s.reason).toContain(`Connection.prototype.checkIncoming has source hash ${sourceHash(original)}, written for 0000000000000000`)
    expect(s.reason).toMatch(/^werift@\S+: /)
    expect(s.reason).toMatch(/not applied$/)
    expect(apply).not.toHaveBeenCalled()
    expect((Connection as unknown as { prototype: { checkIncoming: unknown } }).prototype.checkIncoming).toBe(original)
    expect(installPatch(def)).toBe(s) // decided once
    expect(patchStatus(def)).toBe(s)
  })

  test('a missing target: unsupported, not applied', () => {
    const apply = vi.fn()
    const s = installPatch({
      id: 'werift/test-missing',
      package: 'werift',
      version: WRITTEN_FOR.werift,
      fixes: 'a test patch whose target is gone',
      targets: [{ name: 'Nothing.prototype.here', hash: '0123456789abcdef', source: () => undefined }],
      apply,
    })
    expect(s).toMatchObject({ state: 'unsupported', targets: [{ name: 'Nothing.prototype.here', expected: '0123456789abcdef', actual: null }] })
    expect(s.reason).toContain('Nothing.prototype.here is missing')
    expect(apply).not.toHaveBeenCalled()
  })

  test('matching hashes: applied once, idempotent', () => {
    const target = { f: () => 'original' }
    const def = wrapping('werift/test-match', target, sourceHash(target.f))
    expect(installPatch(def).state).toBe('installed')
    expect(installPatch(def).state).toBe('installed')
    expect(def.apply).toHaveBeenCalledTimes(1)
    expect(target.f()).toBe('patched original')
  })

  test('an apply() that throws: unsupported with its message', () => {
    const target = { f: () => 'original' }
    const def = wrapping(
      'werift/test-throws',
      target,
      sourceHash(target.f),
      vi.fn(() => {
        throw new Error('shape differs')
      }),
    )
    expect(installPatch(def)).toMatchObject({ state: 'unsupported', reason: 'applying failed: shape differs; not applied' })
    expect(target.f()).toBe('original')
  })

  test('two patches wrapping one function both check the original source, in either order', () => {
    const target = { f: () => 'original' }
    const hash = sourceHash(target.f)
    expect(installPatch(wrapping('werift/test-first', target, hash)).state).toBe('installed')
    const second = installPatch(wrapping('werift/test-second', target, hash))
    expect(second.state).toBe('installed')
    expect(second.targets[0]?.actual).toBe(hash)
    expect(target.f()).toBe('patched patched original')
  })
})

describe('installation is explicit', () => {
  test('importing the peers, the reference server and the SIP user agent patches nothing; creating a werift peer installs the werift patches', async () => {
    const url = (p: string) => pathToFileURL(join(root, p)).href
    const script = `
      const { patchStatuses } = await import(${JSON.stringify(url('src/patches/index.ts'))})
      const { createWeriftPeer } = await import(${JSON.stringify(url('src/peers/werift/peer.ts'))})
      await import(${JSON.stringify(url('src/peers/werift/rtp-ingest.ts'))})
      await import(${JSON.stringify(url('src/whip/server-session.ts'))})
      await import(${JSON.stringify(url('src/sipua/user-agent.ts'))})
      const states = () => Object.fromEntries(patchStatuses().map((s) => [s.id, s.state]))
      const atImport = states()
      const peer = createWeriftPeer()
      await peer.close()
      console.log(JSON.stringify({ atImport, afterPeer: states() }))
    `
    const out = await new Promise<string>((done, fail) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: root, timeout: 30_000, killSignal: 'SIGKILL' }, (err, stdout, stderr) =>
        err ? fail(new Error(`${err.message}\n${stderr}`)) : done(stdout),
      )
    })
    const { atImport, afterPeer } = JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as Record<string, Record<string, string>>
    const werift = ALL_PATCHES.filter((p) => p.package === 'werift').map((p) => p.id)
    expect(Object.values(atImport ?? {})).toEqual(ALL_PATCHES.map(() => 'not-installed'))
    for (const id of werift) expect(afterPeer?.[id], id).toBe('installed')
    expect(afterPeer?.['sip.js/grammar-bytecode']).toBe('not-installed')
  })
})
