#!/usr/bin/env bash
# Records the connections that bench/replay.ts multiplies into the handshake-heavy benchmark capture:
# short OpenSSL connections between two network namespaces, each scenario several times: TLS 1.2 and 1.3 with a
# full chain, mutual TLS, resumption (TLS 1.2 session id, TLS 1.3 ticket) and failures (client certificate from
# an untrusted CA, no client certificate where one is required, version mismatch, no shared cipher).
#
# usage (as root): bench/record-handshakes.sh OUT.pcap [ROUNDS]      (ROUNDS: times each scenario runs, default 8)
# Network: namespaces h15-cli (10.75.0.1) and h15-srv (10.75.0.2) on a veth pair with offloads off; a fresh PKI
# from scripts/record/pki.sh in a temporary directory. Nothing leaves the namespaces; they are deleted on exit.
set -euo pipefail
OUT=$(realpath -m "${1:?usage: record-handshakes.sh OUT.pcap [ROUNDS]}")
ROUNDS=${2:-8}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
NS=h15
CLI=$NS-cli
SRV=$NS-srv
C4=10.75.0.1
S4=10.75.0.2
TMP=$(mktemp -d)
cleanup() {
  for ns in "$CLI" "$SRV"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  done
  sleep 0.3
  for ns in "$CLI" "$SRV"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$TMP"
}
trap cleanup EXIT
cleanup_ns() { for ns in "$CLI" "$SRV"; do ip netns del "$ns" 2>/dev/null || true; done; }
cleanup_ns
mkdir -p "$TMP"

bash "$HERE/../scripts/record/pki.sh" "$TMP/pki" bench.h15.test "tlsdump bench" >/dev/null 2>&1
P=$TMP/pki
ip netns add "$CLI"
ip netns add "$SRV"
ip link add "$NS-c0" type veth peer name "$NS-s0"
ip link set "$NS-c0" netns "$CLI" name cli0
ip link set "$NS-s0" netns "$SRV" name srv0
for x in "$CLI cli0" "$SRV srv0"; do
  set -- $x
  ip -n "$1" link set lo up
  ip -n "$1" link set "$2" up mtu 1500
  ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
done
ip -n "$CLI" addr add "$C4/24" dev cli0
ip -n "$SRV" addr add "$S4/24" dev srv0

srv() { # PORT ARGS...: an s_server answering HTTP with a small page
  local port=$1; shift
  ip netns exec "$SRV" openssl s_server -accept "$S4:$port" -www -cert "$P/server.pem" -key "$P/server.key" -cert_chain "$P/server-chain.pem" "$@" >"$TMP/srv-$port.log" 2>&1 &
}
srv 4401 -tls1_2                                                    # TLS 1.2, leaf + intermediate
srv 4402 -tls1_3                                                    # TLS 1.3
srv 4403 -Verify 1 -CAfile "$P/client-ca.pem"                      # mutual TLS required (1.2 and 1.3)
srv 4404 -verify 1 -CAfile "$P/client-ca.pem" -tls1_2               # a client certificate asked for, optional
srv 4405 -tls1_3                                                    # the version-mismatch target
srv 4406 -tls1_2 -cipher AES256-SHA                                 # the no-shared-cipher target
sleep 1
ip netns exec "$SRV" tcpdump -U --immediate-mode -i srv0 -w "$OUT" 'tcp portrange 4401-4406' >"$TMP/tcpdump.log" 2>&1 &
sleep 1

cli() { # PORT ARGS...: one connection that asks for a page and closes
  local port=$1; shift
  printf 'GET / HTTP/1.0\r\n\r\n' | ip netns exec "$CLI" timeout 5 openssl s_client -connect "$S4:$port" -servername bench.h15.test -CAfile "$P/root-ca.pem" -ign_eof "$@" >>"$TMP/cli.log" 2>&1 || true
}
for ((r = 0; r < ROUNDS; r++)); do
  cli 4401
  cli 4401 -sess_out "$TMP/s12"
  cli 4401 -sess_in "$TMP/s12"                                      # TLS 1.2 resumption by session id
  cli 4402
  cli 4402 -sess_out "$TMP/s13"
  cli 4402 -sess_in "$TMP/s13"                                      # TLS 1.3 resumption by ticket (PSK)
  cli 4403 -tls1_2 -cert "$P/client.pem" -key "$P/client.key"
  cli 4403 -tls1_3 -cert "$P/client.pem" -key "$P/client.key"
  cli 4403 -tls1_2 -cert "$P/other-client.pem" -key "$P/other-client.key"   # untrusted client CA: rejected
  cli 4403 -tls1_2                                                   # no client certificate: rejected
  cli 4403 -tls1_3                                                   # no client certificate (TLS 1.3)
  cli 4404 -cert "$P/client.pem" -key "$P/client.key"
  cli 4404                                                           # asked, none sent, accepted
  cli 4405 -tls1_2                                                   # protocol_version
  cli 4406 -cipher ECDHE-RSA-AES128-GCM-SHA256                       # handshake_failure
done
sleep 1
echo "record-handshakes: $OUT: $(tcpdump -r "$OUT" 2>/dev/null | wc -l) packets" >&2
