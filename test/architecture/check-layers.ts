/**
 * Checks a source tree's imports against the layer data (layers.ts): every edge between two units must be
 * allowed, no entry point is imported, no import cycle between folders, and no cycle of value imports between
 * files. Each problem names the importing `file:line` and the edge.
 */
import { cycles, importEdges, unitOf, type ImportEdge, type SourceFile } from './import-graph.ts'
import { ENTRY_POINTS, isEntryPoint, LAYERS, unitTable, type Layer } from './layers.ts'

/** What the checker needs: the layers and entry points (the real ones by default; tests plant their own). */
export interface LayerRules {
  readonly layers: readonly Layer[]
  readonly entryPoints: readonly string[]
}

const REAL: LayerRules = { layers: LAYERS, entryPoints: ENTRY_POINTS }

function table(rules: LayerRules): ReturnType<typeof unitTable> {
  if (rules.layers === LAYERS) return unitTable()
  const out: ReturnType<typeof unitTable> = new Map()
  rules.layers.forEach((l, i) => {
    for (const [name, unit] of Object.entries(l.units)) out.set(name, { layer: i, layerName: l.name, unit })
  })
  return out
}

const where = (e: ImportEdge) => `src/${e.from}:${e.line}`
const edgeText = (e: ImportEdge) => `${where(e)}: ${unitOf(e.from)} → ${unitOf(e.to)} (imports ${e.specifier}${e.typeOnly ? ', type-only' : ''})`

/** Problems in the data itself: unknown units in `mayImport`, allowed edges that point up a layer. */
export function checkRules(rules: LayerRules = REAL): string[] {
  const units = table(rules)
  const problems: string[] = []
  for (const [name, { layer, layerName, unit }] of units) {
    for (const target of unit.mayImport) {
      const t = units.get(target)
      if (!t) problems.push(`layers data: ${name} may import "${target}", which is no unit`)
      else if (t.layer > layer) problems.push(`layers data: ${name} (${layerName}) may import ${target}, which is in a higher layer (${t.layerName})`)
    }
  }
  return problems
}

/** Every import edge of `files` (paths relative to src/) that the rules do not allow, plus cycles. Empty: all good. */
export function checkLayers(files: readonly SourceFile[], rules: LayerRules = REAL): string[] {
  const units = table(rules)
  const entry = (path: string) => isEntryPoint(path, rules.entryPoints)
  const edges = importEdges(files)
  const problems: string[] = []
  const unitEdges = new Map<string, Map<string, ImportEdge>>()
  for (const e of edges) {
    if (entry(e.from)) continue
    if (entry(e.to)) {
      problems.push(`${where(e)}: imports the entry point src/${e.to} (entry points sit on top: import what it re-exports from its own module)`)
      continue
    }
    const from = unitOf(e.from)
    const to = unitOf(e.to)
    if (from === to) continue
    const f = units.get(from)
    const t = units.get(to)
    if (!f || !t) {
      problems.push(`${edgeText(e)}: ${!f ? from : to} is in no layer (add it to test/architecture/layers.ts and docs/architecture.md)`)
      continue
    }
    const allowed = f.unit.mayImport.includes(to) || (f.layer > 0 && t.layer === 0)
    if (!allowed) {
      const dir = t.layer > f.layer ? `upward: ${f.layerName} → ${t.layerName}` : t.layer === f.layer ? `sideways in ${f.layerName}, not listed` : 'not listed'
      problems.push(`${edgeText(e)} is not allowed (${dir}); move the shared code down or list the edge in test/architecture/layers.ts if it goes downward`)
    }
    if (!unitEdges.has(from)) unitEdges.set(from, new Map())
    const m = unitEdges.get(from) as Map<string, ImportEdge>
    if (!m.has(to)) m.set(to, e)
  }
  for (const cycle of cycles(unitEdges.keys(), (u) => unitEdges.get(u)?.keys() ?? [])) {
    const hops = cycle.flatMap((u) => cycle.filter((v) => unitEdges.get(u)?.has(v)).map((v) => `    ${edgeText(unitEdges.get(u)?.get(v) as ImportEdge)}`))
    problems.push(`import cycle between folders ${cycle.join(' ↔ ')}:\n${hops.join('\n')}`)
  }
  const fileNext = new Map<string, Map<string, ImportEdge>>()
  for (const e of edges) {
    if (e.typeOnly) continue
    if (!fileNext.has(e.from)) fileNext.set(e.from, new Map())
    fileNext.get(e.from)?.set(e.to, e)
  }
  for (const cycle of cycles(fileNext.keys(), (f) => fileNext.get(f)?.keys() ?? [])) {
    const hops = cycle.flatMap((a) => cycle.filter((b) => fileNext.get(a)?.has(b)).map((b) => `    ${where(fileNext.get(a)?.get(b) as ImportEdge)} → src/${b}`))
    problems.push(`import cycle between files (value imports) ${cycle.map((f) => `src/${f}`).join(' ↔ ')}:\n${hops.join('\n')}`)
  }
  return problems
}

/** The folders of peer implementations: what only one kind does stays inside its folder. */
export const PEER_KIND_FOLDERS: readonly string[] = ['peers/werift/', 'peers/chromium/', 'peers/rtp/']

/**
 * `instanceof` tests of a class a peer implementation exports, outside that implementation's folder: generic code
 * talks to peers through the `Peer` interface (a method or a trait each kind implements), never by class.
 */
export function checkPeerKinds(files: readonly SourceFile[], kindFolders: readonly string[] = PEER_KIND_FOLDERS): string[] {
  const owner = new Map<string, string>()
  for (const f of files) {
    const folder = kindFolders.find((k) => f.path.startsWith(k))
    if (!folder) continue
    for (const m of f.text.matchAll(/^export class (\w+)/gm)) owner.set(m[1] as string, folder)
  }
  const problems: string[] = []
  for (const f of files) {
    const lines = f.text.split('\n')
    lines.forEach((line, i) => {
      for (const m of line.matchAll(/\binstanceof\s+(\w+)/g)) {
        const folder = owner.get(m[1] as string)
        if (folder && !f.path.startsWith(folder) && !/^\s*(\/\/|\*)/.test(line)) {
          problems.push(
            `src/${f.path}:${i + 1}: instanceof ${m[1]} outside src/${folder} — put what only that kind does behind the Peer interface (src/peers/types.ts: a method or a trait)`,
          )
        }
      }
    })
  }
  return problems
}
