// Real captures read as pcap/pcapng give exactly the packets that their `tcpdump -nn -XX -tt` text gives, and
// every re-encoding of the same capture (pcapng, big-endian, nanoseconds, modified pcap, chunks of 1..64 bytes)
// gives them again. Cut and damaged real files give anomalies, never exceptions.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Event, Packet } from '../../lib/events.js';
import { PcapPackets } from '../../lib/pcap/index.js';
import { defaultOptions } from '../../lib/options.js';
import { CAPTURES, haveShared, haveTool, testIf } from '../support/shared.js';
import { pcapFile, pcapStage, plainPacket, readPcap, type Stage } from './build.js';
import { captureFiles, editcap, textStage, ts9, xxText } from './support.js';

const files = captureFiles();
const can = (tools: string[]): boolean => tools.every(haveTool);

const isPcapng = (b: Uint8Array) => b[0] === 0x0a && b[1] === 0x0d && b[2] === 0x0d && b[3] === 0x0a;
const plain = (ps: Packet[], keepOrigin = false) => ps.map((p) => plainPacket(p, keepOrigin));
const eventShape = (es: Event[], nanoTs = false) =>
  es.map((e) => ({ ...e, line: undefined, frame: undefined, message: undefined, ts: nanoTs ? ts9(e.ts) : e.ts }));

/** Packets of two runs, field by field (line/frame aside); `nanoTs` compares ts with fractions padded to 9 digits. */
function samePackets(name: string, got: Stage, want: Stage, nanoTs = false): void {
  assert.is(got.packets.length, want.packets.length, `${name}: packet count`);
  for (let i = 0; i < got.packets.length; i++) {
    const g = plainPacket(got.packets[i]!);
    const w = plainPacket(want.packets[i]!);
    if (nanoTs) {
      g.ts = ts9(g.ts);
      w.ts = ts9(w.ts);
    }
    assert.equal(g, w, `${name}: packet ${i + 1}`);
  }
  assert.equal(eventShape(got.events, nanoTs), eventShape(want.events, nanoTs), `${name}: anomalies`);
}

testIf(can(['tcpdump']), 'tcpdump not installed')(
  'captures: every real capture read as pcap/pcapng gives the packets of its tcpdump -nn -XX -tt text, field by field',
  () => {
    const seen = { linkTypes: new Set<number>(), ipv6: 0, truncated: 0, pcapng: 0, udp: 0, files: 0 };
    for (const { name, path } of files) {
      const bytes = readFileSync(path);
      const pcap = pcapStage(bytes);
      // Nanosecond interfaces: tcpdump prints µs unless asked for ns, so compare with ns text and padded stamps.
      const nano = pcap.packets.some((p) => /\.\d{9}Z$/.test(p.ts ?? ''));
      const text = textStage(xxText(path, nano));
      samePackets(name, pcap, text, nano);
      for (const p of pcap.packets) {
        assert.ok(p.frame !== undefined && p.line === undefined, `${name}: frame, not line`);
        if (p.ipVersion === 6) seen.ipv6++;
        if (p.truncated) seen.truncated++;
        if (p.proto === 'udp') seen.udp++;
      }
      if (isPcapng(bytes)) seen.pcapng++;
      seen.files++;
      const lt = isPcapng(bytes) ? -1 : bytes.readUInt32LE(20) & 0xffff;
      if (lt >= 0) seen.linkTypes.add(lt);
    }
    if (haveShared) {
      // the spread the comparison must cover: Ethernet, null/loopback, raw IP, SLL, SLL2, IPv6, pcapng, snaplen cuts
      for (const lt of [0, 1, 101, 113, 276]) assert.ok(seen.linkTypes.has(lt), `a capture with link type ${lt}`);
      assert.ok(seen.ipv6 > 0 && seen.truncated > 0 && seen.pcapng >= 10 && seen.udp > 0, JSON.stringify(seen));
    }
  },
);

