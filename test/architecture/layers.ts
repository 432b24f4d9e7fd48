/**
 * rtcspec's layer picture as data: which layer each folder of src/ (or top-level file) belongs to, what it owns,
 * and which other folders it may import. `layers.test.ts` checks every import in src/ against it, and
 * docs/architecture.md shows the same table (the test compares them).
 *
 * Rules the data encodes:
 * - layers are listed bottom to top; a folder may import only the folders it lists (`mayImport`), and every one of
 *   those is in a lower layer or, for a sideways edge, in its own layer;
 * - every folder above the foundation may import any foundation unit without listing it;
 * - the package entry points (`ENTRY_POINTS`) sit above everything, may import anything, and nothing imports them;
 * - no import cycle between folders.
 * Type-only imports count: they couple the layers as much as value imports (a type moves, the importer breaks).
 */

/** One folder of src/ (or a top-level file, named without `.ts`). */
export interface Unit {
  /** What it owns, one line (shown in docs/architecture.md). */
  readonly owns: string
  /** The folders (units) it may import, besides the foundation. */
  readonly mayImport: readonly string[]
  /** A top-level file of src/ (`errors` is `src/errors.ts`) rather than a folder. */
  readonly file?: true
}

/** A layer: a name and its units. */
export interface Layer {
  readonly name: string
  readonly units: Readonly<Record<string, Unit>>
}

/** Bottom to top. */
export const LAYERS: readonly Layer[] = [
  {
    name: 'foundation',
    units: {
      errors: { owns: '`RtcspecError` and its kinds (`ParseError`, `TimeoutError`, `ScenarioError`)', mayImport: [], file: true },
      'exit-codes': { owns: '`EXIT_CODES`: exit classes and process exit codes of every command', mayImport: [], file: true },
      options: { owns: 'strict option parsing with did-you-mean (zod)', mayImport: ['errors'], file: true },
      wait: { owns: 'waiting on a condition with a deadline that names it', mayImport: ['errors'], file: true },
      random: { owns: 'seeded PRNG', mayImport: [], file: true },
      'atomic-write': { owns: 'crash-safe file writes', mayImport: [], file: true },
      which: { owns: 'the one PATH lookup', mayImport: [], file: true },
      'run-registry': { owns: 'processes and directories a run owns, cleaned after a crash', mayImport: ['atomic-write', 'wait'], file: true },
      patches: { owns: 'installing source patches into third-party packages, checked against the version they were written for', mayImport: ['errors'] },
    },
  },
  {
    name: 'wire formats',
    units: {
      sdp: { owns: 'SDP parse/serialize (RFC 8866 + WebRTC attributes), pure', mayImport: [] },
      ice: { owns: 'ICE candidates, trickle sdpfrag, ICE server URLs, STUN messages, TURN REST credentials, pure', mayImport: [] },
      sip: { owns: 'SIP messages, headers, framing, Digest, pure', mayImport: [] },
      rtp: { owns: 'RTP/RTCP packets, RFC 4733 telephone-events, pcap, RFC 3550 receive statistics', mayImport: ['ice'] },
    },
  },
  {
    name: 'media',
    units: {
      media: { owns: 'codecs (G.711, Opus), sources, WAV, analysis (tones, levels, delay, DTMF, E-model), pacing', mayImport: ['rtp'] },
    },
  },
  {
    name: 'network',
    units: {
      net: { owns: 'loopback ports, the seeded UDP impairment relay and its ground truth, the TURN client', mayImport: ['ice'] },
      http: { owns: 'HTTP exchanges (recorded request/response) and Link headers, shared by WHIP, WHEP and HTTP offer/answer', mayImport: ['ice'] },
    },
  },
  {
    name: 'peers',
    units: {
      peers: {
        owns: 'the `Peer` interface; werift, headless Chromium and plain-RTP peers; back-to-back wiring, ICE restarts, call records',
        mayImport: ['sdp', 'ice', 'rtp', 'media', 'net'],
      },
    },
  },
  {
    name: 'protocols',
    units: {
      whip: {
        owns: 'WHIP client and the embedded WHIP/WHEP reference server (with fault injection)',
        mayImport: ['sdp', 'ice', 'rtp', 'media', 'net', 'http', 'peers'],
      },
      whep: { owns: 'WHEP client (on the WHIP session client)', mayImport: ['sdp', 'ice', 'http', 'peers', 'whip'] },
      sipua: { owns: 'SIP user agents (sip.js), registrar/proxy, call flows, bridges', mayImport: ['sip', 'sdp', 'ice', 'rtp', 'media', 'net', 'peers'] },
      'http-offer': { owns: 'generic HTTP offer/answer client', mayImport: ['sdp', 'ice', 'http', 'peers'] },
    },
  },
  {
    name: 'services',
    units: {
      services: {
        owns: 'coturn, FFmpeg, Kamailio, baresip, SIPp with docker/local/external providers',
        mayImport: ['sdp', 'ice', 'sip', 'media', 'net', 'peers', 'sipua'],
      },
    },
  },
  {
    name: 'calls',
    units: {
      calls: {
        owns: 'the call engine: opening back-to-back calls (through the impairment relay), scenario specs, recording and closing, accuracy runs; durations and ratios',
        mayImport: ['sdp', 'ice', 'rtp', 'media', 'net', 'peers'],
      },
    },
  },
  {
    name: 'suites',
    units: {
      conformance: {
        owns: 'the WHIP/WHEP requirement catalog, one check per requirement, the runner, the report schema',
        mayImport: ['sdp', 'ice', 'rtp', 'media', 'net', 'http', 'peers', 'whip', 'whep', 'http-offer'],
      },
      fuzz: {
        owns: 'fast-check arbitraries, target harnesses with invariants, campaigns, findings',
        mayImport: ['sdp', 'ice', 'sip', 'rtp', 'media', 'net', 'http', 'peers', 'whip', 'whep', 'sipua', 'http-offer'],
      },
      load: { owns: 'load runs: scenario calls in worker threads, the summary and its figures', mayImport: ['media', 'net', 'peers', 'calls'] },
    },
  },
  {
    name: 'dsl',
    units: {
      dsl: {
        owns: 'Vitest fixtures, `expect` matchers, `scenario()`, `conformance()`',
        mayImport: ['sdp', 'ice', 'sip', 'rtp', 'media', 'net', 'http', 'peers', 'whip', 'whep', 'sipua', 'http-offer', 'services', 'calls', 'conformance'],
      },
    },
  },
  {
    name: 'report',
    units: {
      report: {
        owns: 'reporters, the run summary, gates and their metrics, JUnit, CI annotations, the HTML report',
        mayImport: ['media', 'peers', 'conformance', 'fuzz', 'load'],
      },
    },
  },
  {
    name: 'tooling',
    units: {
      config: { owns: '`rtcspec.config.*`: loading and validating it (gates, metrics)', mayImport: ['report'] },
      cli: {
        owns: 'the `rtcspec` commands',
        mayImport: [
          'sdp',
          'ice',
          'sip',
          'rtp',
          'media',
          'net',
          'http',
          'peers',
          'whip',
          'whep',
          'sipua',
          'http-offer',
          'services',
          'calls',
          'conformance',
          'fuzz',
          'load',
          'dsl',
          'report',
          'config',
        ],
      },
    },
  },
]

