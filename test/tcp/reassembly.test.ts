import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Packet } from '../../lib/events.js';
import { ACK, Conn, FIN, PSH, RST, SYN, V4, V6, clientHello, stream } from './build.js';
import { codes, reassemble } from './harness.js';

const cat = (...parts: Uint8Array[]): Buffer => Buffer.concat(parts.map((p) => Buffer.from(p)));

test('reassembly: a clean connection gives open, ordered data both ways, and a fin close with byte counts', () => {
  const c = new Conn();
  const ch = clientHello(300);
  const sh = stream(2000, 1);
  const ps: Packet[] = [
    ...c.open(),
    c.pkt('c', 1, 1, PSH | ACK, ch),
    c.pkt('s', 1, 301, ACK, sh.subarray(0, 1000)),
    c.pkt('s', 1001, 301, PSH | ACK, sh.subarray(1000)),
    c.pkt('c', 301, 2001, FIN | ACK),
    c.pkt('s', 2001, 302, FIN | ACK),
    c.pkt('c', 302, 2002, ACK),
  ];
  const run = reassemble(ps);
  const f = run.flows.get(0)!;
  assert.is(run.flows.size, 1);
  assert.is(f.client, '10.0.0.1:40000');
  assert.is(f.server, '10.0.0.2:443');
  assert.is(f.openLine, 1);
  assert.ok(f.c2s.equals(Buffer.from(ch)));
  assert.ok(f.s2c.equals(Buffer.from(sh)));
  assert.equal(f.chunks, [
    ['c2s', 300, false, 4],
    ['s2c', 1000, false, 5],
    ['s2c', 1000, false, 6],
  ]);
  assert.is(f.close!.end, 'fin');
  assert.equal(f.close!.bytes, { c2s: 300, s2c: 2000 });
  assert.is(f.close!.gaps, 0);
  assert.is(f.close!.line, 8, 'closes at the last FIN');
  assert.equal(run.anomalies, []);
});

test("reassembly: the seed's out-of-order server segment arriving before the one that precedes it is put back in order", () => {
  // From the seed's first trace: P 1419:1719(300) arrives, the client dup-ACKs 1, then . 1:1419(1418) arrives.
  const c = new Conn(2327361744, 306717471);
  const sslv2 = stream(142, 9);
  sslv2.set([0x80, 0x8c, 0x01, 0x03, 0x01]);
  const server = stream(1718, 5);
  const ps: Packet[] = [
    ...c.open(),
    c.pkt('c', 1, 1, PSH | ACK, sslv2),
    c.pkt('s', 1, 143, ACK),
    c.pkt('s', 1419, 143, PSH | ACK, server.subarray(1418)),
    c.pkt('c', 143, 1, ACK),
    c.pkt('s', 1, 143, ACK, server.subarray(0, 1418)),
    c.pkt('c', 143, 1719, ACK),
  ];
  const run = reassemble(ps);
  const f = run.flows.get(0)!;
  assert.ok(f.s2c.equals(Buffer.from(server)), 'server bytes in sequence order');
  assert.equal(
    f.chunks.filter((x) => x[0] === 's2c'),
    [
      ['s2c', 1418, false, 8],
      ['s2c', 300, false, 6],
    ],
    'the late segment first, then the buffered one, each with its own line',
  );
  const ooo = codes(f.anomalies, 'tcp.out_of_order');
  assert.is(ooo.length, 1);
  assert.is(ooo[0]!.dir, 's2c');
  assert.is(ooo[0]!.line, 8, 'names the segment that arrived late');
  assert.is(ooo[0]!.count, 1);
  assert.equal(codes(f.anomalies, 'tcp.gap'), []);
  assert.is(f.close!.gaps, 0);
});

test('reassembly: as in the seed text, a summary-only out-of-order segment (no bytes) becomes a gap of its length', () => {
  const c = new Conn(2327361744, 306717471);
  const server = stream(2000, 5);
  const ps: Packet[] = [
    ...c.open(),
    c.pkt('c', 1, 1, PSH | ACK, clientHello(142)),
    c.pkt('s', 1419, 143, PSH | ACK, new Uint8Array(0), { len: 300 }), // summary line only
    c.pkt('s', 1, 143, ACK, server.subarray(0, 1418)),
    c.pkt('s', 1719, 143, PSH | ACK, server.subarray(1718)),
  ];
  const run = reassemble(ps);
  const f = run.flows.get(0)!;
  assert.ok(f.s2c.equals(cat(server.subarray(0, 1418), server.subarray(1718))));
  const gaps = codes(f.anomalies, 'tcp.gap');
  assert.is(gaps.length, 1);
  assert.is(gaps[0]!.missing, 300);
  assert.is(gaps[0]!.line, 7, 'the line of the packet after the hole');
  assert.equal(
    f.chunks.filter((x) => x[0] === 's2c').map((x) => x[2]),
    [false, true],
  );
  assert.is(f.close!.gaps, 1);
});

