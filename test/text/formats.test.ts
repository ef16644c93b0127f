// Stage 1 on the text forms that a capture file run through tcpdump 4.99 cannot produce or that need a
// closer look: tcpdump 3.x, relative numbers without bytes, -A, tcpdump's own messages, pasted excerpts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ACK, PSH, SYN, type Event, type Packet } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { TextPackets } from '../../lib/text/index.js';
import { LineSplitter } from '../../lib/text/lines.js';
import { ether, ipv4, ipv6, tcp, u32 } from '../net/build.js';
import { haveTool, FIXTURES, tcpdumpText, testIf } from '../support/shared.js';
import { bareDump, hexDump } from './render.js';
import { codes, stage1 } from './run.js';

const A = '10.1.1.1';
const B = '10.2.2.2';
const hello = new Uint8Array([0x16, 3, 1, 0, 5, 1, 0, 0, 1, 0]);
const syn = ipv4(A, B, tcp(40000, 443, { seq: 1000, flags: SYN, win: 65535, options: [2, 4, 5, 0xb4] }));
const data = ipv4(A, B, tcp(40000, 443, { seq: 1001, ack: 5001, flags: PSH | ACK, payload: hello }));

test('formats: tcpdump 3.8 lines (no "IP", a time, hex groups without offsets) decode from their bytes', () => {
  const text =
    `23:45:25.000001 ${A}.40000 > ${B}.443: S 1000:1000(0) win 65535 <mss 1460> (DF)\n` +
    bareDump(syn) +
    `23:45:25.000500 ${A}.40000 > ${B}.443: P 1:11(10) ack 1 win 33323 (DF)\n` +
    bareDump(data);
  const { packets, events } = stage1(text);
  assert.equal(codes(events), []);
  assert.equal(
    packets.map((p) => [p.line, p.ts, p.seq, p.ack, p.flags, p.len, Buffer.from(p.payload).toString('hex')]),
    [
      [1, '23:45:25.000001', 1000, 0, SYN, 0, ''],
      [5, '23:45:25.000500', 1001, 5001, PSH | ACK, 10, Buffer.from(hello).toString('hex')],
    ],
  );
});

test('formats: 3.x summaries without hex become packets with no bytes, made absolute from the SYN and SYN-ACK', () => {
  const text = [
    `IP ${A}.40000 > ${B}.443: S 1000:1000(0) win 65535`,
    `IP ${B}.443 > ${A}.40000: S 5000:5000(0) ack 1001 win 5672`,
    `IP ${A}.40000 > ${B}.443: . ack 1 win 33323`,
    `IP ${A}.40000 > ${B}.443: P 1:143(142) ack 1 win 33323`,
    `IP ${B}.443 > ${A}.40000: . ack 143 win 106`,
    `IP ${B}.443 > ${A}.40000: F 1:1(0) ack 143 win 106`,
    `IP ${B}.443 > ${A}.40000: R 5002:5002(0) win 0`,
  ].join('\n');
  const { packets } = stage1(text);
  assert.equal(
    packets.map((p) => [p.src, p.flags, p.seq, p.ack, p.len, p.payload.length, p.truncated, p.seqRelative]),
    [
      [A, SYN, 1000, 0, 0, 0, true, undefined],
      [B, SYN | ACK, 5000, 1001, 0, 0, true, undefined],
      [A, ACK, 1001, 5001, 0, 0, true, undefined],
      [A, PSH | ACK, 1001, 5001, 142, 0, true, undefined],
      [B, ACK, 5001, 1143, 0, 0, true, undefined],
      [B, 0x11, 5001, 1143, 0, 0, true, undefined],
      [B, 0x04, 5002, 0, 0, 0, true, undefined],
    ],
  );
});

test('formats: a base learned from a packet printed with both a relative summary and hex converts the ones without hex', () => {
  // Mid-stream: no SYN. The hex shows seq 1001 where the summary says 1; ack 5001 where it says 1.
  const text =
    `12:00:00.000001 IP ${A}.40000 > ${B}.443: Flags [P.], seq 1:11, ack 1, win 33323, length 10\n` +
    hexDump(data) +
    `12:00:00.000002 IP ${B}.443 > ${A}.40000: Flags [.], ack 11, win 100, length 0\n` +
    `12:00:00.000003 IP ${A}.40000 > ${B}.443: Flags [P.], seq 11:21, ack 1, win 33323, length 10\n` +
    `12:00:00.000004 IP ${B}.443 > ${A}.40000: Flags [P.], seq 1:101, ack 21, win 100, length 100\n`;
  const { packets } = stage1(text);
  assert.equal(
    packets.map((p) => [p.seq, p.ack, p.seqRelative]),
    [
      [1001, 5001, undefined],
      [5001, 1011, undefined], // pure ACK: its seq is what the peer acknowledged last
      [1011, 5001, undefined],
      [5001, 1021, undefined],
    ],
  );
});

