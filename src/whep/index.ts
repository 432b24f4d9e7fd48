/**
 * WHEP (draft-ietf-wish-whep-03): the client (`play`). The reference server serving WHEP lives with the
 * WHIP one (`startMediaServer` in src/whip), since one process serves both.
 * @module
 */
export { play, type PlayOptions, type WhepSession } from './client.ts'
export { startMediaServer, type MediaServer, type MediaServerOptions } from '../whip/media-server.ts'