testIf(haveShared, '../shared/captures absent: VLAN capture')('captures: VLAN and QinQ (PPPoE over QinQ) frames decode through their tags', () => {
  const out = pcapStage(readFileSync(join(CAPTURES, 'zeek/pppoe-over-qinq.pcap')));
  assert.ok(out.packets.length > 50);
  assert.ok(out.packets.every((p) => p.proto === 'tcp' && (p.sport === 443 || p.dport === 443)));
});

testIf(can(['editcap']), 'editcap not installed')(
  'captures: an editcap pcapng conversion of every classic capture gives identical packets, frames and stamps',
  () => {
    let n = 0;
    for (const { name, path } of files) {
      const bytes = readFileSync(path);
      if (isPcapng(bytes)) continue;
      const a = pcapStage(bytes);
      const b = pcapStage(editcap(path, 'pcapng'));
      assert.equal(plain(b.packets, true), plain(a.packets, true), `${name} as pcapng`);
      assert.equal(eventShape(b.events), eventShape(a.events), `${name} as pcapng: anomalies`);
      n++;
    }
    assert.ok(n > 0);
  },
);

testIf(can(['tshark']) && haveShared, '../shared/captures or tshark absent: tshark conversions')(
  'captures: tshark -F pcapng conversions give identical packets',
  () => {
    for (const name of [
      'zeek/tls1.2.pcap',
      'mercury/sll2_tls.pcap',
      'suricata-verify/bug-5881-01.pcap',
      'suricata-verify/tls-duplicate-hello.pcap',
    ]) {
      const path = join(CAPTURES, name);
      const ng = execFileSync('tshark', ['-r', path, '-F', 'pcapng', '-w', '-'], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
      assert.ok(isPcapng(ng));
      assert.equal(plain(pcapStage(ng).packets, true), plain(pcapStage(readFileSync(path)).packets, true), name);
    }
  },
);

testIf(haveTool('editcap'), 'editcap not installed: nsecpcap/modpcap conversions')(
  'captures: big-endian and nanosecond rewrites, and editcap nsecpcap and modpcap, give the same packets',
  () => {
    const classic = files.filter(({ path }) => !isPcapng(readFileSync(path)));
    for (const { name, path } of classic) {
      const bytes = readFileSync(path);
      const base = pcapStage(bytes);
      const { linkType, snaplen, recs } = readPcap(bytes);
      const be = pcapStage(pcapFile(recs, { le: false, linkType, snaplen }));
      assert.equal(plain(be.packets, true), plain(base.packets, true), `${name} big-endian`);
      const ns = pcapStage(
        pcapFile(
          recs.map((r) => ({ ...r, frac: r.frac * 1000 })),
          { nanos: true, le: false, linkType, snaplen },
        ),
      );
      const expectNs = base.packets.map((p) => ({ ...plainPacket(p, true), ts: ts9(p.ts) }));
      assert.equal(plain(ns.packets, true), expectNs, `${name} ns big-endian`);
    }
    for (const { name, path } of classic.slice(0, 40)) {
      const base = pcapStage(readFileSync(path));
      const expectNs = base.packets.map((p) => ({ ...plainPacket(p, true), ts: ts9(p.ts) }));
      assert.equal(plain(pcapStage(editcap(path, 'nsecpcap')).packets, true), expectNs, `${name} nsecpcap`);
      assert.equal(plain(pcapStage(editcap(path, 'modpcap')).packets, true), plain(base.packets, true), `${name} modpcap`);
    }
  },
);

testIf(can(['mergecap']) && haveShared, '../shared/captures or mergecap absent: multi-interface pcapng')(
  "captures: a mergecap pcapng with Ethernet, SLL, SLL2, raw IP and null interfaces gives each input's packets in turn",
  () => {
    const names = ['zeek/tls1.2.pcap', 'mercury/sll_tls.pcap', 'mercury/sll2_tls.pcap', 'suricata-verify/bug-5881-01.pcap', 'ja4/tls-alpn-h2.pcap'];
    const paths = names.map((n) => join(CAPTURES, n));
    const merged = execFileSync('mergecap', ['-a', '-F', 'pcapng', '-w', '-', ...paths], { maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
    const got = pcapStage(merged);
    assert.equal(got.events, []);
    // `time` never goes backwards, and the inputs are concatenated, not merged by time: compare it apart
    const noTime = (p: Packet) => ({ ...plainPacket(p), time: undefined });
    const want = paths.flatMap((p) => pcapStage(readFileSync(p)).packets);
    assert.equal(got.packets.map(noTime), want.map(noTime));
    assert.equal(
      got.packets.map((p) => p.frame),
      want.map((_, i) => i + 1),
    );
    for (let i = 1; i < got.packets.length; i++) assert.ok(got.packets[i]!.time! >= got.packets[i - 1]!.time!);
  },
);

testIf(haveShared, '../shared/captures absent: chunked captures')(
  'captures: the same file pushed in chunks of 1..64 bytes gives identical packets and events',
  () => {
    for (const name of ['zeek/tls1.2.pcap', 'ndpi/anydesk.pcapng', 'derived/tls1.2-snaplen96.pcap', 'mercury/sll_tls.pcap', 'ja4/tls-alpn-h2.pcap']) {
      const bytes = readFileSync(join(CAPTURES, name));
      const whole = pcapStage(bytes);
      const flat = (s: Stage) => s.all.map((x) => ('payload' in x ? plainPacket(x as Packet, true) : x));
      for (let chunk = 1; chunk <= 64; chunk++) assert.equal(flat(pcapStage(bytes, chunk)), flat(whole), `${name} in chunks of ${chunk}`);
    }
  },
);

testIf(haveShared, '../shared/captures absent: cut captures')(
  'captures: a real file cut anywhere gives the packets before the cut and pcap.truncated, never an exception',
  () => {
    for (const name of ['zeek/tls1.2.pcap', 'ja4/tls-non-ascii-alpn.pcapng', 'ndpi/tls_alert.pcap']) {
      const bytes = readFileSync(join(CAPTURES, name));
      const whole = plain(pcapStage(bytes).packets, true);
      for (let cut = 1; cut < bytes.length; cut += 37) {
        const out = pcapStage(bytes.subarray(0, cut), cut % 11);
        const got = plain(out.packets, true);
        assert.equal(got, whole.slice(0, got.length), `${name} cut at ${cut}`);
        const codes = out.events.map((e) => e.code).filter((c) => String(c).startsWith('pcap.'));
        assert.ok(codes.length <= 1 && (codes.length === 0 || codes[0] === 'pcap.truncated'), `${name} cut at ${cut}: ${codes.join(',')}`);
      }
    }
  },
);

testIf(haveShared, '../shared/captures absent: damaged captures')(
  'captures: damaged real files (bytes overwritten at random) decode to anomalies, never an exception',
  () => {
    let seed = 99;
    const rnd = (n: number) => (seed = (seed * 1103515245 + 12345) >>> 0) % n;
    let anomalies = 0;
    for (const name of ['zeek/tls1.2.pcap', 'ja4/tls-sni.pcapng', 'mercury/sll2_tls.pcap', 'ndpi/anydesk.pcapng']) {
      const bytes = readFileSync(join(CAPTURES, name));
      for (let i = 0; i < 200; i++) {
        const d = Buffer.from(bytes);
        // half the time the damage is in the first 64 bytes: file header, section header, interface blocks
        for (let k = 0; k < 3; k++) d[rnd(2) === 0 ? rnd(Math.min(64, d.length)) : rnd(d.length)] = rnd(256);
        const pp = new PcapPackets(
          defaultOptions(),
          () => {},
          (e) => {
            if (e.type === 'anomaly') anomalies++;
          },
        );
        pp.push(d);
        pp.end();
      }
    }
    assert.ok(anomalies > 0);
  },
);

test.run();