test('formats: relative numbers with no base are kept and flagged seqRelative; -S numbers stay absolute', () => {
  const rel = stage1(`IP ${A}.40000 > ${B}.443: Flags [P.], seq 101:201, ack 51, win 10, length 100\n`).packets[0]!;
  assert.equal([rel.seq, rel.ack, rel.seqRelative, rel.len], [101, 51, true, 100]);
  const abs = stage1(
    `IP ${A}.40000 > ${B}.443: Flags [P.], seq 2852785352:2852785869, ack 2466111325, win 491, length 517\n` +
      `IP ${A}.40000 > ${B}.443: Flags [P.], seq 2852785869:2852785900, ack 2466111325, win 491, length 31\n`,
  ).packets;
  assert.equal(
    abs.map((p) => [p.seq, p.ack, p.seqRelative]),
    [
      [2852785352, 2466111325, undefined],
      [2852785869, 2466111325, undefined],
    ],
  );
});

test('formats: a -v IPv4 header with the TCP part on the next line, shown without hex, is one packet', () => {
  const text =
    `04:03:38.498935 IP (tos 0x0, ttl 61, id 63271, offset 0, flags [DF], proto TCP (6), length 60)\n` +
    `    10.10.10.10.41324 > 10.10.10.11.3306: Flags [S], cksum 0xf3a8 (incorrect -> 0xe689), seq 2871374687, win 29200, length 0\n`;
  const { packets, events } = stage1(text);
  assert.equal(
    packets.map((p) => [p.line, p.src, p.dport, p.seq, p.flags]),
    [[1, '10.10.10.10', 3306, 2871374687, SYN]],
  );
  assert.equal(
    codes(events).filter((c) => c !== 'input.no_hex'),
    [],
  );
});

test('formats: text with no hex (tcpdump -A, or summaries only) gives one input.no_hex naming the flags to use', () => {
  const text = [
    `IP ${A}.40000 > ${B}.443: Flags [P.], seq 1:11, ack 1, win 1, length 10`,
    'E..>..@.@.....',
    '..GET / HTTP/1.1',
    '',
    'Host: x',
    `IP ${B}.443 > ${A}.40000: Flags [.], ack 11, win 1, length 0`,
    'E..(..@.@...',
  ].join('\n');
  const { packets, events } = stage1(text);
  assert.is(packets.length, 2);
  assert.equal(codes(events), ['input.no_hex']);
  const msg = String(events[0]!.message);
  assert.match(msg, /-XX/);
  assert.match(msg, /-A/);
});

testIf(haveTool('tcpdump'), 'text/formats: tcpdump is not installed')(
  'formats: tcpdump -A of a real capture gives input.no_hex and no input.unparsed',
  () => {
    const pcap = `${FIXTURES}/tls12-rsa.pcap`;
    const { packets, events } = stage1(tcpdumpText(pcap, ['-nn', '-A']));
    assert.ok(packets.length > 10);
    assert.equal(codes(events), ['input.no_hex']);
  },
);

test('formats: input.no_hex comes early in a long stream of summaries, without waiting for the end', () => {
  const got: Event[] = [];
  const tp = new TextPackets(
    defaultOptions(),
    () => {},
    (e) => got.push(e),
  );
  const ls = new LineSplitter(65536, tp);
  for (let i = 0; i < 40; i++)
    ls.push(Buffer.from(`12:00:00.${String(i).padStart(6, '0')} IP ${A}.40000 > ${B}.443: Flags [.], ack 1, win 1, length 0\n`));
  assert.equal(codes(got), ['input.no_hex']);
  ls.end();
  tp.end();
  assert.equal(codes(got), ['input.no_hex']);
});

test('formats: tcpdump’s own messages (2>&1) are neither packets nor anomalies', () => {
  const text =
    'reading from file x.pcap, link-type EN10MB (Ethernet), snapshot length 65535\n' +
    'tcpdump: verbose output suppressed, use -v[v]... for full protocol decode\n' +
    'listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n' +
    `12:00:00.000001 IP ${A}.40000 > ${B}.443: Flags [P.], seq 1:11, ack 1, win 1, length 10\n` +
    hexDump(ether(0x0800, data), { ascii: true }) +
    '1 packet captured\n2 packets received by filter\n0 packets dropped by kernel\n';
  const { packets, events } = stage1(text);
  assert.is(packets.length, 1);
  assert.equal(codes(events), []);
});

