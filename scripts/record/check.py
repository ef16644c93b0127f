#!/usr/bin/env python3
"""Checks recorded captures against expected.py with tshark, and writes the fixtures' manifest.json.

For every connection in a capture it asks tshark twice: once as an observer without keys sees it (what tlsdump
can see), and once decrypted with the keylog that s_client wrote (the truth: TLS 1.3 certificate messages and
alerts, TLS 1.2 alerts after ChangeCipherSpec). It then compares the truth with expected.py and exits non-zero
on any difference, so that a scenario that did not do what its name says cannot slip into the fixtures.

usage: check.py --dir DIR [--commands commands.tsv] [--dns NAME] [--write-manifest]
                [--markdown] [NAME ...]
  NAME ...          scenarios to check (default: every one in expected.py that has a pcap in DIR)
  --write-manifest  merge the results into DIR/manifest.json (scenarios not checked now are kept as they were)
  --markdown        print the README table rows
"""
import argparse, json, os, re, subprocess, sys

sys.dont_write_bytecode = True  # no __pycache__ beside the scripts
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import expected as EXPECTED  # noqa: E402
from collections import Counter

VERSIONS = {0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3"}
ALERT_LEVELS = {1: "warning", 2: "fatal"}
# IANA TLS Alert Registry (RFC 8446 section 6 and its updates), snake_case as in CONTRACT.md
ALERTS = {0: "close_notify", 10: "unexpected_message", 20: "bad_record_mac", 21: "decryption_failed_RESERVED",
          22: "record_overflow", 30: "decompression_failure_RESERVED", 40: "handshake_failure",
          41: "no_certificate_RESERVED", 42: "bad_certificate", 43: "unsupported_certificate",
          44: "certificate_revoked", 45: "certificate_expired", 46: "certificate_unknown", 47: "illegal_parameter",
          48: "unknown_ca", 49: "access_denied", 50: "decode_error", 51: "decrypt_error",
          60: "export_restriction_RESERVED", 70: "protocol_version", 71: "insufficient_security",
          80: "internal_error", 86: "inappropriate_fallback", 90: "user_canceled", 100: "no_renegotiation_RESERVED",
          109: "missing_extension", 110: "unsupported_extension", 111: "certificate_unobtainable_RESERVED",
          112: "unrecognized_name", 113: "bad_certificate_status_response", 114: "bad_certificate_hash_value_RESERVED",
          115: "unknown_psk_identity", 116: "certificate_required", 120: "no_application_protocol"}
HS_SERVER_HELLO, HS_CERTIFICATE, HS_SKE, HS_CERT_REQUEST, HS_SHD, HS_CERT_VERIFY, HS_FINISHED = 2, 11, 12, 13, 14, 15, 20
EXT_PRE_SHARED_KEY = 41
CT_ALERT, CT_APPDATA = 21, 23

FIELDS = ["frame.number", "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport", "ip.dst", "ipv6.dst", "tcp.dstport",
          "tcp.flags.syn", "tcp.flags.ack", "tls.record.content_type", "tls.handshake.type",
          "tls.alert_message.level", "tls.alert_message.desc", "tls.handshake.version",
          "tls.handshake.extensions.supported_version", "tls.handshake.ciphersuite", "tls.handshake.extension.type",
          "tls.handshake.extensions_server_name", "tls.handshake.certificates_length", "tls.handshake.certificate",
          "tcp.analysis.out_of_order", "tcp.analysis.retransmission", "tcp.analysis.fast_retransmission",
          "tcp.analysis.spurious_retransmission", "tcp.analysis.duplicate_ack", "tcp.analysis.lost_segment"]


def cipher_names():
    out = subprocess.run(["openssl", "ciphers", "-V", "-stdname", "ALL:COMPLEMENTOFALL:@SECLEVEL=0"],
                         capture_output=True, text=True, check=True).stdout
    names = {}
    for line in out.splitlines():
        m = re.match(r"\s*0x([0-9A-F]{2}),0x([0-9A-F]{2}) - (\S+)", line)
        if m:
            names[int(m.group(1) + m.group(2), 16)] = m.group(3)
    return names


CIPHERS = cipher_names()


def split(v):
    return [x for x in v.split("|") if x != ""] if v else []


def ints(v):
    return [int(x, 0) for x in split(v)]


def ep(ip, port):
    return f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"


def tshark_rows(pcap, keylog=None):
    cmd = ["tshark", "-r", pcap, "-o", "tcp.desegment_tcp_streams:TRUE", "-o", "tls.desegment_ssl_records:TRUE",
           "-o", "tcp.reassemble_out_of_order:TRUE",
           "-Y", "tcp", "-T", "fields", "-E", "occurrence=a", "-E", "aggregator=|"]
    if keylog:
        cmd += ["-o", f"tls.keylog_file:{keylog}"]
    for f in FIELDS:
        cmd += ["-e", f]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        yield dict(zip(FIELDS, line.split("\t")))


def connections(pcap, keylog=None):
    """Per tcp.stream: what tshark sees of the TLS connection."""
    conns = {}
    for r in tshark_rows(pcap, keylog):
        s = int(r["tcp.stream"])
        src, dst = r["ip.src"] or r["ipv6.src"], r["ip.dst"] or r["ipv6.dst"]
        a, b = ep(src, r["tcp.srcport"]), ep(dst, r["tcp.dstport"])
        if s not in conns:
            syn_ack = r["tcp.flags.syn"] in ("1", "True") and r["tcp.flags.ack"] in ("1", "True")
            client, server = (b, a) if syn_ack else (a, b)
            conns[s] = {"flow": s, "client": client, "server": server, "hs": {"c2s": [], "s2c": []},
                        "alerts": {"c2s": [], "s2c": []}, "appdata": {"c2s": 0, "s2c": 0},
                        "certs": {"c2s": 0, "s2c": 0}, "cert_msgs": {"c2s": [], "s2c": []},
                        "version": None, "cipher": None, "sni": None, "sh_exts": [], "analysis": Counter(),
                        "frames": 0}
        c = conns[s]
        d = "c2s" if a == c["client"] else "s2c"
        c["frames"] += 1
        for k in ("out_of_order", "retransmission", "fast_retransmission", "spurious_retransmission",
                  "duplicate_ack", "lost_segment"):
            if r["tcp.analysis." + k]:
                c["analysis"][k] += 1
        hs = ints(r["tls.handshake.type"])
        c["hs"][d] += hs
        cts = ints(r["tls.record.content_type"])
        c["appdata"][d] += cts.count(CT_APPDATA)
        for lvl, desc in zip(ints(r["tls.alert_message.level"]), ints(r["tls.alert_message.desc"])):
            c["alerts"][d].append((ALERT_LEVELS.get(lvl, str(lvl)), ALERTS.get(desc, str(desc))))
        # alerts whose content we cannot read: content type 21 without a description (TLS 1.2 after CCS)
        n_plain = len(ints(r["tls.alert_message.desc"]))
        for _ in range(cts.count(CT_ALERT) - n_plain):
            c["alerts"][d].append(("encrypted", "encrypted"))
        c["certs"][d] += len(split(r["tls.handshake.certificate"]))
        if HS_CERTIFICATE in hs:
            c["cert_msgs"][d] += ints(r["tls.handshake.certificates_length"]) or [0]
        if r["tls.handshake.extensions_server_name"] and d == "c2s":
            c["sni"] = r["tls.handshake.extensions_server_name"]
        if d == "s2c" and HS_SERVER_HELLO in hs:
            sv = ints(r["tls.handshake.extensions.supported_version"])
            lv = ints(r["tls.handshake.version"])
            c["version"] = VERSIONS.get((sv or lv)[0]) if (sv or lv) else None
            cs = ints(r["tls.handshake.ciphersuite"])
            c["cipher"] = CIPHERS.get(cs[0], hex(cs[0])) if cs else None
            c["sh_exts"] = ints(r["tls.handshake.extension.type"])
    return [conns[k] for k in sorted(conns)]


def flight_flags(pcap):
    """tshark's TCP analysis flags on the server's data segments that belong to its first handshake flight.

    The flight ends where the client's ClientKeyExchange acknowledges it (the server sends nothing more before
    it), so a flagged server segment whose relative sequence number is below that ACK touched the handshake."""
    cmd = ["tshark", "-r", pcap, "-o", "tcp.reassemble_out_of_order:TRUE", "-Y", "tcp", "-T", "fields",
           "-E", "occurrence=a", "-E", "aggregator=|"]
    fl = ["tcp.flags.syn", "tcp.flags.ack", "tcp.srcport", "tcp.seq", "tcp.ack", "tcp.len", "tls.handshake.type",
          "tcp.analysis.out_of_order", "tcp.analysis.lost_segment", "tcp.analysis.retransmission",
          "tcp.analysis.fast_retransmission", "tcp.analysis.spurious_retransmission"]
    for f in fl:
        cmd += ["-e", f]
    rows = [dict(zip(fl, line.split("\t"))) for line in
            subprocess.run(cmd, capture_output=True, text=True, check=True).stdout.splitlines()]
    server_port = next(r["tcp.srcport"] for r in rows if r["tcp.flags.syn"] in ("1", "True")
                       and r["tcp.flags.ack"] in ("1", "True"))
    end = next((int(r["tcp.ack"]) for r in rows if r["tcp.srcport"] != server_port
                and 16 in ints(r["tls.handshake.type"])), None)
    flags = Counter()
    if end is None:
        return flags, None
    for r in rows:
        if r["tcp.srcport"] == server_port and int(r["tcp.len"] or 0) > 0 and int(r["tcp.seq"]) < end:
            for k in ("out_of_order", "lost_segment"):
                if r["tcp.analysis." + k]:
                    flags[k] += 1
            if any(r["tcp.analysis." + k] for k in ("retransmission", "fast_retransmission",
                                                    "spurious_retransmission")):
                flags["retransmission_any"] += 1
            if any(r["tcp.analysis." + k] for k in ("retransmission", "fast_retransmission",
                                                    "spurious_retransmission", "out_of_order")):
                flags["resent"] += 1  # at the sender, a segment below the highest sequence sent is a resend
    return flags, end


def truth(c):
    """The connection's facts from the decrypted view."""
    fatal = any(lvl == "fatal" for d in ("c2s", "s2c") for lvl, _ in c["alerts"][d])
    finished = HS_FINISHED in c["hs"]["c2s"] and HS_FINISHED in c["hs"]["s2c"]
    if c["version"] == "TLS 1.3":
        resumed = EXT_PRE_SHARED_KEY in c["sh_exts"]
    else:  # an abbreviated handshake: ServerHello then ChangeCipherSpec and Finished, no ServerHelloDone
        resumed = HS_SERVER_HELLO in c["hs"]["s2c"] and HS_SHD not in c["hs"]["s2c"]
    requested = HS_CERT_REQUEST in c["hs"]["s2c"]
    sent = HS_CERTIFICATE in c["hs"]["c2s"] and any(n > 0 for n in c["cert_msgs"]["c2s"])
    return {
        "flow": c["flow"], "client": c["client"], "server": c["server"], "version": c["version"],
        "cipher": c["cipher"], "sni": c["sni"],
        "established": finished and not fatal and c["appdata"]["s2c"] > 0,
        "resumed": resumed,
        "client_cert_requested": requested,
        "client_cert_sent": sent,
        "client_certificate_message": HS_CERTIFICATE in c["hs"]["c2s"],
        "client_certificate_verify": HS_CERT_VERIFY in c["hs"]["c2s"],
        "client_certs": c["certs"]["c2s"], "server_certs": c["certs"]["s2c"],
        "alerts": [{"dir": d, "level": lvl, "description": desc}
                   for d in ("c2s", "s2c") for lvl, desc in c["alerts"][d]],
    }


def visible(c_plain, t):
    """What an observer without keys should conclude (the tls.session facts tlsdump must produce)."""
    v = {k: t[k] for k in ("flow", "client", "server", "version", "cipher", "sni", "established", "resumed")}
    tls13 = t["version"] == "TLS 1.3"
    v["client_cert_requested"] = None if tls13 else t["client_cert_requested"]
    v["client_cert_sent"] = None if tls13 else t["client_cert_sent"]
    v["client_certs"] = 0 if tls13 else t["client_certs"]
    v["server_certs"] = 0 if tls13 else t["server_certs"]
    alerts = []
    plain = {d: list(c_plain["alerts"][d]) for d in ("c2s", "s2c")}
    for d in ("c2s", "s2c"):
        for lvl, desc in plain[d]:
            alerts.append({"dir": d, "encrypted": True} if lvl == "encrypted" else
                          {"dir": d, "level": lvl, "description": desc})
    # TLS 1.3 alerts after the ServerHello travel as application_data records: they cannot be told apart
    hidden = [a for a in t["alerts"] if not any(
        p.get("dir") == a["dir"] and (p.get("description") == a["description"] or p.get("encrypted"))
        for p in alerts)]
    v["alerts"] = alerts
    if hidden:
        v["alerts_hidden_in_application_data"] = hidden
    return v


def compare(name, i, exp, t, problems):
    for k, want in exp.items():
        if k in ("alerts",):
            got = sorted((a["dir"], a["level"], a["description"]) for a in t["alerts"])
            w = sorted(tuple(x) for x in want)
            if got != w:
                problems.append(f"{name} connection {i}: alerts {got}, expected {w}")
        elif k in t and t[k] != want:
            problems.append(f"{name} connection {i}: {k} = {t[k]!r}, expected {want!r}")


def expand(spec):
    conns = []
    for c in spec["connections"]:
        reps = c.get("repeat", 1)
        body = {k: v for k, v in c.items() if k != "repeat"}
        if "each" in body:
            conns += [dict(x) for _ in range(reps) for x in body["each"]]
        else:
            conns += [dict(body) for _ in range(reps)]
    return conns


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", required=True)
    ap.add_argument("--commands")
    ap.add_argument("--dns", default="server.test")
    ap.add_argument("--capture-host")
    ap.add_argument("--write-manifest", action="store_true")
    ap.add_argument("--markdown", action="store_true")
    ap.add_argument("--flight-check", action="store_true",
                    help="only check that the impairment touched the server's handshake flight (exit 0 if so)")
    ap.add_argument("names", nargs="*")
    o = ap.parse_args()

    expected = {"about": EXPECTED.ABOUT, "scenarios": EXPECTED.SCENARIOS}
    names = o.names or [n for n in expected["scenarios"] if os.path.exists(os.path.join(o.dir, n + ".pcap"))]
    commands = {}
    if o.commands:
        for line in open(o.commands):
            n, cmd = line.rstrip("\n").split("\t", 1)
            commands.setdefault(n, []).append(cmd)

    if o.flight_check:
        ok = True
        for name in names:
            spec = expected["scenarios"][name]
            for pcap, want in spec.get("flight_flags", {}).items():
                flags, end = flight_flags(os.path.join(o.dir, pcap))
                good = all(flags[k] > 0 for k in want)
                print(f"check: {pcap}: server flight ends at relative seq {end}, flags in it {dict(flags)}"
                      f"{'' if good else ', wanted ' + ' and '.join(want)}", file=sys.stderr)
                ok = ok and good
        sys.exit(0 if ok else 1)

    mpath = os.path.join(o.dir, "manifest.json")
    manifest = json.load(open(mpath)) if os.path.exists(mpath) else {}
    manifest.setdefault("about", expected["about"])
    manifest["server_name"] = o.dns
    caps = manifest.setdefault("captures", {})
    problems = []
    for name in names:
        spec = expected["scenarios"].get(name)
        if spec is None:
            problems.append(f"{name}: not in expected.py")
            continue
        pcaps = [name + ".pcap"] + ([name + "-tx.pcap"] if os.path.exists(os.path.join(o.dir, name + "-tx.pcap")) else [])
        keylog = os.path.join(o.dir, name + ".keylog")
        exp_conns = expand(spec)
        for pcap in pcaps:
            path = os.path.join(o.dir, pcap)
            dec = connections(path, keylog)
            plain = connections(path)
            if len(dec) != len(exp_conns):
                problems.append(f"{pcap}: {len(dec)} connections, expected {len(exp_conns)}")
            truths = [truth(c) for c in dec]
            for i, (t, e) in enumerate(zip(truths, exp_conns)):
                e = dict(e)
                if e.get("sni") == "$DNS":
                    e["sni"] = o.dns
                compare(pcap, i, e, t, problems)
            analysis = Counter()
            for c in plain:
                analysis.update(c["analysis"])
            for k, want in spec.get("tcp_analysis", {}).items():
                if want == ">0" and analysis[k] == 0:
                    problems.append(f"{pcap}: tshark finds no tcp.analysis.{k}, expected some")
            if pcap in spec.get("flight_flags", {}):
                flags, end = flight_flags(path)
                for k in spec["flight_flags"][pcap]:
                    if flags[k] == 0:
                        problems.append(f"{pcap}: no tcp.analysis.{k} in the server's handshake flight")
            else:
                flags, end = None, None
            entry = {
                "scenario": name,
                "title": spec["title"],
                "capture_point": spec["capture_tx"] if pcap.endswith("-tx.pcap") else spec["capture"],
                "files": {"pcap": pcap, "keylog": name + ".keylog", "tshark": pcap[:-5] + ".tshark.json"},
                "commands": commands.get(name, caps.get(pcap, {}).get("commands", [])),
                "what_happens": spec["what_happens"],
                "codes": spec["codes"],
                "codes_also_right": spec["codes_also_right"],
                "tcp_analysis_by_tshark": dict(sorted(analysis.items())),
                **({"server_flight": {"ends_at_relative_seq": end, "tcp_analysis_in_it": dict(sorted(flags.items()))}}
                   if flags is not None else {}),
                "truth": truths,
                "visible": [visible(p, t) for p, t in zip(plain, truths)],
            }
            caps[pcap] = entry
    if o.capture_host:
        manifest["recorded_on"] = o.capture_host
    manifest["captures"] = dict(sorted(caps.items()))
    if o.write_manifest:
        with open(mpath, "w") as f:
            json.dump(manifest, f, indent=1)
            f.write("\n")
    if o.markdown:
        for pcap in names:
            for p in (pcap + ".pcap", pcap + "-tx.pcap"):
                e = manifest["captures"].get(p)
                if not e:
                    continue
                vs = e["visible"]
                v0 = vs[0] if vs else {}
                fmt = lambda x: "null" if x is None else str(x).lower()
                facts = (f"{v0.get('version')}, {v0.get('cipher')}; established {fmt(v0.get('established'))}, "
                         f"resumed {','.join(fmt(v['resumed']) for v in vs)}, req {fmt(v0.get('client_cert_requested'))}, "
                         f"sent {fmt(v0.get('client_cert_sent'))}")
                al = "; ".join(f"{a['dir']} {a['level']} {a['description']}" for t in e["truth"] for a in t["alerts"])
                print(f"| `{p}` | {len(vs)} | {facts} | {al} | {', '.join(e['codes']) or '—'} |")
    for p in problems:
        print("check: " + p, file=sys.stderr)
    print(f"check: {len(names)} scenarios, {len(problems)} problems", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