test('reassembly: the client is the SYN sender, else the SYN-ACK receiver, else the ClientHello sender, else the receiver of the server flight, else by ports', () => {
  const c = new Conn();
  // SYN-ACK seen first (the SYN was not captured).
  let run = reassemble([c.synAck(), c.pkt('c', 1, 1, ACK), c.pkt('c', 1, 1, PSH | ACK, stream(10))]);
  assert.is(run.flows.get(0)!.client, '10.0.0.1:40000');
  assert.is(run.flows.get(0)!.openLine, 1);
  // Mid-stream: the server speaks first (a pure ACK), then the client's ClientHello.
  const d = new Conn();
  run = reassemble([d.pkt('s', 1, 1, ACK), d.pkt('c', 1, 1, PSH | ACK, clientHello(50)), d.pkt('s', 1, 51, PSH | ACK, stream(20))]);
  let f = run.flows.get(0)!;
  assert.is(f.client, '10.0.0.1:40000');
  assert.is(f.openLine, 1, 'the open carries the first packet line even though it waited for the ClientHello');
  assert.equal(
    f.chunks.map((x) => x[0]),
    ['c2s', 's2c'],
  );
  // Mid-stream, server data first, then a ClientHello (STARTTLS-like): output waits for the roles.
  const e = new Conn();
  run = reassemble([
    e.pkt('s', 1, 1, PSH | ACK, Buffer.from('220 ready\r\n')),
    e.pkt('c', 1, 12, PSH | ACK, Buffer.from('STARTTLS\r\n')),
    e.pkt('s', 12, 11, PSH | ACK, Buffer.from('220 go\r\n')),
    e.pkt('c', 11, 20, PSH | ACK, clientHello(80)),
  ]);
  f = run.flows.get(0)!;
  assert.is(f.client, '10.0.0.1:40000');
  assert.equal(
    f.chunks.map((x) => x[0] + '@' + x[3]),
    ['s2c@1', 'c2s@2', 's2c@3', 'c2s@4'],
  );
  assert.equal(
    codes(f.anomalies, 'tcp.midstream').map((a) => a.dir),
    ['s2c', 'c2s'],
    'midstream per direction, with the roles decided later',
  );
  // Nothing decisive at all: the ports decide (the higher port is the client), not the sender of the first packet,
  // here the server.
  const g = new Conn();
  run = reassemble([g.pkt('s', 1, 1, PSH | ACK, stream(10)), g.pkt('c', 1, 11, PSH | ACK, stream(10))]);
  assert.is(run.flows.get(0)!.client, '10.0.0.1:40000', 'the other end of port 443');
  const ports = new Conn(1000, 5000, { c: ['10.0.0.1', 50000], s: ['10.0.0.2', 8080] });
  run = reassemble([ports.pkt('s', 1, 1, PSH | ACK, stream(10)), ports.pkt('c', 1, 11, PSH | ACK, stream(10))]);
  assert.is(run.flows.get(0)!.client, '10.0.0.1:50000', 'no well-known port: the higher port is the client');
  // The server's flight first (a ServerHello: 0x16 0x03 0x03, type 2), the ClientHello never captured.
  const h = new Conn(1000, 5000, { c: ['10.0.0.1', 50000], s: ['10.0.0.2', 60000] });
  const serverHello = Uint8Array.from([0x16, 0x03, 0x03, 0x00, 0x2a, 0x02, 0x00, 0x00, 0x26, ...new Array(0x26).fill(0)]);
  run = reassemble([h.pkt('s', 1, 1, PSH | ACK, serverHello), h.pkt('c', 1, 1 + serverHello.length, PSH | ACK, stream(10))]);
  assert.is(run.flows.get(0)!.client, '10.0.0.1:50000', 'the receiver of the ServerHello, whatever the ports say');
});

