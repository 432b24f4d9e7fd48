/**
 * Host addresses a peer can gather ICE candidates on when it must reach a server on another machine or
 * network namespace: loopback plus every configured interface address.
 *
 * werift's own interface selection (`iceUseIpv4`) skips loopback, link-local addresses and interfaces whose
 * name starts with `veth`, `tun`, `tap`, ... — but a container or network namespace typically reaches the
 * world through exactly such a `veth` interface, so rtcspec lists the addresses itself.
 */
import { networkInterfaces, type NetworkInterfaceInfo } from 'node:os'

/**
 * `127.0.0.1`, then every non-internal IPv4 address, then every non-internal IPv6 address that is not
 * link-local (fe80::/10), each once, in interface-name order.
 */
export function allHostAddresses(interfaces: NodeJS.Dict<NetworkInterfaceInfo[]> = networkInterfaces()): string[] {
  const names = Object.keys(interfaces).sort()
  const infos = names.flatMap((n) => interfaces[n] ?? []).filter((i) => !i.internal)
  const v4 = infos.filter((i) => i.family === 'IPv4').map((i) => i.address)
  const v6 = infos.filter((i) => i.family === 'IPv6' && !/^fe[89ab]/i.test(i.address)).map((i) => i.address)
  return [...new Set(['127.0.0.1', ...v4, ...v6])]
}