test('formats: a line over --max-line-bytes is one input.line_too_long and still counts as a line', () => {
  const text =
    `IP ${A}.40000 > ${B}.443: Flags [P.], seq 1:11, ack 1, win 1, length 10\n${'x'.repeat(300)}\n12:00:00.000001 IP ${A}.40000 > ${B}.443: Flags [P.], seq 1:11, ack 1, win 1, length 10\n` +
    hexDump(data);
  const { packets, events } = stage1(text, 0, { maxLineBytes: 200 });
  assert.equal(codes(events), ['input.line_too_long']);
  assert.is(events[0]!.line, 2);
  assert.equal(
    packets.map((p) => p.line),
    [1, 3],
  );
});

test('formats: a repeated offset line repeats the same bytes and is kept once; prose in between changes nothing', () => {
  const full = hexDump(data, { ascii: true }).split('\n');
  const text =
    `IP ${A}.40000 > ${B}.443: Flags [P.], seq 1:11, ack 1, win 1, length 10\n` +
    full[0] +
    '\n' +
    full[1] +
    '\n\n   Look at this line again:\n' +
    full[1] +
    '\n   ^^^^ ^^\n' +
    full[1] +
    '\n' +
    full.slice(2).join('\n');
  const { packets, events } = stage1(text);
  assert.equal(
    packets.map((p) => [p.len, p.payload.length, p.truncated]),
    [[10, 10, false]],
  );
  assert.equal(codes(events), ['input.unparsed', 'input.unparsed']);
});

test('formats: hex with no summary line at offset 0 is a packet from its bytes, at its first hex line', () => {
  const { packets } = stage1('Here is the packet:\n' + hexDump(data));
  assert.equal(
    packets.map((p) => [p.line, p.ts, p.src, p.seq, p.len]),
    [[2, undefined, A, 1001, 10]],
  );
});

test('formats: an excerpt "minus the headers" completes the summary-only packet of its length, else it is reported', () => {
  const seg = ipv4(A, B, tcp(40000, 443, { seq: 1143, ack: 5001, flags: PSH | ACK, payload: new Uint8Array(40).fill(0x61) }));
  const lines = hexDump(seg).split('\n');
  // The payload starts at 0x28 (20 IP + 20 TCP): the excerpt shows line 0x0020 with its first 4 groups blank.
  const first = lines[2]!.replace(/^\t0x0020:  (\S+ ){4}/, '\t0x0020:  ' + ' '.repeat(20));
  const text =
    `IP ${A}.40000 > ${B}.443: Flags [S], seq 1000, win 1, length 0\n` +
    `IP ${A}.40000 > ${B}.443: Flags [P.], seq 143:183, ack 1, win 1, length 40\n` +
    `IP ${B}.443 > ${A}.40000: Flags [.], ack 183, win 1, length 0\n` +
    '\nAnd the data of the second one:\n' +
    first +
    '\n' +
    lines.slice(3).join('\n') +
    'And something that fits nothing:\n\t0x0100:  0102 0304\n';
  const { packets, events } = stage1(text);
  const p = packets[1]!;
  assert.equal([p.seq, p.len, p.payload.length, p.truncated, Buffer.from(p.payload).toString('latin1')], [1143, 40, 40, false, 'a'.repeat(40)]);
  assert.equal(codes(events), ['input.unparsed', 'input.unparsed', 'input.orphan_hex']);
  assert.is(events[2]!.line, text.split('\n').findIndex((l) => l.includes('0x0100')) + 1);
});

test('formats: the same summary quoted again with its hex is one packet, in the first place, with the bytes', () => {
  const s = `IP ${A}.40000 > ${B}.443: P 1:11(10) ack 1 win 33323`;
  const text =
    `IP ${A}.40000 > ${B}.443: S 1000:1000(0) win 65535\n${s}\nIP ${B}.443 > ${A}.40000: . ack 11 win 106\n\nNow the first one in full:\n${s}\n` +
    hexDump(data);
  const { packets } = stage1(text);
  assert.equal(
    packets.map((p) => [p.src, p.len, p.payload.length]),
    [
      [A, 0, 0],
      [A, 10, 10],
      [B, 0, 0],
    ],
  );
});