test('reassembly: a handshake captured out of order is not mid-stream', () => {
  const c = new Conn();
  const ch = clientHello(100);
  const run = reassemble([c.pkt('c', 1, 1, ACK), c.synAck(), c.syn(), c.pkt('c', 1, 1, PSH | ACK, ch)]);
  const f = run.flows.get(0)!;
  assert.is(f.client, '10.0.0.1:40000');
  assert.ok(f.c2s.equals(Buffer.from(ch)));
  assert.equal(
    f.anomalies.map((a) => a.code),
    [],
  );
  assert.is(run.flows.size, 1);
});

test('reassembly: retransmitted and duplicated bytes are delivered once and counted in one anomaly per direction at close', () => {
  const c = new Conn();
  const d = stream(3000);
  const ps: Packet[] = [
    ...c.open(),
    c.pkt('c', 1, 1, ACK, d.subarray(0, 1000)),
    c.pkt('c', 1001, 1, ACK, d.subarray(1000, 2000)),
    c.pkt('c', 1001, 1, ACK, d.subarray(1000, 2000)),
    c.pkt('c', 1, 1, ACK, d.subarray(0, 1500)),
    c.pkt('c', 2001, 1, ACK, d.subarray(2000)),
  ];
  const run = reassemble(ps);
  const f = run.flows.get(0)!;
  assert.ok(f.c2s.equals(Buffer.from(d)));
  const r = codes(f.anomalies, 'tcp.retransmission');
  assert.is(r.length, 1);
  assert.is(r[0]!.count, 2);
  assert.is(r[0]!.bytes, 2500);
  assert.is(r[0]!.line, 6, 'the first retransmitted packet');
  assert.is(r[0]!.dir, 'c2s');
  assert.equal(codes(f.anomalies, 'tcp.overlap_conflict'), []);
});

test('reassembly: a retransmission with different bytes gives tcp.overlap_conflict and the first copy wins (already delivered)', () => {
  const c = new Conn();
  const d = stream(200);
  const evil = Buffer.from(d.subarray(50, 150));
  evil.fill(0xee, 0, 50); // bytes 50..99 differ, 100..149 agree
  const ps: Packet[] = [
    ...c.open(),
    c.pkt('c', 1, 1, ACK, d.subarray(0, 100)),
    c.pkt('c', 51, 1, ACK, evil),
    c.pkt('c', 151, 1, ACK, d.subarray(150)),
  ];
  const run = reassemble(ps);
  const f = run.flows.get(0)!;
  const x = codes(f.anomalies, 'tcp.overlap_conflict');
  assert.is(x.length, 1);
  assert.is(x[0]!.line, 5);
  assert.is(x[0]!.bytes, 50);
  assert.ok(f.c2s.equals(Buffer.from(d)), 'the delivered copy stands and the new tail of the overlap is used');
});

test('reassembly: an overlap with different bytes among buffered segments gives tcp.overlap_conflict and the first copy wins', () => {
  const c = new Conn();
  const d = stream(300);
  const other = Buffer.from(d.subarray(150, 250));
  other[0] = other[0]! ^ 0xff;
  const ps: Packet[] = [
    ...c.open(),
    c.pkt('c', 101, 1, ACK, d.subarray(100, 200)), // waits: 1..100 not here yet
    c.pkt('c', 151, 1, ACK, other), // overlaps 150..199 with one differing byte
    c.pkt('c', 1, 1, ACK, d.subarray(0, 100)),
    c.pkt('c', 251, 1, ACK, d.subarray(250)),
  ];
  const run = reassemble(ps);
  const f = run.flows.get(0)!;
  assert.is(codes(f.anomalies, 'tcp.overlap_conflict').length, 1);
  assert.is(codes(f.anomalies, 'tcp.overlap_conflict')[0]!.bytes, 50);
  assert.ok(f.c2s.equals(Buffer.from(d)));
});

