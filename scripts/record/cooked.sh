#!/usr/bin/env bash
# Records one TLS 1.2 connection with `tcpdump -i any` (Linux cooked capture, SLL2) between two network
# namespaces, for the link-layer tests: test/fixtures/cooked/any-tls12.pcap. Run as root; nothing leaves the
# namespaces, which are deleted on exit.
#   usage: scripts/record/cooked.sh OUT.pcap [NS_PREFIX] [NET4]   (defaults: h12a, 10.71.0)
set -euo pipefail
OUT=${1:?usage: cooked.sh OUT.pcap [NS_PREFIX] [NET4]}
NS=${2:-h12a}
NET=${3:-10.71.0}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PKI=$HERE/../../test/fixtures/pki
WORK=$(mktemp -d /tmp/cooked.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns del "$NS-cli" 2>/dev/null || true
  ip netns del "$NS-srv" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT
ip netns add "$NS-cli"
ip netns add "$NS-srv"
ip link add "${NS}c0" netns "$NS-cli" type veth peer name "${NS}s0" netns "$NS-srv"
ip -n "$NS-cli" addr add "$NET.1/24" dev "${NS}c0"
ip -n "$NS-srv" addr add "$NET.2/24" dev "${NS}s0"
for n in cli srv; do ip -n "$NS-$n" link set lo up; done
ip -n "$NS-cli" link set "${NS}c0" up
ip -n "$NS-srv" link set "${NS}s0" up
ip netns exec "$NS-cli" tcpdump -i any -U --immediate-mode -w "$WORK/any.pcap" 'tcp port 4470' 2>"$WORK/tcpdump.log" &
PIDS+=($!)
sleep 1
(cd "$WORK" && ip netns exec "$NS-srv" openssl s_server -accept 4470 -naccept 1 -cert "$PKI/server.pem" -key "$PKI/server.key" -cert_chain "$PKI/server-chain.pem" -tls1_2 -quiet >"$WORK/server.log" 2>&1) &
PIDS+=($!)
sleep 1
printf 'hello\n' | ip netns exec "$NS-cli" timeout 5 openssl s_client -connect "$NET.2:4470" -servername server.test -tls1_2 -quiet >"$WORK/client.log" 2>&1 || true
sleep 1
kill "${PIDS[0]}" 2>/dev/null || true
wait "${PIDS[0]}" 2>/dev/null || true
cp "$WORK/any.pcap" "$OUT"
echo "recorded $OUT"