test('formats: a packet is sent on as soon as its bytes reach the IP length, before the next line arrives', () => {
  const got: Packet[] = [];
  const tp = new TextPackets(
    defaultOptions(),
    (p) => got.push(p),
    () => {},
  );
  const ls = new LineSplitter(65536, tp);
  const one = `12:00:00.000001 IP ${A}.40000 > ${B}.443: Flags [S], seq 1000, win 65535, length 0\n` + hexDump(ether(0x0800, syn));
  const two = `12:00:00.000002 IP ${A}.40000 > ${B}.443: Flags [P.], seq 1:11, ack 1, win 1, length 10\n` + hexDump(ether(0x0800, data));
  ls.push(Buffer.from(one + two));
  assert.is(got.length, 2);
  assert.is(got[1]!.payload.length, 10);
});

test('formats: -e naming Ethernet over hex that starts at IP (-e -x) still decodes the packet', () => {
  const text =
    `12:00:00.000001 00:01:02:03:04:05 > 06:07:08:09:0a:0b, ethertype IPv4 (0x0800), length 74: ${A}.40000 > ${B}.443: Flags [P.], seq 1:11, ack 1, win 1, length 10\n` +
    hexDump(data);
  assert.equal(
    stage1(text).packets.map((p) => [p.src, p.len]),
    [[A, 10]],
  );
});

test('formats: a later fragment of a TCP packet is reported as ip.fragment, not made a packet', () => {
  const frag = ipv4(A, B, new Uint8Array(24), { fragOffset: 1480 });
  const { packets, events } = stage1(`IP ${A} > ${B}: ip-proto-6\n` + hexDump(frag));
  assert.is(packets.length, 0);
  assert.equal(codes(events), ['ip.fragment']);
});

test('formats: without -n, a -t summary with host and service names is still the packet’s summary line', () => {
  const text = `IP client.example.net.40000 > www.example.com.https: Flags [P.], seq 1:11, ack 1, win 1, length 10\n` + hexDump(data);
  const { packets, events } = stage1(text);
  assert.equal(
    packets.map((p) => [p.line, p.src, p.dport]),
    [[1, A, 443]],
  );
  assert.equal(codes(events), []);
});

test('formats: hex of other protocols (ARP, STP) is skipped quietly; hex that a summary calls IP but is not gives input.undecodable', () => {
  const arp = new Uint8Array([
    0, 1, 8, 0, 6, 4, 0, 1, 0, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, 0xac, 0x15, 0x4f, 0x61, 0, 0, 0, 0, 0, 0, 0xac, 0x15, 0x4f, 0x64,
  ]);
  const stp = new Uint8Array([0x42, 0x42, 0x03, 0, 0, 0, 0, 0, 0x80, 0, 0, 0x1c, 0x0e, 0x87, 0x78, 0]);
  const quiet = stage1(
    `12:00:00.000001 ARP, Request who-has 172.21.79.100 tell 172.21.79.97, length 28\n${hexDump(arp)}12:00:00.000002 STP 802.1d, Config, Flags [none], bridge-id 8000.00:1c:0e:87:78:00.8004, length 43\n${hexDump(stp)}`,
  );
  assert.equal([quiet.packets.length, codes(quiet.events)], [0, []]);
  const bad = stage1(`12:00:00.000001 IP ${A}.40000 > ${B}.443: Flags [S], seq 1, win 1, length 0\n${hexDump(stp)}`);
  assert.equal([bad.packets.length, codes(bad.events)], [0, ['input.undecodable']]);
});

test('formats: IPv6 summaries and hex', () => {
  const seg6 = ipv6('2001:db8::1', '2001:db8::2', tcp(40000, 443, { seq: 7, ack: 9, flags: ACK, options: [1, 1, 8, 10, ...u32(1), ...u32(2)] }));
  const text =
    `IP6 2001:db8::1.40000 > 2001:db8::2.443: Flags [.], ack 1, win 1, length 0\n` +
    hexDump(seg6, { ascii: true }) +
    `IP6 2001:db8::2.443 > 2001:db8::1.40000: Flags [.], ack 1, win 1, length 0\n`;
  const { packets } = stage1(text);
  assert.equal(
    packets.map((p) => [p.ipVersion, p.src, p.dst, p.sport, p.seq, p.payload.length]),
    [
      [6, '2001:db8::1', '2001:db8::2', 40000, 7, 0],
      [6, '2001:db8::2', '2001:db8::1', 443, 9, 0],
    ],
  );
});

test.run();