test('reassembly: keep-alives and a zero-window probe that the receiver dropped are not data', () => {
  const c = new Conn();
  const d = stream(100);
  const ps: Packet[] = [
    ...c.open(),
    c.pkt('c', 1, 1, ACK, d.subarray(0, 50)),
    c.pkt('s', 1, 51, ACK, new Uint8Array(0), { win: 0 }),
    c.pkt('c', 50, 1, ACK, new Uint8Array([0x00])), // keep-alive: 1 garbage byte at next-1
    c.pkt('c', 51, 1, ACK, new Uint8Array([0x77])), // zero-window probe, not accepted
    c.pkt('s', 1, 51, ACK, new Uint8Array(0), { win: 0 }),
    c.pkt('s', 1, 51, ACK, new Uint8Array(0), { win: 8192 }),
    c.pkt('c', 51, 1, ACK, d.subarray(50)),
  ];
  const run = reassemble(ps);
  const f = run.flows.get(0)!;
  assert.ok(f.c2s.equals(Buffer.from(d)));
  assert.equal(
    f.anomalies.map((a) => a.code),
    [],
    'no retransmission, no gap',
  );
});

test('reassembly: a zero-window probe that the receiver acknowledged is data', () => {
  const c = new Conn();
  const d = stream(100);
  const ps: Packet[] = [
    ...c.open(),
    c.pkt('c', 1, 1, ACK, d.subarray(0, 50)),
    c.pkt('s', 1, 51, ACK, new Uint8Array(0), { win: 0 }),
    c.pkt('c', 51, 1, ACK, d.subarray(50, 51)),
    c.pkt('s', 1, 52, ACK, new Uint8Array(0), { win: 0 }),
    c.pkt('c', 52, 1, ACK, d.subarray(51)),
  ];
  const f = reassemble(ps).flows.get(0)!;
  assert.ok(f.c2s.equals(Buffer.from(d)));
  assert.is(f.close!.gaps, 0);
});

test('reassembly: a lost segment that the peer acknowledged becomes a gap after the grace, and delivery resumes after it', () => {
  const c = new Conn();
  const d = stream(3000);
  const ps: Packet[] = [
    ...c.open(),
    c.pkt('c', 1, 1, ACK, d.subarray(0, 1000)),
    // 1001..2000 lost in the capture
    c.pkt('c', 2001, 1, ACK, d.subarray(2000)),
    c.pkt('s', 1, 3001, ACK),
    c.pkt('s', 1, 3001, ACK),
    c.pkt('s', 1, 3001, ACK),
  ];
  const run = reassemble(ps, { gapGracePackets: 2 });
  const f = run.flows.get(0)!;
  const g = codes(f.anomalies, 'tcp.gap');
  assert.is(g.length, 1);
  assert.is(g[0]!.missing, 1000);
  assert.is(g[0]!.line, 5, 'the line of the packet after the hole');
  assert.is(g[0]!.dir, 'c2s');
  assert.ok(f.c2s.equals(cat(d.subarray(0, 1000), d.subarray(2000))));
  assert.equal(f.chunks, [
    ['c2s', 1000, false, 4],
    ['c2s', 1000, true, 5],
  ]);
  // Delivered before the end of input: the gap did not wait for the flow to end.
  const dataIdx = run.items.findIndex((i) => i.kind === 'data' && i.afterGap);
  assert.ok(dataIdx >= 0 && dataIdx < run.items.length - 1);
  assert.is(f.close!.gaps, 1);
});

test('reassembly: an ACK captured before its data does not make a gap', () => {
  const c = new Conn();
  const d = stream(3000);
  const ps: Packet[] = [
    ...c.open(),
    c.pkt('c', 1, 1, ACK, d.subarray(0, 1000)),
    c.pkt('s', 1, 3001, ACK), // acknowledges bytes not yet seen in the capture
    c.pkt('c', 2001, 1, ACK, d.subarray(2000)),
    c.pkt('c', 1001, 1, ACK, d.subarray(1000, 2000)),
  ];
  const f = reassemble(ps).flows.get(0)!;
  assert.ok(f.c2s.equals(Buffer.from(d)));
  assert.is(f.close!.gaps, 0);
});