/**
 * Package entry points (files relative to src/, or folders ending in `/`): they assemble the public API on top of
 * every layer, may import anything (each other too), and nothing else in src/ imports them. `entry/` holds the
 * per-area entries `index.ts` re-exports; `report/rtcspec-reporter.ts` is the `rtcspec/reporter` export: it lives
 * with the reporters but, loading `rtcspec.config.*` for the gates, sits above `config`.
 */
export const ENTRY_POINTS: readonly string[] = ['index.ts', 'entry/', 'report/rtcspec-reporter.ts']

/** Whether `path` (relative to src/) is an entry point of `entryPoints`. */
export function isEntryPoint(path: string, entryPoints: readonly string[] = ENTRY_POINTS): boolean {
  return entryPoints.some((e) => (e.endsWith('/') ? path.startsWith(e) : path === e))
}

/** Every unit name → its layer's index (0 = foundation) and its spec. */
export function unitTable(): Map<string, { layer: number; layerName: string; unit: Unit }> {
  const out = new Map<string, { layer: number; layerName: string; unit: Unit }>()
  LAYERS.forEach((l, i) => {
    for (const [name, unit] of Object.entries(l.units)) out.set(name, { layer: i, layerName: l.name, unit })
  })
  return out
}

/** The markdown table docs/architecture.md shows (between its `layers:begin`/`layers:end` markers), top layer first. */
export function renderLayerTable(): string {
  const rows = ['| layer | folder | owns | may import |', '|---|---|---|---|']
  for (const layer of [...LAYERS].reverse()) {
    for (const [name, unit] of Object.entries(layer.units)) {
      const folder = unit.file ? `\`src/${name}.ts\`` : `\`src/${name}/\``
      const may = unit.mayImport.map((m) => `\`${m}\``).join(', ')
      rows.push(`| ${layer.name} | ${folder} | ${unit.owns} | ${layer.name === 'foundation' ? may || '—' : may ? `${may}, foundation` : 'foundation'} |`)
    }
  }
  rows.push(
    '',
    `Foundation: ${Object.keys(LAYERS[0]?.units ?? {})
      .map((f) => `\`${f}\``)
      .join(', ')}. Entry points (may import anything, imported by nothing): ${ENTRY_POINTS.map((e) => `\`src/${e}\``).join(', ')}.`,
  )
  return rows.join('\n')
}
