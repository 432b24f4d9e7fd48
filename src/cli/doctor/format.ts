/** The plain-text rendering of a doctor report. Pure. */
import type { DoctorReport, PatchReport, ToolId } from './schemas.ts'

/** Left-aligned columns, two spaces apart, the last one unpadded. */
function table(header: readonly string[], rows: readonly (readonly string[])[]): { line: (cells: readonly string[]) => string; widths: number[] } {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd()
  return { line, widths }
}

function packageVersion(p: PatchReport): string {
  const installed = p.installedVersion ?? 'unknown version'
  return installed === p.writtenFor ? `${p.package}@${installed}` : `${p.package}@${installed} (written for ${p.writtenFor})`
}

function patchLines(patches: readonly PatchReport[]): string[] {
  const header = ['Patch', 'Package', 'State', 'Fixes'] as const
  const rows = patches.map((p) => [p.id, packageVersion(p), p.state, p.fixes])
  const { line, widths } = table(header, rows)
  const indent = ' '.repeat((widths[0] ?? 0) + 2 + (widths[1] ?? 0) + 2 + (widths[2] ?? 0) + 2)
  const out = ['', 'Patches to dependencies (src/patches; each applied only to the exact code it was written for):', '', line(header)]
  patches.forEach((p, i) => {
    out.push(line(rows[i] ?? []))
    if (p.reason !== null) out.push(`${indent}↳ ${p.reason}`)
  })
  const off = patches.filter((p) => p.state !== 'installed')
  out.push(
    '',
    off.length === 0
      ? `${patches.length}/${patches.length} patches installed.`
      : `${patches.length - off.length}/${patches.length} patches installed; not applied: ${off.map((p) => p.id).join(', ')} (see docs/upstream.md).`,
  )
  return out
}

/** Renders a report as aligned plain-text tables, the install hints for what is not ok, and a summary line. Pure. */
export function formatDoctorReport(report: DoctorReport): string {
  const header = ['Tool', 'Status', 'Version', 'Path', 'Used for'] as const
  const rows = report.tools.map((t) => [
    `${t.name}${t.requiredForCi ? ' *' : ''}`,
    t.status === 'ok' ? '✓' : '✗',
    t.version ?? '-',
    t.path ?? (t.status === 'missing' ? 'not found' : '-'),
    t.usedFor,
  ])
  const { line, widths } = table(header, rows)
  const indent = ' '.repeat((widths[0] ?? 0) + 2 + (widths[1] ?? 0) + 2)
  const out: string[] = ['rtcspec doctor: external tools', '', line(header)]
  report.tools.forEach((t, i) => {
    out.push(line(rows[i] ?? []))
    if (t.reason !== null) out.push(`${indent}↳ ${t.reason}`)
    for (const n of t.notes) out.push(`${indent}↳ ${n}`)
  })
  out.push('', '* required in CI (`rtcspec doctor --strict` exits non-zero when one is not ok)')
  const fixes = report.tools.filter((t) => t.status !== 'ok' && t.hint !== null)
  if (fixes.length > 0) {
    out.push('', 'To fix:')
    const w = Math.max(...fixes.map((t) => t.name.length))
    for (const t of fixes) out.push(`  ${`${t.name}:`.padEnd(w + 1)}  ${t.hint}`)
  }
  if (report.services?.length) {
    out.push('', 'Services (provider `auto` picks external, then docker, then local):')
    for (const svc of report.services) {
      out.push(`  ${svc.service}: auto → ${svc.auto ?? 'none (see the hints)'}`)
      for (const p of svc.providers) {
        out.push(`    ${p.usable ? '✓' : '✗'} ${p.provider.padEnd(8)} ${p.detail}${p.hint ? `  (fix: ${p.hint})` : ''}`)
      }
    }
  }
  if (report.patches?.length) out.push(...patchLines(report.patches))
  const s = report.summary
  const names = (ids: readonly ToolId[]): string => ids.map((id) => report.tools.find((t) => t.id === id)?.name ?? id).join(', ')
  const ci = s.missingRequiredForCi.length === 0 ? 'all tools required in CI are usable' : `required in CI but not usable: ${names(s.missingRequiredForCi)}`
  out.push('', `${s.ok}/${s.total} tools usable${s.notOk.length > 0 ? ` (not usable: ${names(s.notOk)})` : ''}; ${ci}.`)
  return `${out.join('\n')}\n`
}
