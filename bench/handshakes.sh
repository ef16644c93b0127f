#!/usr/bin/env bash
# The handshake-heavy benchmark: tshark on the pcap, tlsdump --events all on its -XX text and on the
# pcap, run in turn ROUNDS times (so that a load from elsewhere falls on all three alike); prints each run and a
# markdown table of the best times with MB/s of text, packets/s, connections/s and the highest peak RSS, and the
# best CPU time (user + system) of each: on a machine shared with other work the wall time mostly measures the
# others, the CPU time much less so.
#
# usage: bench/handshakes.sh CAPTURE.pcap [ROUNDS]       (CAPTURE.txt is made beside it when missing)
#        JOBS="1 2" bench/handshakes.sh CAPTURE.pcap      runs tlsdump with each --jobs N in turn (lib/parallel)
# The capture: bench/record-handshakes.sh REC.pcap (as root), then node dist/bench/replay.js REC.pcap CAPTURE.pcap.
set -euo pipefail
PCAP=${1:?usage: handshakes.sh CAPTURE.pcap [ROUNDS]}
ROUNDS=${2:-3}
TEXT=${PCAP%.pcap}.txt
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
[[ -s $TEXT ]] || tcpdump -nn -XX -r "$PCAP" >"$TEXT" 2>/dev/null
FIELDS=(tls.record.content_type tls.record.length tls.handshake.type tls.handshake.ciphersuite tls.handshake.extensions_server_name tls.alert_message.desc tls.handshake.certificate)
TARGS=(-r "$PCAP" -o tcp.desegment_tcp_streams:TRUE -T fields)
for f in "${FIELDS[@]}"; do TARGS+=(-e "$f"); done
packets=$(tcpdump -r "$PCAP" 2>/dev/null | wc -l)
conns=$(node "$ROOT/bin/tlsdump.js" --summary "$PCAP" | wc -l)
tbytes=$(stat -c %s "$TEXT")
pbytes=$(stat -c %s "$PCAP")
echo "capture: $packets packets, $conns connections, pcap $pbytes bytes, -XX text $tbytes bytes; load: $(uptime | sed 's/.*load average: //')"
declare -A best rss cpu
run() { # NAME CMD...
  local name=$1; shift
  local out tf
  tf=$(mktemp)
  /usr/bin/time -o "$tf" -f '%e %M %U %S' "$@" >/dev/null 2>/dev/null
  out=$(tail -1 "$tf")
  rm -f "$tf"
  local s kb u sy
  read -r s kb u sy <<<"$out"
  local c
  c=$(echo "$u + $sy" | bc)
  echo "  $name: $s s, cpu $c s, $((kb / 1024)) MB"
  if [[ -z ${cpu[$name]:-} ]] || (($(echo "$c < ${cpu[$name]}" | bc))); then cpu[$name]=$c; fi
  if [[ -z ${best[$name]:-} ]] || (($(echo "$s < ${best[$name]}" | bc))); then best[$name]=$s; fi
  if [[ -z ${rss[$name]:-} ]] || ((kb / 1024 > ${rss[$name]})); then rss[$name]=$((kb / 1024)); fi
}
for ((r = 1; r <= ROUNDS; r++)); do
  echo "round $r (load $(uptime | sed 's/.*load average: //'))"
  run tshark tshark "${TARGS[@]}"
  for j in ${JOBS:-default}; do
    jobs=(); sfx=
    [[ $j == default ]] || { jobs=(--jobs "$j"); sfx=-j$j; }
    run text$sfx node "$ROOT/bin/tlsdump.js" "${jobs[@]}" --events all "$TEXT"
    run pcap$sfx node "$ROOT/bin/tlsdump.js" "${jobs[@]}" --events all "$PCAP"
  done
done
names=(tshark)
for j in ${JOBS:-default}; do
  [[ $j == default ]] && names+=(text pcap) || names+=(text-j$j pcap-j$j)
done
echo
echo "| command | best of $ROUNDS | ratio to tshark | MB/s of text | packets/s | connections/s | peak RSS | CPU s (best) | CPU ratio |"
echo "|---|---|---|---|---|---|---|---|---|"
for n in "${names[@]}"; do
  s=${best[$n]}
  j=${n#*-j}; [[ $j == "$n" ]] && j='' || j=" --jobs $j"
  case $n in tshark) label='tshark, TLS fields, on the pcap' ;; text*) label="\`tlsdump$j --events all\` on the \`-XX\` text" ;; pcap*) label="\`tlsdump$j --events all\` on the pcap" ;; esac
  printf '| %s | %.2f s | %.2f | %.0f | %.0f | %.0f | %s MB | %.2f | %.2f |\n' "$label" "$s" "$(echo "$s / ${best[tshark]}" | bc -l)" "$(echo "$tbytes / 1000000 / $s" | bc -l)" "$(echo "$packets / $s" | bc -l)" "$(echo "$conns / $s" | bc -l)" "${rss[$n]}" "${cpu[$n]}" "$(echo "${cpu[$n]} / ${cpu[tshark]}" | bc -l)"
done
echo "load after: $(uptime | sed 's/.*load average: //')"
