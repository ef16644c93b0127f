#!/usr/bin/env bash
# Records the small captures (test/fixtures/edge-cases) that record.sh has no scenario for, with OpenSSL between two
# network namespaces (nothing leaves them):
#   null-sha256.pcap     TLS 1.2 with TLS_RSA_WITH_NULL_SHA256: records after ChangeCipherSpec are plaintext + MAC
#   tls13-client-reject.pcap  TLS 1.3 where an OpenSSL client refuses the server's certificate (it sends its
#                        alert in plaintext, before its handshake keys are in use)
#   tls13-gnutls-reject.pcap  the same with a GnuTLS client (gnutls-cli, Debian's gnutls-bin), whose alert is
#                        encrypted: one 19-byte record after the server's flight
# usage (as root): scripts/record/edge-cases.sh OUTDIR     (NS and NET4 pick the namespace prefix and /24; defaults
# h12b and 10.72.0, so that it never meets record.sh's namespaces)
set -euo pipefail
OUT=${1:?usage: edge-cases.sh OUTDIR}
NS=${NS:-h12b}
NET4=${NET4:-10.72.0}
PORT=${PORT:-4611}
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
WORK=$(mktemp -d /tmp/h12b-rec.XXXXXX)
CLI=$NS-cli SRV=$NS-srv
C4=$NET4.1 S4=$NET4.2
PIDS=()

teardown() {
  local pid ns
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for ns in "$CLI" "$SRV"; do
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  done
  sleep 0.2
  for ns in "$CLI" "$SRV"; do ip netns del "$ns" 2>/dev/null || true; done
}
trap 'teardown; rm -rf "$WORK"' EXIT

teardown
ip netns add "$CLI"
ip netns add "$SRV"
ip link add "$NS-c0" type veth peer name "$NS-s0"
ip link set "$NS-c0" netns "$CLI" name cli0
ip link set "$NS-s0" netns "$SRV" name srv0
for pair in "$CLI cli0" "$SRV srv0"; do
  set -- $pair
  ip -n "$1" link set lo up
  ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
  ip -n "$1" link set "$2" up
done
ip -n "$CLI" addr add "$C4/24" dev cli0
ip -n "$SRV" addr add "$S4/24" dev srv0

# A throw-away CA and server certificate (and another CA, which the client trusts instead in the reject case).
cd "$WORK"
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 30 -subj "/CN=edge-cases CA" 2>/dev/null
openssl req -x509 -newkey rsa:2048 -nodes -keyout other.key -out other.pem -days 30 -subj "/CN=edge-cases other CA" 2>/dev/null
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj "/CN=srv.edge-cases.test" 2>/dev/null
printf 'subjectAltName=DNS:srv.edge-cases.test\n' >san.ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 30 -extfile san.ext 2>/dev/null
mkdir -p www && printf 'hello\n' >www/index.html

record() {  # record NAME "server options" "client options" [client program]
  local name=$1 sopts=$2 copts=$3 client=${4:-openssl}
  ip netns exec "$CLI" tcpdump -Z root --immediate-mode -i cli0 -U -w "$OUT/$name.pcap" "tcp port $PORT" 2>"$WORK/$name.tcpdump.log" &
  PIDS+=($!)
  local cap=$!
  until grep -q 'listening on' "$WORK/$name.tcpdump.log"; do sleep 0.05; done
  (cd www && exec ip netns exec "$SRV" timeout 20 openssl s_server -accept "$PORT" -naccept 1 -WWW -cert ../srv.pem -key ../srv.key $sopts) >"$WORK/$name.server.log" 2>&1 &
  PIDS+=($!)
  local srv=$!
  until ip netns exec "$SRV" ss -ltnH "sport = :$PORT" | grep -q LISTEN; do sleep 0.05; done
  if [[ $client == gnutls ]]; then
    printf 'GET /index.html HTTP/1.0\r\n\r\n' | ip netns exec "$CLI" timeout 10 gnutls-cli -p "$PORT" $copts "$S4" >"$WORK/$name.client.log" 2>&1 || true
  else
    printf 'GET /index.html HTTP/1.0\r\n\r\n' | ip netns exec "$CLI" timeout 10 openssl s_client -connect "$S4:$PORT" -servername srv.edge-cases.test -ign_eof $copts >"$WORK/$name.client.log" 2>&1 || true
  fi
  sleep 0.3
  kill "$srv" 2>/dev/null || true
  kill -INT "$cap"
  wait "$cap" 2>/dev/null || true
  PORT=$((PORT + 1))
}

record null-sha256 "-tls1_2 -cipher NULL-SHA256:@SECLEVEL=0" "-tls1_2 -cipher NULL-SHA256:@SECLEVEL=0 -CAfile $WORK/ca.pem"
record tls13-client-reject "-tls1_3" "-tls1_3 -CAfile $WORK/other.pem -verify_return_error"
if command -v gnutls-cli >/dev/null; then
  record tls13-gnutls-reject "-tls1_3" "--priority NORMAL:-VERS-ALL:+VERS-TLS1.3 --sni-hostname srv.edge-cases.test --x509cafile $WORK/other.pem" gnutls
else
  echo "edge-cases.sh: gnutls-cli absent (apt-get install gnutls-bin): tls13-gnutls-reject not recorded" >&2
fi
ls -l "$OUT"
