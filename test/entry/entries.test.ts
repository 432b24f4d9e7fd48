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

/** A TypeScript program over every entry's source, with its checker. */
function entryProgram(list: Entry[]): { program: ts.Program; checker: ts.TypeChecker } {
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
  return { program, checker: program.getTypeChecker() }
}

/** The symbols each entry exports (values and types), read by the TypeScript checker. */
function exportedSymbols(list: Entry[]): { symbols: Map<string, ts.Symbol[]>; checker: ts.TypeChecker } {
  const { program, checker } = entryProgram(list)
  const symbols = new Map<string, ts.Symbol[]>()
  for (const e of list) {
    const file = program.getSourceFile(e.source)
    const symbol = file && checker.getSymbolAtLocation(file)
    if (!symbol) throw new Error(`${e.specifier}: ${e.source} is not a module`)
    symbols.set(e.specifier, checker.getExportsOfModule(symbol))
  }
  return { symbols, checker }
}

/**
 * Whether an exported name has a TSDoc comment: at the export itself (`/** … *\/ export * as fc from …`) or at
 * the declaration it re-exports from rtcspec's sources (for `const x = …`, at its statement). Names re-exported
 * from a dependency (Vitest's `vi`, fast-check) are documented by their package.
 */
function hasTsDoc(symbol: ts.Symbol, checker: ts.TypeChecker): boolean {
  const documented = (node: ts.Node): boolean =>
    ts.getJSDocCommentsAndTags(node).length > 0 || (ts.isVariableDeclaration(node) && ts.getJSDocCommentsAndTags(node.parent.parent).length > 0)
  const exported = symbol.declarations?.[0]
  if (exported && ts.isNamespaceExport(exported)) return documented(exported.parent)
  const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol
  const declaration = target.declarations?.[0]
  if (!declaration) return false
  if (!declaration.getSourceFile().fileName.startsWith(join(repo, 'src'))) return true
  return documented(declaration)
}

const ENTRIES = entries()
const { symbols: SYMBOLS, checker: CHECKER } = exportedSymbols(ENTRIES)
const NAMES = new Map([...SYMBOLS].map(([entry, symbols]) => [entry, symbols.map((s) => s.name).sort()]))

/** Implementation details that were exported once and must not be again. */
const INTERNALS = [
  'callFigures',
  'failureKey',
  'percentile',
  'percentileOfSorted',
  'distributionOf',
  'checkShardSet',
  'shardPlan',
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
  'liveBrowserPids',
  // fuzz harness plumbing: sessions, probes, HTTP, findings bookkeeping, loopback checks, the CLI's output
  'decodedPayload',
  'hasRawBytes',
  'rawByte',
  'replayCase',
  'prepareEndpoint',
  'evaluateCase',
  'casesPerSecond',
  'findingSignature',
  'normaliseMessage',
  'violationsOf',
  'SessionLedger',
  'probeEndpoint',
  'probeOffer',
  'audioNegotiation',
  'campaignExitCode',
  'campaignJson',
  'fuzzReportDir',
  'checkFuzzTarget',
  'isLoopbackHost',
  'nonLoopbackCandidateAddresses',
  'fuzzHttp',
  'openSession',
  'SESSION_CODECS',
  'NoCommonCodecError',
  'SessionRefusedError',
  'parserInput',
  'runParserCase',
  'offerPost',
  'validSessionWorks',
  'tricklePatch',
  'sipInput',
  'buildSipInput',
  'FuzzHttpRequest',
  'FuzzHttpResult',
  'FuzzSession',
  'OpenSessionOptions',
  'SessionMode',
  'ProbeOptions',
  'AudioNegotiation',
  // building blocks of the arbitraries
  'webrtcOfferModel',
  'AUDIO_CODECS',
  'VIDEO_CODECS',
  'HOSTILE_VALUES',
  'HOSTILE_LINES',
  'HOSTILE_SIP_LINES',
  'SIP_METHODS',
  'applyCandidateMutations',
  'compact',
  'iceChars',
  'ipv4',
  'ipv6',
  'mdns',
  'fqdn',
  'address',
  // DSP and rendering plumbing of the audio analysis
  'fft',
  'hannWindow',
  'isPowerOfTwo',
  'nextPowerOfTwo',
  'crossCorrelate',
  'melSpectrogram',
  'mosFromR',
  'burstRatioOf',
  'mouthToEarDelayMs',
  'mulberry32',
  'FULL_SCALE',
  'sineAmplitudeForDbfs',
  'rmsForDbfs',
  'dbfsForRms',
  'dtmfFrequencies',
  'DTMF_LOW_HZ',
  'DTMF_HIGH_HZ',
  'renderRtpAudio',
  'RecordedRtpPacket',
  'RenderRtpAudioOptions',
  'RenderRtpAudioStats',
  'RenderedRtpAudio',
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

/** Exported schema-derived types without their one-line comment yet; every other exported name must have one. */
const TSDOC_PENDING: string[] = []

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

  it('every exported name has a TSDoc comment', () => {
    const undocumented = [...SYMBOLS].flatMap(([entry, symbols]) => symbols.filter((s) => !hasTsDoc(s, CHECKER)).map((s) => `${entry}: ${s.name}`))
    expect(undocumented.filter((n) => !TSDOC_PENDING.includes(n))).toEqual([])
  })

  it('each entry exports as many names as designed (a change here is a change of the public API: update docs/migration.md)', () => {
    expect(Object.fromEntries([...NAMES].map(([entry, names]) => [entry, names.length]))).toMatchInlineSnapshot(`
      {
        "rtcspec": 78,
        "rtcspec/config": 20,
        "rtcspec/conformance": 24,
        "rtcspec/fuzz": 90,
        "rtcspec/load": 15,
        "rtcspec/media": 127,
        "rtcspec/peers": 121,
        "rtcspec/reporter": 4,
        "rtcspec/services": 49,
        "rtcspec/sip": 46,
        "rtcspec/whip": 38,
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
