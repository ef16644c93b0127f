#!/usr/bin/env bash
# Records the decryption fixtures (test/fixtures/decrypt): one short OpenSSL connection per cipher suite and TLS 1.3
# feature, each with the key log s_client wrote, between two network namespaces, and checks each with tshark.
#
# usage (as root):
#   scripts/decrypt/record.sh              re-records test/fixtures/decrypt/ with the PKI of test/fixtures/pki/
#   scripts/decrypt/record.sh --holdout DIR
#       records the same scenarios into DIR (outside the repository) with a fresh throwaway PKI: material the
#       code was not tuned on
#   --only NAME[,NAME...]                  only these scenarios
#
# Network: namespaces h13-cli (10.73.0.1) and h13-srv (10.73.0.2) joined by a veth pair, offloads off so every
# segment on the wire is real. Each scenario has its own capture (tcpdump in h13-cli, port 4433). The namespaces are deleted, and the servers stopped, on every exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
OUT=$REPO/test/fixtures/decrypt
PKI=$REPO/test/fixtures/pki
ONLY=""
HOLDOUT=0
while (($#)); do
  case $1 in
    --holdout) HOLDOUT=1; OUT=${2:?--holdout needs a directory}; shift 2 ;;
    --only) ONLY=${2:?--only needs names}; shift 2 ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "record.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
