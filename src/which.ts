/**
 * The one PATH lookup in rtcspec: where a command is, found like a shell would (`rtcspec doctor`, the service
 * providers and the Chromium resolution all ask here, so they agree on what is installed).
 */
import { accessSync, constants, statSync } from 'node:fs'
import { delimiter, isAbsolute, join } from 'node:path'

/** Whether `file` is a regular file this process may execute. */
export function isExecutableFile(file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return statSync(file).isFile()
  } catch {
    return false
  }
}

/**
 * The absolute path of `command` on `pathVar` (a PATH value, default `process.env.PATH`): the first directory
 * holding an executable regular file of that name. Empty and relative PATH entries are skipped (a relative entry
 * would depend on the working directory). A command containing `/` is checked as given. Undefined when not found.
 */
export function which(command: string, pathVar: string | undefined = process.env.PATH): string | undefined {
  if (command === '') return undefined
  if (command.includes('/')) return isExecutableFile(command) ? command : undefined
  for (const dir of (pathVar ?? '').split(delimiter)) {
    if (dir === '' || !isAbsolute(dir)) continue
    const candidate = join(dir, command)
    if (isExecutableFile(candidate)) return candidate
  }
  return undefined
}
