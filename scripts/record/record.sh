#!/usr/bin/env bash
# Records tlsdump's own TLS captures with OpenSSL, between two network namespaces, and checks them with tshark.
#
# usage (as root):
#   scripts/record/record.sh [--only NAME[,NAME...]] [--fresh-pki]
#       records every scenario into test/fixtures/ (NAME.pcap, NAME.keylog, NAME.tshark.json, manifest.json),
#       with the PKI in test/fixtures/pki/ (made once, then reused; --fresh-pki makes a new one)
#   scripts/record/record.sh --holdout DIR [--only ...]
#       records the same scenarios into DIR (outside the repository), with a new PKI (other keys, other names),
#       other ports and other addresses: captures that the project has never seen, to check verdicts on.
#
# Network: namespaces $NS-cli and $NS-srv joined by a veth pair (MTU 1500, no TSO/GSO/GRO, no checksum offload,
# so that every segment on the wire is a real one with a right checksum), IPv4 and IPv6. The impaired scenarios
# use a second path through a third namespace, $NS-mid, where impair.py bridges the two veth ends and delays,
# drops or duplicates the server's TCP segments. (This kernel has no sch_netem, so `tc qdisc ... netem` cannot
# be used; impair.py does the same job in user space.) Nothing leaves these namespaces.
#
# Every pcap holds only the scenario's TCP port (tcpdump -U --immediate-mode, default snap length). Each one is checked by check.py against expected.py, which
# decrypts it with the keylog that s_client wrote, and a scenario that does not behave as expected fails the run.
# The logs of every s_server/s_client/tcpdump/impair.py run go to a temporary directory, removed after a
# successful run unless KEEP_LOGS=1 (its path is printed); the namespaces are deleted on every exit.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)
TSHARK_FACTS=${TSHARK_FACTS:-/work/shared/tools/tshark-facts.py}

OUT=$REPO/test/fixtures
ONLY=""
FRESH_PKI=0
HOLDOUT=0
while (($#)); do
  case $1 in
    --holdout) HOLDOUT=1; OUT=${2:?--holdout needs a directory}; shift 2 ;;
    --only) ONLY=${2:?--only needs scenario names}; shift 2 ;;
    --fresh-pki) FRESH_PKI=1; shift ;;
    -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "record.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
if ((EUID != 0)); then echo "record.sh: run as root (network namespaces)" >&2; exit 2; fi
for tool in ip ethtool ss tcpdump tshark openssl timeout python3; do
  command -v "$tool" >/dev/null || { echo "record.sh: $tool not found" >&2; exit 2; }
done