test('reassembly: the out-of-order buffer limit declares the oldest hole lost', () => {
  const c = new Conn();
  const d = stream(5000);
  const ps: Packet[] = [...c.open(), c.pkt('c', 1, 1, ACK, d.subarray(0, 1000))];
  for (let off = 2000; off < 5000; off += 500) ps.push(c.pkt('c', off + 1, 1, ACK, d.subarray(off, off + 500)));
  const run = reassemble(ps, { maxFlowBufferBytes: 1200 });
  const f = run.flows.get(0)!;
  const g = codes(f.anomalies, 'tcp.gap');
  assert.is(g.length, 1);
  assert.is(g[0]!.missing, 1000);
  assert.is(g[0]!.line, 5, 'the first buffered packet after the hole');
  assert.ok(f.c2s.equals(cat(d.subarray(0, 1000), d.subarray(2000))));
  const lim = codes(f.anomalies, 'tcp.buffer_limit');
  assert.is(lim.length, 1, 'said once');
  assert.is(lim[0]!.limit, 'maxFlowBufferBytes');
  // Delivery started once the limit was passed, not at the end.
  assert.is(run.items.filter((i) => i.kind === 'data').length >= 2, true);
});

test('reassembly: a hole still open at the end of input is declared then, and the bytes after it are delivered', () => {
  const c = new Conn();
  const d = stream(3000);
  const ps: Packet[] = [...c.open(), c.pkt('c', 1, 1, ACK, d.subarray(0, 1000)), c.pkt('c', 2001, 1, ACK, d.subarray(2000))];
  const f = reassemble(ps).flows.get(0)!;
  assert.ok(f.c2s.equals(cat(d.subarray(0, 1000), d.subarray(2000))));
  assert.is(codes(f.anomalies, 'tcp.gap')[0]!.missing, 1000);
  assert.is(f.close!.end, 'eof');
});

test('reassembly: a snaplen-truncated packet delivers its captured bytes and the rest is a gap at once', () => {
  const c = new Conn();
  const d = stream(3000);
  const ps: Packet[] = [
    ...c.open(),
    c.pkt('c', 1, 1, ACK, d.subarray(0, 40), { len: 1000 }),
    c.pkt('c', 1001, 1, ACK, d.subarray(1000, 2000)),
    c.pkt('c', 2001, 1, ACK, d.subarray(2000, 2100), { len: 1000 }),
  ];
  const run = reassemble(ps);
  const f = run.flows.get(0)!;
  assert.ok(f.c2s.equals(cat(d.subarray(0, 40), d.subarray(1000, 2100))));
  assert.equal(f.chunks, [
    ['c2s', 40, false, 4],
    ['c2s', 1000, true, 5],
    ['c2s', 100, false, 6],
  ]);
  const g = codes(f.anomalies, 'tcp.gap');
  assert.equal(
    g.map((a) => [a.missing, a.line, a.at_end]),
    [
      [960, 5, undefined],
      [900, 6, true],
    ],
  );
  assert.is(f.close!.gaps, 2);
});

test('reassembly: sequence numbers that wrap past 2^32 mid-stream, with reordering, reassemble in order', () => {
  const c = new Conn(0xffffff00, 0xfffffff0);
  const d = stream(1000);
  const s = stream(600, 4);
  const ps: Packet[] = [
    ...c.open(),
    c.pkt('c', 1, 1, ACK, d.subarray(0, 200)),
    c.pkt('c', 401, 1, ACK, d.subarray(400, 1000)), // crosses 2^32, arrives early
    c.pkt('c', 201, 1, ACK, d.subarray(200, 400)),
    c.pkt('s', 301, 1001, ACK, s.subarray(300)),
    c.pkt('s', 1, 1001, ACK, s.subarray(0, 300)),
  ];
  const f = reassemble(ps).flows.get(0)!;
  assert.ok(f.c2s.equals(Buffer.from(d)));
  assert.ok(f.s2c.equals(Buffer.from(s)));
  assert.is(f.close!.gaps, 0);
});

test('reassembly: a SYN with a new sequence number after a close starts a new flow; a repeated SYN does not', () => {
  const c = new Conn();
  const again = new Conn(90000, 70000, undefined, c.lines);
  const ps: Packet[] = [
    c.syn(),
    c.syn(), // retransmitted SYN: same flow
    c.synAck(),
    c.pkt('c', 1, 1, ACK),
    c.pkt('c', 1, 1, FIN | ACK),
    c.pkt('s', 1, 2, FIN | ACK),
    c.pkt('c', 2, 2, ACK), // late ACK: stays with flow 0, starts nothing
    again.syn(),
    again.synAck(),
    again.pkt('c', 1, 1, PSH | ACK, stream(10)),
  ];
  const run = reassemble(ps);
  assert.is(run.flows.size, 2);
  assert.is(run.flows.get(0)!.close!.end, 'fin');
  assert.is(run.flows.get(1)!.openLine, 8);
  assert.is(run.flows.get(1)!.c2s.length, 10);
  assert.equal(run.anomalies, []);
});

