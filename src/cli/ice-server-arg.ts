/**
 * Parses the `--ice-server` argument of `rtcspec serve`: `URL[,username,credential]`, validated as an RFC
 * 7064/7065 URL and against the WHIP Link rules (TURN needs credentials).
 */
import { RtcspecError } from '../errors.ts'
import { checkIceServerLink, type IceServerLink } from '../http/link.ts'

/** Parses `stun:host:port` or `turn:host:port?transport=udp,user,pass`. */
export function parseIceServerLinkArg(text: string): IceServerLink {
  const [url = '', username, ...rest] = text.split(',')
  const credential = rest.length ? rest.join(',') : undefined
  const server: IceServerLink = {
    url,
    ...(username !== undefined ? { username } : {}),
    ...(credential !== undefined ? { credential, credentialType: 'password' } : {}),
  }
  const checked = checkIceServerLink({
    uri: url,
    rels: ['ice-server'],
    params: { ...(username !== undefined ? { username } : {}), ...(credential !== undefined ? { credential } : {}) },
    raw: text,
  })
  if (checked.problems.length) {
    throw new RtcspecError('INVALID_OPTIONS', `--ice-server ${JSON.stringify(text)}: ${checked.problems.join('; ')}`, {
      hint: 'e.g. --ice-server stun:127.0.0.1:3478 or --ice-server "turn:127.0.0.1:3478?transport=udp,user,pass"',
    })
  }
  return server
}
