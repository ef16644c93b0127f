// PcapPackets on files laid out field by field: every link type reaches the same packet, unsupported link types
// are reported once per interface, snap-length cuts are `truncated`, and frame/ts/time/epoch come from records.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ACK, PSH, type Packet } from '../../lib/events.js';
import { bytes, ether, ipv4, ipv6, nullLink, sll, sll2, tcp, udp } from '../net/build.js';
import { epb, idb, pcapFile, pcapStage, plainPacket, shb, spb } from './build.js';

const payload = Array.from({ length: 100 }, (_, i) => i);
const seg = tcp(50000, 443, { seq: 1000, ack: 2000, flags: PSH | ACK, win: 501, payload });
const ip4 = ipv4('192.0.2.1', '198.51.100.7', seg);
const ip6 = ipv6('2001:db8::1', '2001:db8::2', seg);

const want4 = {
  ts: '2023-11-14T22:13:20.000001Z',
  time: 1700000000.000001,
  epoch: 1700000000.000001,
  ipVersion: 4,
  src: '192.0.2.1',
  dst: '198.51.100.7',
  sport: 50000,
  dport: 443,
  proto: 'tcp',
  seq: 1000,
  ack: 2000,
  flags: PSH | ACK,
  win: 501,
  len: 100,
  payload: Buffer.from(payload).toString('hex'),
  truncated: false,
};
const want6 = { ...want4, ipVersion: 6, src: '2001:db8::1', dst: '2001:db8::2' };

function one(linkType: number, frame: Uint8Array) {
  const out = pcapStage(pcapFile([{ sec: 1700000000, frac: 1, data: frame }], { linkType }));
  assert.equal(out.events, [], `link type ${linkType}`);
  assert.is(out.packets.length, 1, `link type ${linkType}`);
  return plainPacket(out.packets[0]!);
}

test('link types: Ethernet, 802.1Q, QinQ, raw IP (101, 228, 229, 12, 14), SLL, SLL2, null and loop reach the same packet', () => {
  const cases: [number, Uint8Array, object][] = [
    [1, ether(0x0800, ip4), want4],
    [1, ether(0x86dd, ip6), want6],
    [1, ether(0x0800, ip4, [[0x8100, 42]]), want4],
    [
      1,
      ether(0x0800, ip4, [
        [0x88a8, 100],
        [0x8100, 42],
      ]),
      want4,
    ],
    [101, ip4, want4],
    [101, ip6, want6],
    [228, ip4, want4],
    [229, ip6, want6],
    [12, ip4, want4],
    [14, ip6, want6],
    [113, sll(0x0800, ip4), want4],
    [276, sll2(0x86dd, ip6), want6],
    [0, nullLink(2, ip4), want4],
    [0, nullLink(30, ip6), want6],
    [0, nullLink(2, ip4, true), want4],
    [108, nullLink(24, ip6, true), want6],
  ];
  for (const [lt, frame, want] of cases) assert.equal(one(lt, frame), want, `link type ${lt}`);
});

test('frames: frame numbers count every record, also one that gives no packet (ARP); UDP gives packets too', () => {
  const arp = ether(0x0806, new Uint8Array(28));
  const u = ether(0x0800, ipv4('10.0.0.1', '10.0.0.2', udp(53, 5353, [1, 2, 3]), { proto: 17 }));
  const out = pcapStage(
    pcapFile([
      { sec: 1, frac: 0, data: arp },
      { sec: 2, frac: 0, data: ether(0x0800, ip4) },
      { sec: 3, frac: 0, data: u },
    ]),
  );
  assert.equal(out.events, []);
  assert.equal(
    out.packets.map((p) => [p.frame, p.line, p.proto, p.sport]),
    [
      [2, undefined, 'tcp', 50000],
      [3, undefined, 'udp', 53],
    ],
  );
});

