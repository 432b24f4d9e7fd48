#!/usr/bin/env bash
# Installs the Debian packages rtcspec's real-component tests use: Chromium (puppeteer-core drives
# /usr/bin/chromium; no browser download), FFmpeg, coturn (turnserver), SIPp (sip-tester), tshark,
# espeak-ng, SoX, iproute2 (ip netns, for the non-loopback media tests), Kamailio with its WebSocket
# modules (the SIP proxy under test), baresip (a third-party SIP user agent the SIP interop tests call and are
# called by) and libxml2-utils (xmllint: the tests check that JUnit files parse as XML).
# Needs root (CI runs as root).
# Idempotent.
set -euo pipefail
PACKAGES=(chromium ffmpeg coturn sip-tester tshark espeak-ng sox iproute2 kamailio kamailio-websocket-modules baresip libxml2-utils)
if [ "$(id -u)" != 0 ]; then
  echo "install-system-deps: run as root, or: sudo apt-get install -y ${PACKAGES[*]}" >&2
  exit 2
fi
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system-deps: all present (${PACKAGES[*]})"
  exit 0
fi
echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer no without a prompt.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "install-system-deps: done"
