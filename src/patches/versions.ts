/** The dependency versions rtcspec's patches were written for: the exact versions package.json pins. */
export const WRITTEN_FOR = { werift: '0.25.2', 'sip.js': '0.21.2', opusscript: '0.1.1' } as const