test('link types: an unsupported link type gives one anomaly per interface and decoding goes on', () => {
  const le = true;
  const file = Buffer.concat([
    shb(le),
    idb(le, 105), // 802.11
    idb(le, 1),
    idb(le, 147), // USER0
    epb(le, 0, 1n, new Uint8Array(60)),
    epb(le, 1, 2n, ether(0x0800, ip4)),
    epb(le, 0, 3n, new Uint8Array(60)),
    epb(le, 2, 4n, new Uint8Array(60)),
    epb(le, 1, 5n, ether(0x86dd, ip6)),
    epb(le, 2, 6n, new Uint8Array(60)),
  ]);
  const out = pcapStage(file);
  assert.equal(
    out.events.map((e) => [e.code, e.frame]),
    [
      ['pcap.link_unsupported', 1],
      ['pcap.link_unsupported', 4],
    ],
  );
  assert.match(String(out.events[0]!.message), /frame 1: interface 0 has link type 105, which is not decoded: its packets are skipped/);
  assert.equal(
    out.packets.map((p) => [p.frame, p.ipVersion]),
    [
      [2, 4],
      [5, 6],
    ],
  );
});

test('truncation: a snap-length cut frame is truncated, keeps its wire length and the captured payload, and a run is reported once', () => {
  const full = ether(0x0800, ip4);
  const recs = [
    { sec: 1, frac: 0, data: full.subarray(0, 96), origLen: full.length },
    { sec: 2, frac: 0, data: full.subarray(0, 96), origLen: full.length },
    { sec: 3, frac: 0, data: full },
    { sec: 4, frac: 0, data: full.subarray(0, 70), origLen: full.length },
  ];
  const out = pcapStage(pcapFile(recs, { snaplen: 96 }));
  assert.equal(
    out.packets.map((p) => [p.frame, p.truncated, p.len, p.payload.length]),
    [
      [1, true, 100, 96 - 54],
      [2, true, 100, 96 - 54],
      [3, false, 100, 100],
      [4, true, 100, 70 - 54],
    ],
  );
  assert.equal(
    out.events.map((e) => [e.code, e.frame]),
    [
      ['input.truncated', 1],
      ['input.truncated', 4],
    ],
  );
  assert.match(String(out.events[0]!.message), /96 of 154 bytes captured/);
});

test('truncation: a frame shorter on the wire than its IP length is bounded by the original length, not truncated', () => {
  const full = ether(0x0800, ip4);
  const out = pcapStage(pcapFile([{ sec: 1, frac: 0, data: full.subarray(0, 120), origLen: 120 }]));
  assert.equal(
    out.packets.map((p) => [p.truncated, p.len, p.payload.length]),
    [[false, 120 - 54, 120 - 54]],
  );
  assert.equal(out.events, []);
});

test('truncation: a frame cut inside the TCP header gives input.undecodable; a later fragment gives ip.fragment', () => {
  const cut = ether(0x0800, ip4).subarray(0, 40);
  const frag = ether(0x0800, ipv4('10.0.0.1', '10.0.0.2', new Uint8Array(40), { fragOffset: 1480 }));
  const out = pcapStage(
    pcapFile([
      { sec: 1, frac: 0, data: cut, origLen: 154 },
      { sec: 2, frac: 0, data: frag },
    ]),
  );
  assert.equal(out.packets, []);
  assert.equal(
    out.events.map((e) => [e.code, e.frame]),
    [
      ['input.undecodable', 1],
      ['ip.fragment', 2],
    ],
  );
});

test('time: ts is ISO 8601 UTC with the recorded digits; time never goes backwards; epoch is the record time', () => {
  const f = ether(0x0800, ip4);
  const us = pcapStage(
    pcapFile([
      { sec: 1795774502, frac: 123456, data: f },
      { sec: 1795774501, frac: 5, data: f },
    ]),
  );
  assert.equal(
    us.packets.map((p) => [p.ts, p.time, p.epoch]),
    [
      ['2026-11-27T10:15:02.123456Z', 1795774502.123456, 1795774502.123456],
      ['2026-11-27T10:15:01.000005Z', 1795774502.123456, 1795774501.000005],
    ],
  );
  const ns = pcapStage(pcapFile([{ sec: 1795774502, frac: 123456789, data: f }], { nanos: true, le: false }));
  // A double holds 17 significant digits: epoch keeps seven decimals here, ts all nine.
  assert.equal(
    ns.packets.map((p) => [p.ts, p.epoch]),
    [['2026-11-27T10:15:02.123456789Z', 1795774502.1234567]],
  );
  const le = true;
  const ms = pcapStage(
    Buffer.concat([
      shb(le),
      idb(le, 1, { tsresol: 3 }),
      idb(le, 1, { tsresol: 0 }),
      epb(le, 0, 1795774502007n, f),
      epb(le, 1, 1795774503n, f),
      spb(le, f),
    ]),
  );
  assert.equal(
    ms.packets.map((p) => [p.frame, p.ts, p.epoch]),
    [
      [1, '2026-11-27T10:15:02.007Z', 1795774502.007],
      [2, '2026-11-27T10:15:03Z', 1795774503],
      [3, undefined, undefined],
    ],
  );
  assert.is(ms.packets[2]!.time, undefined);
});

