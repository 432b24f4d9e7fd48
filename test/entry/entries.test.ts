/**
 * The package's entry points (package.json `exports`): every name is exported by exactly one entry, each entry
 * exports what its audience needs and no internals, and each entry's three conditions agree (sources for this
 * checkout, .d.ts and .js under dist/ for an installed package). Names are read with the TypeScript checker,
 * so type-only exports count too; the runtime module of each entry must match them.
 */
import { readFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import ts from 'typescript'
import { describe, expect, it } from 'vitest'

const repo = resolve(import.meta.dirname, '../..')

interface Entry {
  /** The specifier users write: `rtcspec`, `rtcspec/peers`, … */
  specifier: string
  /** The source file (the `rtcspec-source` condition), absolute. */
  source: string
  conditions: Record<string, string>
}

function entries(): Entry[] {
  const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { exports: Record<string, string | Record<string, string>> }
  return Object.entries(pkg.exports).flatMap(([key, target]) =>
    typeof target === 'object' ? [{ specifier: `rtcspec${key.slice(1)}`, source: join(repo, target['rtcspec-source'] ?? 'missing'), conditions: target }] : [],
  )
}

/** Every name each entry exports (values and types), read by the TypeScript checker. */
function exportedNames(list: Entry[]): Map<string, string[]> {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(repo, 'tsconfig.json'),
    {},
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'))
      },
    },
  )
  if (!config) throw new Error('tsconfig.json could not be read')
  const program = ts.createProgram(
    list.map((e) => e.source),
    { ...config.options, noEmit: true },
  )
  const checker = program.getTypeChecker()
  const names = new Map<string, string[]>()
  for (const e of list) {
    const file = program.getSourceFile(e.source)
    const symbol = file && checker.getSymbolAtLocation(file)
    if (!symbol) throw new Error(`${e.specifier}: ${e.source} is not a module`)
    names.set(
      e.specifier,
      checker
        .getExportsOfModule(symbol)
        .map((s) => s.name)
        .sort(),
    )
  }
  return names
}

const ENTRIES = entries()
const NAMES = exportedNames(ENTRIES)

/** Implementation details that were exported once and must not be again. */
const INTERNALS = [
  'resolveNetwork',
  'pickSeed',
  'startRtpProbe',
  'collectOneWayDelays',
  'recordAndClose',
  'createSidePeer',
  'createSidePeers',
  'checkB2BOptions',
  'resolveAudio',
  'recordingAnchorMs',
  'isPcmAudio',
  'audioTrackOf',
  'recordAudioEvidence',
  'writeAudioEvidence',
  'fitInTest',
  'testDeadline',
  'describeOnAbort',
  'describePeer',
  'whipFixtures',
  'closeWhipResources',
  'createSipFixture',
  'parseOptions',
  'httpExchange',
  'splitLinkHeader',
  'describeExchange',
  'startClientSession',
  'withIceServersApplied',
  'PageServer',
  'acquireBrowser',
  'launchedBrowserPids',
  'listProcesses',
  'processesWithArg',
  'sweepOrphanContainers',
  'resolveProvider',
  'providerStates',
  'autoProvider',
  'ServiceLog',
  'PeerSessionDescriptionHandler',
  'TrickleOverInfo',
  'openSipChannel',
  'Retransmitter',
  'startWsServer',
  'requirementTable',
  'CheckContext',
  'checkFor',
  'probeConsent',
  'loadConfig',
  'parseConfig',
  'runSpecs',
  // namespaces of the former single entry: their contents are flat in an entry now, or (wire formats) in rtcspec/wire
  'sipWire',
  'net',
  'services',
  'chromium',
  'whep',
  'whip',
  'conformance',
  'load',
  'media',
  'fuzz',
]

describe('entry points', () => {
  it('package.json lists the entries by audience, each with its sources, typings and JavaScript under dist/', () => {
    expect(ENTRIES.map((e) => e.specifier)).toEqual([
      'rtcspec',
      'rtcspec/peers',
      'rtcspec/sip',
      'rtcspec/whip',
      'rtcspec/wire',
      'rtcspec/media',
      'rtcspec/services',
      'rtcspec/fuzz',
      'rtcspec/load',
      'rtcspec/conformance',
      'rtcspec/config',
      'rtcspec/reporter',
    ])
    for (const e of ENTRIES) {
      const built = e.conditions['rtcspec-source']!.replace(/^\.\/src\//, './dist/')
      expect(Object.keys(e.conditions), e.specifier).toEqual(['rtcspec-source', 'types', 'default'])
      expect(e.conditions.types, e.specifier).toBe(built.replace(/\.ts$/, '.d.ts'))
      expect(e.conditions.default, e.specifier).toBe(built.replace(/\.ts$/, '.js'))
      expect(dirname(e.source).startsWith(join(repo, 'src')), e.specifier).toBe(true)
    }
  })

  it('no name is exported by two entries', () => {
    const owners = new Map<string, string[]>()
    for (const [entry, names] of NAMES) for (const n of names) if (n !== 'default') owners.set(n, [...(owners.get(n) ?? []), entry])
    const twice = [...owners].filter(([, by]) => by.length > 1).map(([n, by]) => `${n}: ${by.join(', ')}`)
    expect(twice).toEqual([])
  })

  it('no internal is exported', () => {
    const leaked = [...NAMES].flatMap(([entry, names]) => names.filter((n) => INTERNALS.includes(n)).map((n) => `${entry}: ${n}`))
    expect(leaked).toEqual([])
  })

  it('each entry exports as many names as designed (a change here is a change of the public API: update docs/migration.md)', () => {
    expect(Object.fromEntries([...NAMES].map(([entry, names]) => [entry, names.length]))).toMatchInlineSnapshot(`
      {
        "rtcspec": 69,
        "rtcspec/config": 20,
        "rtcspec/conformance": 24,
        "rtcspec/fuzz": 144,
        "rtcspec/load": 18,
        "rtcspec/media": 103,
        "rtcspec/peers": 100,
        "rtcspec/reporter": 4,
        "rtcspec/services": 31,
        "rtcspec/sip": 46,
        "rtcspec/whip": 37,
        "rtcspec/wire": 4,
      }
    `)
  })

  it('the wire formats are namespaces of rtcspec/wire; the SIP user agents are rtcspec/sip', () => {
    expect(NAMES.get('rtcspec/wire')).toEqual(['ice', 'rtp', 'sdp', 'sip'])
    expect(NAMES.get('rtcspec/sip')).toContain('createSipUserAgent')
    expect(NAMES.get('rtcspec')).toEqual(expect.arrayContaining(['test', 'expect', 'scenario', 'RtcspecError', 'PRESETS']))
  })

  it('every entry loads, and its runtime exports are the value names the checker sees', async () => {
    for (const e of ENTRIES) {
      const mod = (await import(e.specifier)) as Record<string, unknown>
      const runtime = Object.keys(mod).filter((k) => k !== 'default')
      expect(runtime.length, e.specifier).toBeGreaterThan(0)
      const declared = NAMES.get(e.specifier) ?? []
      expect(
        runtime.filter((n) => !declared.includes(n)),
        e.specifier,
      ).toEqual([])
    }
  }, 60_000)
})