test('reassembly: a SYN with a new sequence number on a live flow closes it (port reuse) and starts a new one', () => {
  const c = new Conn();
  const again = new Conn(90000, 70000, undefined, c.lines);
  const run = reassemble([...c.open(), c.pkt('c', 1, 1, ACK, stream(10)), again.syn()]);
  assert.is(run.flows.size, 2);
  assert.is(run.flows.get(0)!.close!.end, 'evicted');
  assert.equal(codes(run.flows.get(0)!.anomalies, 'tcp.port_reuse').length, 1);
});

test('reassembly: new bytes after the close give one tcp.data_after_close', () => {
  const c = new Conn();
  const ps: Packet[] = [
    ...c.open(),
    c.pkt('c', 1, 1, FIN | ACK),
    c.pkt('s', 1, 2, FIN | ACK),
    c.pkt('s', 2, 2, ACK, stream(5)),
    c.pkt('s', 7, 2, ACK, stream(5)),
  ];
  const run = reassemble(ps);
  assert.is(run.flows.size, 1);
  const a = codes(run.anomalies, 'tcp.data_after_close');
  assert.is(a.length, 1);
  assert.is(a[0]!.flow, 0);
  assert.is(a[0]!.line, 6);
});

test("reassembly: after a RST the other side's bytes in flight are still delivered", () => {
  const c = new Conn();
  const ps: Packet[] = [...c.open(), c.pkt('c', 1, 1, PSH | ACK, clientHello(50)), c.pkt('c', 51, 0, RST), c.pkt('s', 1, 51, PSH | ACK, stream(30))];
  const run = reassemble(ps);
  const f = run.flows.get(0)!;
  assert.is(f.s2c.length, 30);
  assert.is(f.close!.end, 'rst');
});

test('reassembly: a RST flow closes after the grace, before the end of input', () => {
  const c = new Conn();
  const other = new Conn(1, 2, { c: ['10.0.0.9', 5555], s: ['10.0.0.2', 443] }, c.lines);
  const ps: Packet[] = [...c.open(), c.pkt('c', 1, 0, RST)];
  for (let i = 0; i < 5; i++) ps.push(other.pkt('c', 1 + i, 1, ACK, stream(1)));
  const run = reassemble(ps, { gapGracePackets: 3 });
  const closeIdx = run.items.findIndex((i) => i.kind === 'close' && i.flow === 0);
  const lastData = run.items.map((i) => i.kind).lastIndexOf('data');
  assert.ok(closeIdx >= 0 && closeIdx < lastData, 'flow 0 closed while flow 1 was still delivering');
  assert.is(run.flows.get(0)!.close!.end, 'rst');
});

test('reassembly: a FIN that arrives before the last data closes the flow only once the data is in', () => {
  const c = new Conn();
  const d = stream(400);
  const ps: Packet[] = [
    ...c.open(),
    c.pkt('c', 1, 1, PSH | ACK, clientHello(10)),
    c.pkt('s', 1, 11, ACK, d.subarray(0, 200)),
    c.pkt('s', 401, 11, FIN | ACK), // out of order: before 201..400
    c.pkt('c', 11, 201, ACK),
    c.pkt('s', 201, 11, PSH | ACK, d.subarray(200)),
    c.pkt('c', 11, 402, FIN | ACK),
  ];
  const run = reassemble(ps);
  const f = run.flows.get(0)!;
  assert.ok(f.s2c.equals(Buffer.from(d)));
  assert.is(f.close!.end, 'fin');
  assert.is(f.close!.gaps, 0);
});

// Idle expiry runs on the capture clock that other connections' packets move; a packet is assigned to its own flow
// first, so a timestamp that jumps forward never closes the flow it belongs to.
/** A connection that sends 10 bytes by time 2, then the SYN of another connection at `otherAt` moves the clock. */
function idleThenOther(otherAt: number): { c: Conn; ps: Packet[] } {
  const lines = { n: 0 };
  const c = new Conn(1000, 5000, V4, lines);
  const other = new Conn(7000, 9000, { c: ['10.0.0.3', 40001], s: ['10.0.0.2', 443] }, lines);
  const ps = [
    c.pkt('c', 0, 0, SYN, undefined, { time: 0 }),
    c.pkt('s', 0, 1, SYN | ACK, undefined, { time: 1 }),
    c.pkt('c', 1, 1, ACK, stream(10), { time: 2 }),
    other.pkt('c', 0, 0, SYN, undefined, { time: otherAt }),
  ];
  return { c, ps };
}