((EUID == 0)) || { echo "record.sh: run as root (network namespaces)" >&2; exit 2; }
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
NS=h13
NET=10.73.0
# One port for every scenario (they run one after the other): one that tshark decodes as TLS by default
# (4433; many others belong to other protocols in tshark, e.g. 4739 is IPFIX).
PORT=4433
if ((HOLDOUT)); then
  case $OUT/ in "$REPO"/*) echo "record.sh: --holdout DIR must be outside the repository" >&2; exit 2 ;; esac
  NET=10.73.1
fi
TMP=$(mktemp -d)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns del "$NS-cli" 2>/dev/null || true
  ip netns del "$NS-srv" 2>/dev/null || true
  if [[ -n ${KEEP_LOGS:-} ]]; then echo "logs: $TMP" >&2; else rm -rf "$TMP"; fi
}
trap cleanup EXIT

if ((HOLDOUT)); then
  # A fresh PKI: root CA → server; client CA → client; another CA → a client the server does not trust.
  PKI=$TMP/pki
  mkdir -p "$PKI"
  ca() { openssl req -x509 -newkey rsa:2048 -nodes -keyout "$PKI/$1.key" -out "$PKI/$1.pem" -days 30 -subj "/O=h13 holdout/CN=$2" 2>/dev/null; }
  leaf() {  # leaf NAME CN CA
    openssl req -newkey rsa:2048 -nodes -keyout "$PKI/$1.key" -out "$TMP/$1.csr" -subj "/O=h13 holdout/CN=$2" 2>/dev/null
    printf 'subjectAltName=DNS:%s\n' "$2" >"$TMP/$1.ext"
    openssl x509 -req -in "$TMP/$1.csr" -CA "$PKI/$3.pem" -CAkey "$PKI/$3.key" -CAcreateserial -days 30 -extfile "$TMP/$1.ext" -out "$PKI/$1.pem" 2>/dev/null
  }
  ca root-ca "h13 Root"; ca client-ca "h13 Client CA"; ca other-ca "h13 Other CA"
  leaf server server.test root-ca; leaf client client.test client-ca; leaf other-client other.test other-ca
  cp "$PKI/root-ca.pem" "$PKI/server-chain.pem"
fi

ip netns add "$NS-cli"
ip netns add "$NS-srv"
ip link add "$NS-c0" type veth peer name "$NS-s0"
ip link set "$NS-c0" netns "$NS-cli"
ip link set "$NS-s0" netns "$NS-srv"
ip -n "$NS-cli" addr add "$NET.1/24" dev "$NS-c0"
ip -n "$NS-srv" addr add "$NET.2/24" dev "$NS-s0"
for side in cli:c0 srv:s0; do
  n=$NS-${side%%:*}; dev=$NS-${side##*:}
  ip -n "$n" link set lo up
  ip -n "$n" link set "$dev" up
  ip netns exec "$n" ethtool -K "$dev" tso off gso off gro off tx off rx off >/dev/null 2>&1 || true
done

SRV_RSA=(-cert "$PKI/server.pem" -key "$PKI/server.key")
MTLS=(-Verify 1 -CAfile "$PKI/client-ca.pem" -verify_return_error)
CERT=(-cert "$PKI/client.pem" -key "$PKI/client.key")
OTHER=(-cert "$PKI/other-client.pem" -key "$PKI/other-client.key")
GET='GET / HTTP/1.0\r\n\r\n'

# scenario NAME "server options" "client options" [client stdin script]
n=0
scenario() {
  local name=$1 sopts=$2 copts=$3 script=${4:-} www=-www
  # With a client script the server echoes (no -www): the connection stays open for the script's lines.
  [[ -n $script ]] && www=
  n=$((n + 1))
  if [[ -n $ONLY && ",$ONLY," != *",$name,"* ]]; then return; fi
  local port=$PORT
  rm -f "$OUT/$name.pcap" "$OUT/$name.keylog"
  ip netns exec "$NS-cli" tcpdump -i "$NS-c0" -U --immediate-mode -w "$OUT/$name.pcap" "tcp port $port" 2>"$TMP/$name.tcpdump" &
  local tpid=$!
  PIDS+=("$tpid")
  sleep 0.6
  # shellcheck disable=SC2086
  # The server's stdin stays open (s_server without -www stops at the end of its stdin).
  sleep 12 | ip netns exec "$NS-srv" openssl s_server -accept "$port" -naccept 1 $www $sopts >"$TMP/$name.srv" 2>&1 &
  local spid=$!
  PIDS+=("$spid")
  sleep 0.4
  # shellcheck disable=SC2086
  if [[ -n $script ]]; then
    (eval "$script") | timeout 15 ip netns exec "$NS-cli" openssl s_client -connect "$NET.2:$port" -servername server.test $copts -keylogfile "$OUT/$name.keylog" >"$TMP/$name.cli" 2>&1 || true
  else
    printf "$GET" | timeout 15 ip netns exec "$NS-cli" openssl s_client -connect "$NET.2:$port" -servername server.test -ign_eof $copts -keylogfile "$OUT/$name.keylog" >"$TMP/$name.cli" 2>&1 || true
  fi
  sleep 0.4
  kill "$spid" 2>/dev/null || true
  kill "$tpid" 2>/dev/null || true
  wait "$tpid" 2>/dev/null || true
  printf '%-16s %s\n' "$name" "$(tshark -r "$OUT/$name.pcap" -o "tls.keylog_file:$OUT/$name.keylog" -Y tls -T fields -e tls.handshake.type -e tls.alert_message.desc 2>/dev/null | tr '\t\n' '  ' | tr -s ' ')"
}

S="${SRV_RSA[*]}"
scenario tls13-aes128gcm "$S" "-tls1_3 -ciphersuites TLS_AES_128_GCM_SHA256"
scenario tls13-aes256gcm "$S" "-tls1_3 -ciphersuites TLS_AES_256_GCM_SHA384"
scenario tls13-chacha20 "$S" "-tls1_3 -ciphersuites TLS_CHACHA20_POLY1305_SHA256"
scenario tls13-ccm "$S -ciphersuites TLS_AES_128_CCM_SHA256" "-tls1_3 -ciphersuites TLS_AES_128_CCM_SHA256"
scenario tls13-ccm8 "$S -ciphersuites TLS_AES_128_CCM_8_SHA256" "-tls1_3 -ciphersuites TLS_AES_128_CCM_8_SHA256"
# HelloRetryRequest: the client's first key share (P-256) is not in the server's groups.
scenario tls13-hrr "$S -groups X25519" "-tls1_3 -groups P-256:X25519"
# KeyUpdate: s_client sends one when a line is 'K' (update_requested) or 'k' (not requested); without -ign_eof.
scenario tls13-keyupdate "$S" "-tls1_3" "printf '$GET'; sleep 0.5; printf 'K\n'; sleep 0.5; printf 'k\n'; sleep 0.5; printf 'more\n'; sleep 0.5"
scenario mtls13-ok "$S ${MTLS[*]}" "-tls1_3 ${CERT[*]}"
scenario mtls13-nocert "$S ${MTLS[*]}" "-tls1_3"
scenario mtls13-wrongca "$S ${MTLS[*]}" "-tls1_3 ${OTHER[*]}"
scenario tls12-gcm "$S" "-tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256"
scenario tls12-gcm384 "$S" "-tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384"
scenario tls12-chacha20 "$S" "-tls1_2 -cipher ECDHE-RSA-CHACHA20-POLY1305"
scenario tls12-cbc-etm "$S" "-tls1_2 -cipher ECDHE-RSA-AES128-SHA256"
scenario tls12-cbc-noetm "$S" "-tls1_2 -cipher ECDHE-RSA-AES256-SHA384 -no_etm"
scenario tls12-cbc-sha1 "$S" "-tls1_2 -cipher ECDHE-RSA-AES256-SHA"
scenario tls12-ccm "$S -cipher AES128-CCM" "-tls1_2 -cipher AES128-CCM"
scenario tls12-ccm8 "$S -cipher AES256-CCM8" "-tls1_2 -cipher AES256-CCM8"
scenario tls10-cbc "$S -tls1 -cipher AES128-SHA:@SECLEVEL=0" "-tls1 -cipher AES128-SHA:@SECLEVEL=0"
scenario tls12-camellia "$S -cipher CAMELLIA128-SHA" "-tls1_2 -cipher CAMELLIA128-SHA"
chmod a+r "$OUT"/*
