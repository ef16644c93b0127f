#!/usr/bin/env bash
# Records tlsdump's own DTLS captures with `openssl s_server -dtls` / `s_client -dtls` between two network
# namespaces (h17-cli, h17-srv on 10.77.0.0/24 and fd00:77::/64), reusing the PKI of test/fixtures/pki.
#
# usage (as root):
#   scripts/record/dtls.sh                 records every scenario into test/fixtures/dtls/NAME.pcap
#   scripts/record/dtls.sh --holdout DIR   the same scenarios into DIR (outside the repository) on other
#                                          ports, addresses (10.77.1.0/24) and a fresh throwaway PKI: captures
#                                          the code was not tuned on
#
# Scenarios (NAME: what the server and client do):
#   dtls12            DTLS 1.2, server certificate only
#   dtls12-cookie     DTLS 1.2 with -listen: HelloVerifyRequest and a cookie before the handshake
#   dtls10            DTLS 1.0
#   dtls12-mtls-ok    the server requires a client certificate (-Verify 1), the client sends one
#   dtls12-mtls-nocert the server requires one, the client sends none: the handshake fails
#   dtls12-frag       a 300-byte MTU on both sides: handshake messages in many fragments
#   dtls12-v6         DTLS 1.2 over IPv6
# Each pcap holds only the scenario's UDP port. Nothing leaves the namespaces; they are deleted on every exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=$REPO/test/fixtures/dtls
PKI=$REPO/test/fixtures/pki
NET4=10.77.0 NET6=fd00:77: BASE_PORT=5684 NAME_CN=server.test
if [[ ${1:-} == --holdout ]]; then
  OUT=${2:?--holdout needs a directory}
  mkdir -p "$OUT"; OUT=$(cd "$OUT" && pwd)
  case $OUT/ in "$REPO"/*) echo "dtls.sh: --holdout DIR must be outside the repository" >&2; exit 2 ;; esac
  NET4=10.77.1 NET6=fd00:77:1: BASE_PORT=15684 NAME_CN=holdout.test
  PKI=$OUT/pki
fi
if ((EUID != 0)); then echo "dtls.sh: run as root (network namespaces)" >&2; exit 2; fi
mkdir -p "$OUT"
NS=h17 CLI=h17-cli SRV=h17-srv
C4=$NET4.1 S4=$NET4.2 C6=${NET6}:1 S6=${NET6}:2
WORK=$(mktemp -d /tmp/h17-dtls.XXXXXX)

teardown() {
  local ns pid
  for ns in "$CLI" "$SRV"; do
    ip netns list | grep -qw "^$ns" || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  done
  sleep 0.2
  for ns in "$CLI" "$SRV"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap 'teardown; [[ -n ${KEEP_LOGS:-} ]] && echo "logs in $WORK" >&2 || rm -rf "$WORK"' EXIT

if [[ $PKI != "$REPO/test/fixtures/pki" ]]; then
  # A throwaway PKI for the holdout: a root CA, a server and a client certificate.
  mkdir -p "$PKI"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 -subj "/CN=h17 holdout root" \
    -keyout "$PKI/root-ca.key" -out "$PKI/root-ca.pem" 2>/dev/null
  for who in server client; do
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$who.holdout.test" \
      -keyout "$PKI/$who.key" -out "$WORK/$who.csr" 2>/dev/null
    openssl x509 -req -in "$WORK/$who.csr" -CA "$PKI/root-ca.pem" -CAkey "$PKI/root-ca.key" -CAcreateserial \
      -days 30 -out "$PKI/$who.pem" 2>/dev/null
  done
  cp "$PKI/root-ca.pem" "$PKI/client-ca.pem"
fi

teardown
ip netns add "$CLI"; ip netns add "$SRV"
ip link add h17-c0 type veth peer name h17-s0
ip link set h17-c0 netns "$CLI" name cli0
ip link set h17-s0 netns "$SRV" name srv0
for pair in "$CLI cli0" "$SRV srv0"; do
  set -- $pair
  ip -n "$1" link set lo up
  ip netns exec "$1" ethtool -K "$2" tx off rx off >/dev/null 2>&1 || true
  ip -n "$1" link set "$2" up
done
ip -n "$CLI" addr add "$C4/24" dev cli0; ip -n "$SRV" addr add "$S4/24" dev srv0
ip -n "$CLI" addr add "$C6/64" dev cli0 nodad; ip -n "$SRV" addr add "$S6/64" dev srv0 nodad

# record NAME PORT ADDR "server options" "client options"
record() {
  local name=$1 port=$2 addr=$3 sopts=$4 copts=$5 host=$3
  [[ $addr == *:* ]] && host="[$addr]"
  ip netns exec "$SRV" tcpdump -i srv0 -U --immediate-mode -w "$OUT/$name.pcap" "udp port $port" 2>"$WORK/$name.tcpdump" &
  local tpid=$!
  sleep 0.7
  # shellcheck disable=SC2086
  # s_server stops at the end of its standard input: keep it open for the scenario's length.
  sleep 6 | ip netns exec "$SRV" timeout 8 openssl s_server -accept "$port" -cert "$PKI/server.pem" -key "$PKI/server.key" \
    -naccept 1 $sopts >"$WORK/$name.server" 2>&1 &
  local spid=$!
  sleep 0.7
  # shellcheck disable=SC2086
  (echo "hello over dtls"; sleep 1.5) | ip netns exec "$CLI" timeout 5 openssl s_client -connect "$host:$port" \
    -servername "$NAME_CN" -CAfile "$PKI/root-ca.pem" $copts >"$WORK/$name.client" 2>&1 || true
  sleep 0.5
  kill "$spid" 2>/dev/null || true
  wait "$spid" 2>/dev/null || true
  sleep 0.3
  kill "$tpid"; wait "$tpid" 2>/dev/null || true
  echo "$name: $(tcpdump -r "$OUT/$name.pcap" 2>/dev/null | wc -l) packets"
}

P=$BASE_PORT
record dtls12 $((P + 0)) "$S4" "-dtls1_2" "-dtls1_2"
record dtls12-cookie $((P + 1)) "$S4" "-dtls1_2 -listen" "-dtls1_2"
record dtls10 $((P + 2)) "$S4" "-dtls1 -cipher DEFAULT:@SECLEVEL=0" "-dtls1 -cipher DEFAULT:@SECLEVEL=0"
record dtls12-mtls-ok $((P + 3)) "$S4" "-dtls1_2 -Verify 1 -CAfile $PKI/client-ca.pem" "-dtls1_2 -cert $PKI/client.pem -key $PKI/client.key"
record dtls12-mtls-nocert $((P + 4)) "$S4" "-dtls1_2 -Verify 1 -CAfile $PKI/client-ca.pem" "-dtls1_2"
record dtls12-frag $((P + 5)) "$S4" "-dtls1_2 -mtu 300" "-dtls1_2 -mtu 300"
record dtls12-v6 $((P + 6)) "$S6" "-dtls1_2" "-dtls1_2"
