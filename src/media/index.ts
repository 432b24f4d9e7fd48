/**
 * Public media API: G.711 codecs, audio sources, WAV files and audio analysis.
 * @module
 */
export type { AudioSource, AudioEncoder, AudioDecoder } from './types.ts'
export {
  linearToMulaw,
  mulawToLinear,
  linearToAlaw,
  alawToLinear,
  encodeMulaw,
  decodeMulaw,
  encodeAlaw,
  decodeAlaw,
  MULAW_SILENCE,
  ALAW_SILENCE,
  pcmuEncoder,
  pcmaEncoder,
  pcmuDecoder,
  pcmaDecoder,
} from './g711.ts'