test('reassembly: a flow idle longer than idleTimeout closes with end timeout; a later packet starts a new flow', () => {
  const { c, ps } = idleThenOther(400);
  ps.push(c.pkt('c', 11, 1, ACK, stream(10), { time: 500 }));
  const run = reassemble(ps, { idleTimeout: 60 });
  assert.is(run.flows.size, 3);
  assert.is(run.flows.get(0)!.close!.end, 'timeout');
  assert.is(run.flows.get(0)!.close!.line, 3, 'closes at its last packet');
  assert.is(run.flows.get(2)!.c2s.length, 10);
});

test('reassembly: a packet whose timestamp jumps past idleTimeout stays in its own flow', () => {
  const c = new Conn();
  const ps: Packet[] = [
    c.pkt('c', 0, 0, SYN, undefined, { time: 0 }),
    c.pkt('s', 0, 1, SYN | ACK, undefined, { time: 1 }),
    c.pkt('c', 1, 1, ACK, stream(10), { time: 2 }),
    c.pkt('c', 11, 1, ACK, stream(10), { time: 500 }),
  ];
  const run = reassemble(ps, { idleTimeout: 60 });
  assert.is(run.flows.size, 1);
  assert.is(run.flows.get(0)!.c2s.length, 20);
  assert.is(run.flows.get(0)!.close!.end, 'eof');
});

test('reassembly: after a timeout, a retransmission of old bytes stays with the closed flow and starts nothing', () => {
  const { c, ps } = idleThenOther(480);
  ps.push(c.pkt('s', 1, 11, ACK, undefined, { time: 500 }), c.pkt('c', 1, 1, ACK, stream(10), { time: 501 }));
  const run = reassemble(ps, { idleTimeout: 60 });
  assert.is(run.flows.size, 2);
  assert.is(run.flows.get(0)!.close!.end, 'timeout');
  assert.equal(run.anomalies, []);
});

test('reassembly: beyond maxFlows the least recently active flow is evicted with tcp.evicted', () => {
  const lines = { n: 0 };
  const conns = [0, 1, 2].map((i) => new Conn(100, 200, { c: [`10.0.0.${i + 10}`, 1000 + i], s: ['10.0.0.2', 443] }, lines));
  const ps: Packet[] = [conns[0]!.syn(), conns[1]!.syn(), conns[0]!.synAck(), conns[2]!.syn()];
  const run = reassemble(ps, { maxFlows: 2 });
  assert.is(run.flows.size, 3);
  assert.is(run.flows.get(1)!.close!.end, 'evicted');
  assert.is(codes(run.flows.get(1)!.anomalies, 'tcp.evicted').length, 1);
  assert.is(run.flows.get(0)!.close!.end, 'eof');
});

test('reassembly: over maxTotalBufferBytes the oldest buffering flow has its hole declared lost', () => {
  const a = new Conn(100, 200, { c: ['10.0.0.10', 1000], s: ['10.0.0.2', 443] });
  const b = new Conn(100, 200, { c: ['10.0.0.11', 1001], s: ['10.0.0.2', 443] }, a.lines);
  const d = stream(3000);
  const ps: Packet[] = [
    ...a.open(),
    ...b.open(),
    a.pkt('c', 1001, 1, ACK, d.subarray(1000, 2000)), // a waits on a hole
    b.pkt('c', 1001, 1, ACK, d.subarray(1000, 2000)), // b too: total 2000 > 1500
    b.pkt('c', 1, 1, ACK, d.subarray(0, 1000)),
  ];
  const run = reassemble(ps, { maxTotalBufferBytes: 1500, overlapWindowBytes: 1 });
  const fa = run.flows.get(0)!;
  const fb = run.flows.get(1)!;
  assert.is(codes(fa.anomalies, 'tcp.gap').length, 1, 'the older holder gave way');
  assert.is(codes(fa.anomalies, 'tcp.gap')[0]!.line, 7);
  assert.is(codes(fa.anomalies, 'tcp.buffer_limit')[0]!.limit, 'maxTotalBufferBytes');
  assert.is(fb.close!.gaps, 0);
  assert.ok(fb.c2s.equals(Buffer.from(d.subarray(0, 2000))));
});