if ((HOLDOUT)); then
  mkdir -p "$OUT"
  OUT=$(cd "$OUT" && pwd)
  case $OUT/ in "$REPO"/*) echo "record.sh: --holdout DIR must be outside the repository" >&2; exit 2 ;; esac
  NS=tlsh                 # namespace prefix
  NET4=10.98.0            # client .1, server .2
  NET4_IMP=10.98.1        # the impaired path
  NET6=fd00:98:           # client ::1, server ::2
  BASE_PORT=14443
  DNS=srv.holdout.test
  ORG="tlsdump holdout"
  SEED=7
else
  NS=tlsd
  NET4=10.99.0
  NET4_IMP=10.99.1
  NET6=fd00:99:
  BASE_PORT=4433
  DNS=server.test
  ORG="tlsdump test"
  SEED=1
fi
PKI=$OUT/pki
CLI=$NS-cli SRV=$NS-srv MID=$NS-mid
C4=$NET4.1 S4=$NET4.2 C6=${NET6}:1 S6=${NET6}:2 CI4=$NET4_IMP.1 SI4=$NET4_IMP.2

WORK=$(mktemp -d /tmp/tlsd-record.XXXXXX)
LOGS=$WORK/logs
WWW=$WORK/www
mkdir -p "$LOGS" "$WWW"
COMMANDS=$WORK/commands.tsv
: >"$COMMANDS"
PIDS=()

log() { printf '%s\n' "$*" >&2; }

ns_kill_all() {  # every process still running inside one of OUR namespaces, by pid
  local ns pid
  for ns in "$CLI" "$SRV" "$MID"; do
    ip netns list | grep -qw "^$ns" || continue
    for pid in $(ip netns pids "$ns" 2>/dev/null); do kill "$pid" 2>/dev/null || true; done
  done
}

teardown() {
  local pid ns
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  ns_kill_all
  sleep 0.2
  for ns in "$CLI" "$SRV" "$MID"; do ip netns del "$ns" 2>/dev/null || true; done
}

on_exit() {
  local rc=$?
  teardown
  if ((rc == 0)) && [[ -z ${KEEP_LOGS:-} ]]; then rm -rf "$WORK"; else log "record.sh: failed (rc=$rc); logs kept in $LOGS"; fi
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# ---------------------------------------------------------------------------------------------------- network
setup_net() {
  teardown  # left over from an interrupted run
  local ns
  for ns in "$CLI" "$SRV" "$MID"; do
    ip netns add "$ns"
    ip -n "$ns" link set lo up
  done
  # direct path: cli0 (client) <-> srv0 (server)
  ip link add "$NS-c0" type veth peer name "$NS-s0"
  ip link set "$NS-c0" netns "$CLI" name cli0
  ip link set "$NS-s0" netns "$SRV" name srv0
  # impaired path: cli1 (client) <-> mc ~impair.py~ ms <-> srv1 (server)
  ip link add "$NS-c1" type veth peer name "$NS-mc"
  ip link add "$NS-s1" type veth peer name "$NS-ms"
  ip link set "$NS-c1" netns "$CLI" name cli1
  ip link set "$NS-mc" netns "$MID" name mc
  ip link set "$NS-s1" netns "$SRV" name srv1
  ip link set "$NS-ms" netns "$MID" name ms
  ip netns exec "$MID" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
  local pair
  for pair in "$CLI cli0" "$SRV srv0" "$CLI cli1" "$SRV srv1" "$MID mc" "$MID ms"; do
    set -- $pair
    ip -n "$1" link set "$2" mtu 1500
    ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off rx off >/dev/null 2>&1 ||
      ip netns exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null
    ip -n "$1" link set "$2" up
  done
  ip -n "$MID" link set mc promisc on
  ip -n "$MID" link set ms promisc on
  ip -n "$CLI" addr add "$C4/24" dev cli0
  ip -n "$SRV" addr add "$S4/24" dev srv0
  ip -n "$CLI" addr add "$C6/64" dev cli0 nodad
  ip -n "$SRV" addr add "$S6/64" dev srv0 nodad
  ip -n "$CLI" addr add "$CI4/24" dev cli1
  ip -n "$SRV" addr add "$SI4/24" dev srv1
}

# ---------------------------------------------------------------------------------------------------- helpers
CUR=""        # scenario being recorded
PORT=0
SRV_PID=""
CAPS=()       # tcpdump pids of the current scenario
IDX=0

# the command as written in the manifest: paths relative to the fixtures directory
note_cmd() { printf '%s\t%s\n' "$CUR" "$(printf '%s' "$*" | sed -e "s#$PKI/#pki/#g" -e "s#$OUT/#./#g" -e "s#$WORK/##g")" >>"$COMMANDS"; }

wait_for() {  # wait_for SECONDS COMMAND...: polls until COMMAND succeeds
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.05
  done
}

capture_start() {  # capture_start NS IFACE FILE
  local ns=$1 ifc=$2 file=$3
  local err
  err="$LOGS/$(basename "$file").tcpdump.log"
  rm -f "$file"
  ip netns exec "$ns" tcpdump -Z root --immediate-mode -i "$ifc" -U -w "$file" "tcp port $PORT" 2>"$err" &
  CAPS+=($!)
  PIDS+=($!)
  wait_for 10 grep -q 'listening on' "$err" || { log "tcpdump did not start: $(cat "$err")"; return 1; }
}

capture_stop() {
  local pid
  sleep 0.3  # the last ACKs
  for pid in "${CAPS[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
  for pid in "${CAPS[@]}"; do wait "$pid" 2>/dev/null || true; done
  CAPS=()
}

srv_start() {  # srv_start NACCEPT [s_server options...]  (always -WWW from $WWW)
  local n=$1
  shift
  local args=(s_server -accept "$PORT" -naccept "$n" -WWW "$@" -msg)
  note_cmd "server: openssl ${args[*]}"
  (cd "$WWW" && exec ip netns exec "$SRV" timeout 60 openssl "${args[@]}") >>"$LOGS/$CUR.server.log" 2>&1 &
  SRV_PID=$!
  PIDS+=($SRV_PID)
  wait_for 10 sh -c "ip netns exec '$SRV' ss -ltnH 'sport = :$PORT' | grep -q LISTEN" ||
    { log "$CUR: server did not listen"; cat "$LOGS/$CUR.server.log" >&2; return 1; }
}

srv_wait() {  # the server exits by itself after -naccept connections; if it does not, it is stopped
  local i
  for i in $(seq 1 100); do
    kill -0 "$SRV_PID" 2>/dev/null || break
    sleep 0.05
  done
  kill "$SRV_PID" 2>/dev/null || true
  wait "$SRV_PID" 2>/dev/null || true
}

REQUEST=""
cli() {  # cli HOST [s_client options...]: one connection, which sends one GET; never fails the script
  local host=$1
  shift
  local args=(s_client -connect "$host:$PORT" -servername "$DNS" -ign_eof "$@" -msg -keylogfile "$OUT/$CUR.keylog")
  note_cmd "client: printf '$REQUEST' | openssl ${args[*]}"
  local rc=0
  printf "$REQUEST" | ip netns exec "$CLI" timeout 20 openssl "${args[@]}" >>"$LOGS/$CUR.client.log" 2>&1 || rc=$?
  echo "client exit status $rc" >>"$LOGS/$CUR.client.log"
  ((rc != 124)) || { log "$CUR: s_client timed out"; return 1; }
}

# scenario NAME FUNCTION: one pcap (plus NAME-tx.pcap when the function makes a second capture)
scenario() {
  local name=$1 fn=$2
  IDX=$((IDX + 1))
  if [[ -n $ONLY && ",$ONLY," != *",$name,"* ]]; then return 0; fi
  CUR=$name
  PORT=${PORTS[IDX]}
  rm -f "$OUT/$name.keylog" "$OUT/$name.pcap" "$OUT/$name.tshark.json" "$OUT/$name-tx.pcap" "$OUT/$name-tx.tshark.json"
  log "== $name (port $PORT)"
  "$fn"
  chmod 644 "$OUT/$name"*.pcap "$OUT/$name.keylog" 2>/dev/null || true
  local p
  for p in "$OUT/$name.pcap" "$OUT/$name-tx.pcap"; do
    [[ -f $p ]] || continue
    python3 "$TSHARK_FACTS" "$p" >"${p%.pcap}.tshark.json"
  done
  RAN+=("$name")
}
RAN=()

# common option sets
S_RSA() { echo -cert "$PKI/server.pem" -key "$PKI/server.key" -cert_chain "$PKI/server-chain.pem"; }
C_VERIFY() { echo -CAfile "$PKI/root-ca.pem" -verify_return_error; }
S_MTLS() { echo -Verify 1 -CAfile "$PKI/client-ca.pem" -verify_return_error; }
C_CERT() { echo -cert "$PKI/client.pem" -key "$PKI/client.key"; }

# one connection on the direct IPv4 path, captured on the client's veth (cli0)
direct() {  # direct "SERVER OPTIONS" "CLIENT OPTIONS"
  capture_start "$CLI" cli0 "$OUT/$CUR.pcap"
  # shellcheck disable=SC2086
  srv_start 1 $1
  # shellcheck disable=SC2086
  cli "$S4" $2
  srv_wait
  capture_stop
}

# ---------------------------------------------------------------------------------------------------- scenarios
sc_tls12_rsa() { direct "$(S_RSA) -tls1_2 -cipher AES256-SHA" "$(C_VERIFY)"; }
sc_tls12_ecdhe() { direct "$(S_RSA) -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256" "$(C_VERIFY)"; }
sc_tls12_ecdsa() {
  direct "-cert $PKI/server-ecdsa.pem -key $PKI/server-ecdsa.key -cert_chain $PKI/server-chain.pem -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256" "$(C_VERIFY)"
}
sc_tls12_anon() { direct "-nocert -tls1_2 -cipher AECDH-AES128-SHA:@SECLEVEL=0" "-cipher AECDH-AES128-SHA:@SECLEVEL=0"; }
sc_tls13() { direct "$(S_RSA)" "$(C_VERIFY)"; }
sc_tls10() { direct "$(S_RSA) -tls1 -cipher DEFAULT:@SECLEVEL=0" "$(C_VERIFY) -tls1 -cipher DEFAULT:@SECLEVEL=0"; }
sc_tls11() { direct "$(S_RSA) -tls1_1 -cipher DEFAULT:@SECLEVEL=0" "$(C_VERIFY) -tls1_1 -cipher DEFAULT:@SECLEVEL=0"; }
sc_mtls12_ok() { direct "$(S_RSA) -tls1_2 $(S_MTLS)" "$(C_VERIFY) $(C_CERT)"; }
sc_mtls12_nocert() { direct "$(S_RSA) -tls1_2 $(S_MTLS)" "$(C_VERIFY)"; }
sc_mtls12_wrongca() { direct "$(S_RSA) -tls1_2 $(S_MTLS)" "$(C_VERIFY) -cert $PKI/other-client.pem -key $PKI/other-client.key"; }
sc_mtls13_ok() { direct "$(S_RSA) -tls1_3 $(S_MTLS)" "$(C_VERIFY) $(C_CERT)"; }
sc_mtls13_nocert() { direct "$(S_RSA) -tls1_3 $(S_MTLS)" "$(C_VERIFY)"; }
sc_mtls13_wrongca() { direct "$(S_RSA) -tls1_3 $(S_MTLS)" "$(C_VERIFY) -cert $PKI/other-client.pem -key $PKI/other-client.key"; }
sc_server_no_intermediate() { direct "-cert $PKI/server.pem -key $PKI/server.key -tls1_2" "$(C_VERIFY)"; }
sc_server_no_intermediate_noverify() { direct "-cert $PKI/server.pem -key $PKI/server.key -tls1_2" "-CAfile $PKI/root-ca.pem"; }
sc_server_expired() {
  direct "-cert $PKI/server-expired.pem -key $PKI/server-expired.key -cert_chain $PKI/server-chain.pem -tls1_2" "$(C_VERIFY)"
}
sc_client_untrusted_server() { direct "$(S_RSA) -tls1_2" "-CAfile $PKI/other-ca.pem -verify_return_error"; }
sc_sni_mismatch() {
  local keep=$DNS
  DNS=wrong-name.test  # the client asks for another name than the certificate's; it does not check the name
  direct "$(S_RSA) -tls1_2" "$(C_VERIFY)"
  DNS=$keep
}
sc_version_mismatch() { direct "$(S_RSA) -tls1_2" "$(C_VERIFY) -tls1_3"; }
sc_no_shared_cipher() {
  direct "$(S_RSA) -tls1_2 -cipher AES128-SHA" "$(C_VERIFY) -tls1_2 -cipher ECDHE-RSA-AES256-GCM-SHA384"
}

resumption() {  # resumption "SERVER OPTIONS": a full handshake, then one that resumes its session
  local sess=$WORK/$CUR.session.pem
  capture_start "$CLI" cli0 "$OUT/$CUR.pcap"
  # shellcheck disable=SC2086
  srv_start 2 $1
  cli "$S4" $(C_VERIFY) -sess_out "$sess"
  [[ -s $sess ]] || { log "$CUR: no session saved"; return 1; }
  cli "$S4" $(C_VERIFY) -sess_in "$sess"
  srv_wait
  capture_stop
}
sc_resume12_sessid() { resumption "$(S_RSA) -tls1_2 -no_ticket"; }
sc_resume12_ticket() { resumption "$(S_RSA) -tls1_2"; }
sc_resume13() { resumption "$(S_RSA) -tls1_3"; }

sc_ipv6_tls12() {
  capture_start "$CLI" cli0 "$OUT/$CUR.pcap"
  srv_start 1 $(S_RSA) -tls1_2
  cli "[$S6]" $(C_VERIFY)
  srv_wait
  capture_stop
}

sc_many_flows() {  # 20 short connections one after the other, TLS 1.2 and TLS 1.3 in turn
  local i
  capture_start "$CLI" cli0 "$OUT/$CUR.pcap"
  srv_start 20 $(S_RSA)
  for i in $(seq 1 10); do
    cli "$S4" $(C_VERIFY) -tls1_2
    cli "$S4" $(C_VERIFY) -tls1_3
  done
  srv_wait
  capture_stop
}

# impaired: the server sends a 4096-bit leaf with 60 SANs plus intermediate and root (about 5 KB, several
# segments), then 200 KB of application data; impair.py works on the server-to-client direction.
IMPAIR_PID=""
impaired_once() {  # impaired_once MODE PCT TX SEED
  local mode=$1 pct=$2 both=$3 seed=$4
  capture_start "$CLI" cli1 "$OUT/$CUR.pcap"
  [[ -z $both ]] || capture_start "$SRV" srv1 "$OUT/$CUR-tx.pcap"
  rm -f "$WORK/impair.ready"
  note_cmd "impair (in $MID): python3 scripts/record/impair.py mc ms --dir b2a $mode --pct $pct --delay-ms 20 --seed $seed"
  ip netns exec "$MID" python3 "$HERE/impair.py" mc ms --dir b2a "$mode" --pct "$pct" --delay-ms 20 \
    --seed "$seed" --ready "$WORK/impair.ready" --log "$LOGS/$CUR.impair.log" 2>>"$LOGS/$CUR.impair.log" &
  IMPAIR_PID=$!
  PIDS+=($IMPAIR_PID)
  wait_for 10 test -f "$WORK/impair.ready" || { log "$CUR: impair.py did not start"; return 1; }
  srv_start 1 -cert "$PKI/server-big.pem" -key "$PKI/server-big.key" -cert_chain "$PKI/server-big-chain.pem" \
    -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
  local keep=$REQUEST
  REQUEST='GET /big.txt HTTP/1.0\r\nHost: '"$DNS"'\r\n\r\n'
  cli "$SI4" $(C_VERIFY)
  REQUEST=$keep
  srv_wait
  capture_stop
  kill "$IMPAIR_PID" 2>/dev/null || true
  wait "$IMPAIR_PID" 2>/dev/null || true
  tail -1 "$LOGS/$CUR.impair.log" >&2
}

# impaired MODE PCT [tx]: capture on the client side (the receiver); with tx, on the server side too.
# The impairment is random; a run whose random choices miss the server's handshake flight is recorded again with
# the next seed, so that every impaired capture also disturbs the handshake (check.py --flight-check decides).
impaired() {
  local seed=$SEED attempt
  for attempt in $(seq 1 40); do
    sed -i "/^$CUR\t/d" "$COMMANDS"
    rm -f "$OUT/$CUR.keylog" "$LOGS/$CUR".*.log
    impaired_once "$1" "$2" "${3:-}" "$seed"
    if python3 "$HERE/check.py" --dir "$OUT" --flight-check "$CUR"; then return 0; fi
    log "$CUR: seed $seed left the server's handshake flight alone; again with seed $((seed + 1))"
    seed=$((seed + 1))
  done
  log "$CUR: 40 seeds tried, none disturbed the handshake flight"
  return 1
}
sc_netem_reorder() { impaired reorder 25; }
sc_netem_loss() { impaired loss 5 tx; }
sc_netem_dup() { impaired dup 10; }

# ---------------------------------------------------------------------------------------------------- main
# One port per scenario, from BASE_PORT up, skipping the ports that tshark hands to another dissector by default
# (5445 is "artemis", for one): on those, tshark, the oracle, would not decode the TLS.
TAKEN=" $(tshark -G decodes 2>/dev/null | awk -F'\t' '$1 == "tcp.port" { printf "%s ", $2 }') "
PORTS=("")
p=$BASE_PORT
while ((${#PORTS[@]} <= 40)); do
  p=$((p + 1))
  [[ $TAKEN == *" $p "* ]] || PORTS+=("$p")
done

mkdir -p "$OUT"
if ((FRESH_PKI)) && ((!HOLDOUT)); then rm -rf "$PKI"; fi
bash "$HERE/pki.sh" "$PKI" "$DNS" "$ORG"

printf '<html><head><title>tlsdump</title></head><body><p>hello from the tlsdump test server</p></body></html>\n' \
  >"$WWW/index.html"
python3 - "$WWW/big.txt" <<'EOF'
import sys
# 200 KB of lines that differ from each other, so that every record's plaintext is distinct
with open(sys.argv[1], "w") as f:
    n = 0
    while f.tell() < 200 * 1024:
        f.write(f"line {n:06d} of the tlsdump bulk transfer test, padded to a fixed width ............\n")
        n += 1
EOF
REQUEST='GET /index.html HTTP/1.0\r\nHost: '"$DNS"'\r\n\r\n'

setup_net

scenario tls12-rsa sc_tls12_rsa
scenario tls12-ecdhe sc_tls12_ecdhe
scenario tls12-ecdsa sc_tls12_ecdsa
scenario tls12-anon sc_tls12_anon
scenario tls13 sc_tls13
scenario tls10 sc_tls10
scenario tls11 sc_tls11
scenario mtls12-ok sc_mtls12_ok
scenario mtls12-nocert sc_mtls12_nocert
scenario mtls12-wrongca sc_mtls12_wrongca
scenario mtls13-ok sc_mtls13_ok
scenario mtls13-nocert sc_mtls13_nocert
scenario mtls13-wrongca sc_mtls13_wrongca
scenario server-no-intermediate sc_server_no_intermediate
scenario server-no-intermediate-noverify sc_server_no_intermediate_noverify
scenario server-expired sc_server_expired
scenario client-untrusted-server sc_client_untrusted_server
scenario sni-mismatch sc_sni_mismatch
scenario version-mismatch sc_version_mismatch
scenario no-shared-cipher sc_no_shared_cipher
scenario resume12-sessid sc_resume12_sessid
scenario resume12-ticket sc_resume12_ticket
scenario resume13 sc_resume13
scenario ipv6-tls12 sc_ipv6_tls12
scenario many-flows sc_many_flows
scenario netem-reorder sc_netem_reorder
scenario netem-loss sc_netem_loss
scenario netem-dup sc_netem_dup

teardown
((${#RAN[@]})) || { log "record.sh: no scenario matched --only $ONLY"; exit 2; }

# the manifest: what was run, and what tshark (with the keylogs) says happened, checked against expected.py
python3 "$HERE/check.py" --dir "$OUT" --commands "$COMMANDS" --dns "$DNS" \
  --capture-host "$(hostname)" --write-manifest "${RAN[@]}"
log "record.sh: ${#RAN[@]} scenarios recorded into $OUT"