test('anomalies carry frame and ts; framing anomalies carry the frame they concern', () => {
  const f = ether(0x0800, ip4);
  const out = pcapStage(
    pcapFile([
      { sec: 1795774502, frac: 1, data: f.subarray(0, 40), origLen: f.length },
      { sec: 1795774503, frac: 0, data: f },
    ]).subarray(0, -5),
  );
  assert.equal(
    out.events.map((e) => [e.type, e.code, e.frame, e.ts, e.line]),
    [
      ['anomaly', 'input.undecodable', 1, '2026-11-27T10:15:02.000001Z', undefined],
      ['anomaly', 'pcap.truncated', 2, undefined, undefined],
    ],
  );
});

test('input: bytes that are no capture give one pcap.malformed; a too-short input gives pcap.truncated', () => {
  const text = pcapStage(Buffer.from('19:47:28.512314 IP 10.0.0.80.56637 > 68.233.76.12.443: Flags [S], seq 1\n'.repeat(5)));
  assert.equal(
    text.events.map((e) => e.code),
    ['pcap.malformed'],
  );
  assert.match(String(text.events[0]!.message), /not a pcap or pcapng file \(it starts with 31 39 3a 34\)/);
  assert.equal(
    pcapStage(Buffer.from([0xd4, 0xc3])).events.map((e) => e.code),
    ['pcap.truncated'],
  );
  assert.equal(pcapStage(new Uint8Array(0)).events, []);
});

test('chunks: a file with several link types and cuts pushed in chunks of 1..64 bytes gives identical packets and events', () => {
  const le = false;
  const full = ether(0x0800, ip4);
  const file = Buffer.concat([
    shb(le),
    idb(le, 1, { snaplen: 100 }),
    idb(le, 113, { tsresol: 9 }),
    idb(le, 105),
    epb(le, 0, 1700000000000001n, full.subarray(0, 100), full.length),
    epb(le, 1, 1700000000000000002n, sll(0x86dd, ip6)),
    epb(le, 2, 3n, new Uint8Array(10)),
    epb(le, 0, 1700000000000004n, full),
    spb(le, bytes(full)),
  ]);
  const whole = pcapStage(file);
  assert.is(whole.packets.length, 4);
  // the cut first frame, the 802.11 interface, and the Simple Packet Block cut to interface 0's snap length
  assert.equal(
    whole.events.map((e) => [e.code, e.frame]),
    [
      ['input.truncated', 1],
      ['pcap.link_unsupported', 3],
      ['input.truncated', 5],
    ],
  );
  const plain = (s: ReturnType<typeof pcapStage>) => s.all.map((x) => ('payload' in x ? plainPacket(x as Packet, true) : x));
  for (let chunk = 1; chunk <= 64; chunk++) assert.equal(plain(pcapStage(file, chunk)), plain(whole), `chunks of ${chunk}`);
});

test('packets: the payload is a copy, not a view into the input or the carry buffer', () => {
  const f = ether(0x0800, ip4);
  const file = pcapFile([
    { sec: 1, frac: 0, data: f },
    { sec: 2, frac: 0, data: f },
  ]);
  const out = pcapStage(file, 7);
  file.fill(0);
  for (const p of out.packets) assert.is(Buffer.from(p.payload).toString('hex'), want4.payload);
});

test('packets: a Buffer input read in place gives views of it; a plain Uint8Array input, copies', () => {
  const f = ether(0x0800, ip4);
  const file = pcapFile([
    { sec: 1, frac: 0, data: f },
    { sec: 2, frac: 0, data: f },
  ]);
  const views = pcapStage(file);
  for (const p of views.packets) assert.is(p.payload.buffer, file.buffer);
  const plain = new Uint8Array(file);
  const copies = pcapStage(plain);
  plain.fill(0);
  assert.is(copies.packets.length, 2);
  for (const p of copies.packets) assert.is(Buffer.from(p.payload).toString('hex'), want4.payload);
});

test.run();
