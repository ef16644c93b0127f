#!/usr/bin/env python3
"""A small user-space stand-in for `tc qdisc ... netem`, for kernels built without sch_netem.

It bridges two interfaces at layer 2 (AF_PACKET raw sockets, every frame copied from one to the other) and
impairs the TCP frames that go one way. Run it in its own network namespace between the client's and the
server's namespaces, on the two veth ends that live there.

usage: impair.py IF_A IF_B --dir a2b|b2a|both MODE [options]
  MODE reorder  --delay-ms 20 --pct 25   each impaired frame is held back by delay-ms, except pct% of them which
                                         go at once and so overtake the held ones (netem's `delay D reorder P`,
                                         without its correlation)
  MODE loss     --pct 5                  pct% of impaired frames that carry TCP payload are dropped
  MODE dup      --pct 10                 pct% of impaired frames are sent twice
  MODE none                              a plain bridge
  --seed N        the random generator's seed, so that a run can be repeated (default 1)
  --log FILE      one line per impaired frame (what was done, IP id, TCP seq, payload length)
  --ready FILE    touched once both sockets are bound

Only TCP over IPv4/IPv6 is impaired; ARP, neighbour discovery and the rest pass untouched. Stops on SIGTERM.
"""
import argparse, heapq, os, random, select, signal, socket, struct, sys, time

ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4


def tcp_info(frame):
    """(seq, payload_len, ip_id) of a TCP frame, or None when the frame is not TCP over IPv4/IPv6."""
    if len(frame) < 14:
        return None
    ethertype = struct.unpack_from("!H", frame, 12)[0]
    off = 14
    if ethertype == 0x0800 and len(frame) >= off + 20:
        ihl = (frame[off] & 0x0F) * 4
        total = struct.unpack_from("!H", frame, off + 2)[0]
        ip_id = struct.unpack_from("!H", frame, off + 4)[0]
        if frame[off + 9] != 6:
            return None
        t = off + ihl
        ip_payload = total - ihl
    elif ethertype == 0x86DD and len(frame) >= off + 40:
        if frame[off + 6] != 6:  # no extension headers expected between our own namespaces
            return None
        ip_payload = struct.unpack_from("!H", frame, off + 4)[0]
        ip_id = 0
        t = off + 40
    else:
        return None
    if len(frame) < t + 20:
        return None
    seq = struct.unpack_from("!I", frame, t + 4)[0]
    doff = (frame[t + 12] >> 4) * 4
    return seq, ip_payload - doff, ip_id


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("mode", choices=["reorder", "loss", "dup", "none"])
    ap.add_argument("--dir", choices=["a2b", "b2a", "both"], default="b2a")
    ap.add_argument("--pct", type=float, default=0.0)
    ap.add_argument("--delay-ms", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--log")
    ap.add_argument("--ready")
    o = ap.parse_args()

    rng = random.Random(o.seed)
    log = open(o.log, "w") if o.log else None
    socks = {}
    for name in (o.a, o.b):
        s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
        s.bind((name, 0))
        socks[name] = s
    peer = {o.a: o.b, o.b: o.a}
    impaired = {o.a: o.dir in ("a2b", "both"), o.b: o.dir in ("b2a", "both")}
    if o.ready:
        open(o.ready, "w").close()

    stop = False

    def on_term(*_):
        nonlocal stop
        stop = True

    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, on_term)

    held = []  # heap of (due, n, out_if, frame)
    n = 0
    counts = {"frames": 0, "impaired": 0, "dropped": 0, "duplicated": 0, "delayed": 0, "sent_at_once": 0}

    def note(what, info, src):
        if log:
            seq, plen, ip_id = info
            log.write(f"{time.time():.6f} {src}->{peer[src]} {what} id={ip_id} seq={seq} len={plen}\n")
            log.flush()

    def send(out_if, frame):
        try:
            socks[out_if].send(frame)
        except OSError as e:  # a full queue loses the frame, as a real link would
            print(f"impair: send on {out_if}: {e}", file=sys.stderr)

    while not stop:
        now = time.monotonic()
        while held and held[0][0] <= now:
            _, _, out_if, frame = heapq.heappop(held)
            send(out_if, frame)
        timeout = max(0.0, held[0][0] - now) if held else 0.5
        try:
            ready, _, _ = select.select(list(socks.values()), [], [], timeout)
        except InterruptedError:
            continue
        for s in ready:
            frame, addr = s.recvfrom(65535)
            if addr[2] == PACKET_OUTGOING:
                continue  # our own sends, seen again on the way out
            src = addr[0]
            out_if = peer[src]
            counts["frames"] += 1
            info = tcp_info(frame) if impaired[src] else None
            if info is None or o.mode == "none":
                send(out_if, frame)
                continue
            counts["impaired"] += 1
            if o.mode == "loss":
                if info[1] > 0 and rng.random() * 100 < o.pct:
                    counts["dropped"] += 1
                    note("drop", info, src)
                    continue
                send(out_if, frame)
            elif o.mode == "dup":
                send(out_if, frame)
                if rng.random() * 100 < o.pct:
                    counts["duplicated"] += 1
                    note("dup", info, src)
                    send(out_if, frame)
            elif o.mode == "reorder":
                if rng.random() * 100 < o.pct:
                    counts["sent_at_once"] += 1
                    note("at-once", info, src)
                    send(out_if, frame)
                else:
                    counts["delayed"] += 1
                    n += 1
                    heapq.heappush(held, (time.monotonic() + o.delay_ms / 1000.0, n, out_if, frame))
    for _, _, out_if, frame in sorted(held):
        send(out_if, frame)
    print("impair: " + " ".join(f"{k}={v}" for k, v in counts.items()), file=sys.stderr)


if __name__ == "__main__":
    main()
