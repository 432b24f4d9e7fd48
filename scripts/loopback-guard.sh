#!/usr/bin/env bash
# Enforces rtcspec's network rule on a test machine: tests send traffic only to 127.0.0.0/8 and ::1.
# A browser gathers ICE candidates on every interface the host has and sends from them (to loopback
# addresses); anything that answers such a packet would send to the host's non-loopback address. rtcspec's
# own peers refuse those checks, but third-party servers (coturn) answer any client. This drops, at the
# kernel, every locally generated packet addressed to one of the host's own non-loopback addresses, so
# those answers never happen. Traffic leaving the host (package mirrors) is untouched: only `-o lo`.
# Needs root and iptables; without them it says so and does nothing. Idempotent.
set -uo pipefail
if [ "$(id -u)" != 0 ] || ! command -v iptables >/dev/null 2>&1; then
  echo "loopback-guard: needs root and iptables; not installed (tests still refuse non-loopback checks themselves)"
  exit 0
fi
added=0
for addr in $(ip -4 -o addr show scope global | awk '{print $4}' | cut -d/ -f1); do
  iptables -C OUTPUT -o lo -d "$addr" -j DROP 2>/dev/null || { iptables -I OUTPUT -o lo -d "$addr" -j DROP && added=$((added + 1)); }
done
if command -v ip6tables >/dev/null 2>&1; then
  for addr in $(ip -6 -o addr show scope global | awk '{print $4}' | cut -d/ -f1); do
    ip6tables -C OUTPUT -o lo -d "$addr" -j DROP 2>/dev/null || { ip6tables -I OUTPUT -o lo -d "$addr" -j DROP && added=$((added + 1)); }
  done
fi
echo "loopback-guard: local traffic to the host's non-loopback addresses is dropped ($added rule(s) added)"