test('reassembly: IPv6 endpoints read [ip]:port', () => {
  const c = new Conn(1, 2, V6);
  const f = reassemble([...c.open(), c.pkt('c', 1, 1, PSH | ACK, clientHello(20))]).flows.get(0)!;
  assert.is(f.client, '[2001:db8::1]:40000');
  assert.is(f.server, '[2001:db8::2]:443');
});

test('reassembly: relative sequence numbers (summary lines) are placed from the bases tcpdump used; with none known they are reported', () => {
  const c = new Conn(3000000000, 4000000000);
  const d = stream(300);
  const ps: Packet[] = [
    ...c.open(),
    c.pkt('c', 1, 1, ACK, d.subarray(0, 100)),
    c.pkt('c', 201, 1, ACK, new Uint8Array(0), { len: 100, seqRelative: true }), // summary only, relative
    c.pkt('c', 101, 1, ACK, d.subarray(100, 200), { seqRelative: true }),
  ];
  const f = reassemble(ps).flows.get(0)!;
  assert.ok(f.c2s.equals(Buffer.from(d.subarray(0, 200))));
  assert.is(codes(f.anomalies, 'tcp.gap')[0]!.missing, 100);
  assert.equal(codes(f.anomalies, 'tcp.unknown_seq'), []);

  const m = new Conn();
  const run = reassemble([m.pkt('c', 1, 1, ACK, stream(10), { seqRelative: true })]);
  assert.is(codes(run.anomalies, 'tcp.unknown_seq').length, 1);
  assert.is(run.flows.get(0)!.c2s.length, 0);
});

test('reassembly: mid-stream, bytes from before the first segment seen are placed while nothing was delivered, else dropped and reported', () => {
  const d = stream(300);
  // Reordered within the grace: the start moves back and nothing is lost.
  const c = new Conn();
  let run = reassemble([
    c.pkt('c', 101, 1, PSH, d.subarray(100, 200)),
    c.pkt('c', 1, 1, PSH, d.subarray(0, 100)),
    c.pkt('c', 201, 1, PSH, d.subarray(200)),
  ]);
  assert.ok(run.flows.get(0)!.c2s.equals(Buffer.from(d)));
  assert.is(run.flows.get(0)!.close!.gaps, 0);
  // Too late: the stream had started delivering (after gapGracePackets packets); those bytes are dropped.
  const e = new Conn();
  run = reassemble(
    [
      e.pkt('c', 101, 1, PSH, d.subarray(100, 200)),
      e.pkt('c', 201, 1, 0),
      e.pkt('c', 201, 1, 0),
      e.pkt('c', 1, 1, PSH, d.subarray(0, 100)),
      e.pkt('c', 201, 1, PSH, d.subarray(200)),
    ],
    { gapGracePackets: 2 },
  );
  const f = run.flows.get(0)!;
  assert.ok(f.c2s.equals(Buffer.from(d.subarray(100))));
  assert.is(codes(f.anomalies, 'tcp.before_start')[0]!.bytes, 100);
  assert.is(codes(f.anomalies, 'tcp.before_start')[0]!.line, 4);
  // With the peer's ACK seen first, the start is known and the late segment (a ClientHello) fills the hole.
  const g = new Conn();
  const h = clientHello(300);
  const run2 = reassemble([
    g.pkt('s', 1, 1, ACK),
    g.pkt('c', 101, 1, ACK, h.subarray(100, 200)),
    g.pkt('c', 1, 1, ACK, h.subarray(0, 100)),
    g.pkt('c', 201, 1, ACK, h.subarray(200)),
  ]);
  const f2 = run2.flows.get(0)!;
  assert.is(f2.client, '10.0.0.1:40000');
  assert.ok(f2.c2s.equals(Buffer.from(h)));
  assert.is(f2.close!.gaps, 0);
});

test('reassembly: UDP packets and IP fragments start no flow', () => {
  const c = new Conn();
  const u = { ...c.syn(), proto: 'udp' as const };
  const frag = { ...c.syn(), fragment: true };
  const run = reassemble([u, frag]);
  assert.is(run.flows.size, 0);
});

test.run();
