/**
 * Atomic file writes for reports: the text goes to a temporary file next to the target, is flushed, and is then
 * renamed over the target. A reader (a CI step parsing `junit.xml`, the HTML report reading `summary.json`) sees
 * the old file or the new one, never a truncated or empty one, even when the writer is killed half-way.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

let counter = 0

/**
 * Writes `data` to `file` atomically (temporary file in the same directory, fsync, rename). Creates the directory.
 * The temporary file is `.<name>.<pid>.<n>.tmp` and is removed when anything fails.
 * @throws the underlying `fs` error when the directory cannot be written.
 */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = dirname(file)
  mkdirSync(dir, { recursive: true })
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${++counter}.tmp`)
  try {
    const fd = openSync(tmp, 'w')
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
      let off = 0
      while (off < bytes.byteLength) off += writeSync(fd, bytes, off, bytes.byteLength - off)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, file)
  } catch (e) {
    rmSync(tmp, { force: true })
    throw e
  }
}
