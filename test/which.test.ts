/** The one PATH lookup (src/which.ts) that doctor, the service providers and the Chromium resolution share. */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { findBinary } from '../src/services/provider.ts'
import { isExecutableFile, which } from '../src/which.ts'

const dir = mkdtempSync(join(tmpdir(), 'rtcspec-which-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function file(sub: string, name: string, mode: number): string {
  mkdirSync(join(dir, sub), { recursive: true })
  const p = join(dir, sub, name)
  writeFileSync(p, '#!/bin/sh\n')
  chmodSync(p, mode)
  return p
}

describe('which', () => {
  const exe = file('a', 'tool', 0o755)
  file('b', 'tool', 0o644) // not executable
  mkdirSync(join(dir, 'c', 'tool'), { recursive: true }) // a directory of that name

  it('returns the first executable regular file on PATH, skipping non-executables and directories', () => {
    expect(which('tool', [join(dir, 'b'), join(dir, 'c'), join(dir, 'a')].join(':'))).toBe(exe)
    expect(which('tool', [join(dir, 'b'), join(dir, 'c')].join(':'))).toBeUndefined()
  })

  it('skips empty and relative PATH entries (they depend on the working directory)', () => {
    expect(which('tool', `::a:${join(dir, 'b')}`)).toBeUndefined()
  })

  it('checks a command containing a slash as given', () => {
    expect(which(exe, '')).toBe(exe)
    expect(which(join(dir, 'b', 'tool'), '')).toBeUndefined()
    expect(isExecutableFile(join(dir, 'c', 'tool'))).toBe(false)
  })

  it('is what the service providers use', async () => {
    expect(await findBinary('tool', [join(dir, 'c'), join(dir, 'a')].join(':'))).toBe(exe)
    expect(await findBinary('tool', join(dir, 'c'))).toBeUndefined()
  })
})
