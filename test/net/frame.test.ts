import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeFrame, frameScore, isFrame, type Frame, type FrameError } from '../../lib/net/frame.js';
import { LINKTYPE } from '../../lib/net/link.js';
import { bytes, ether, ipv4, ipv6, nullLink, pppoe, sll, sll2, tcp, u16, u32, udp } from './build.js';

const payload = new Uint8Array(Array.from({ length: 100 }, (_, i) => i));
const seg = tcp(443, 50000, { seq: 1000, ack: 2000, flags: 0x18, payload, options: [1, 1, 8, 10, ...u32(1), ...u32(2)] });
const pkt4 = ipv4('10.0.0.1', '10.0.0.2', seg);

function frame(b: Uint8Array, lt: number, wire?: number): Frame {
  const r = decodeFrame(b, 0, b.length, lt, wire);
  if (!isFrame(r)) throw new Error(`expected a frame: ${r.error} ${r.message}`);
  return r;
}

test('frame: the TCP payload range and wire length come from the IP and TCP headers', () => {
  const f = frame(ether(0x0800, pkt4), LINKTYPE.ETHERNET);
  assert.equal([f.ipStart, f.payloadStart, f.payloadEnd, f.len, f.truncated, f.fit], [14, 14 + 20 + 32, 14 + pkt4.length, 100, false, 'exact']);
  assert.equal([f.tcp!.sport, f.tcp!.seq, f.ip.src], [443, 1000, '10.0.0.1']);
});

test('frame: Ethernet padding after a short IP packet is not payload', () => {
  const ack = ipv4('10.0.0.1', '10.0.0.2', tcp(1, 2));
  const f = frame(bytes(ether(0x0800, ack), new Uint8Array(6)), LINKTYPE.ETHERNET);
  assert.equal([f.len, f.payloadEnd - f.payloadStart, f.fit, f.truncated], [0, 0, 'padded', false]);
  // tcpdump -x prints the padding too, after the IP packet
  assert.is(frame(bytes(ack, new Uint8Array(6)), LINKTYPE.RAW).fit, 'padded');
});

test('frame: fewer bytes than the IP length is truncated, with the captured part of the payload', () => {
  const eth = ether(0x0800, pkt4);
  const f = frame(eth.subarray(0, 96), LINKTYPE.ETHERNET);
  assert.equal([f.len, f.payloadEnd - f.payloadStart, f.truncated, f.fit], [100, 96 - 66, true, 'truncated']);
  const g = frame(eth.subarray(0, 60), LINKTYPE.ETHERNET);
  assert.equal([g.len, g.payloadStart, g.payloadEnd, g.tcp!.optionsTruncated], [100, 60, 60, true]);
});

test('frame: every link type reaches the same TCP segment', () => {
  const p6 = ipv6('2001:db8::1', '2001:db8::2', seg);
  const cases: [Uint8Array, number, string][] = [
    [ether(0x0800, pkt4, [[0x8100, 50]]), LINKTYPE.ETHERNET, '10.0.0.1'],
    [
      ether(0x86dd, p6, [
        [0x88a8, 1],
        [0x8100, 2],
      ]),
      LINKTYPE.ETHERNET,
      '2001:db8::1',
    ],
    [ether(0x8864, pppoe(0x21, pkt4)), LINKTYPE.ETHERNET, '10.0.0.1'],
    [sll(0x86dd, p6), LINKTYPE.LINUX_SLL, '2001:db8::1'],
    [sll2(0x0800, pkt4), LINKTYPE.LINUX_SLL2, '10.0.0.1'],
    [nullLink(30, p6), LINKTYPE.NULL, '2001:db8::1'],
    [pkt4, LINKTYPE.RAW, '10.0.0.1'],
    [pppoe(0x57, p6), LINKTYPE.PPP_ETHER, '2001:db8::1'],
  ];
  for (const [b, lt, src] of cases) {
    const f = frame(b, lt);
    assert.equal([f.ip.src, f.tcp!.dport, f.tcp!.ack, f.len, f.fit], [src, 50000, 2000, 100, 'exact'], `link ${lt}`);
    assert.equal([...b.subarray(f.payloadStart, f.payloadEnd)], [...payload], `link ${lt} payload`);
  }
});

test('frame: a first IP fragment is decoded and flagged; a later one has no transport header', () => {
  const first = frame(ipv4('10.0.0.1', '10.0.0.2', seg, { more: true }), LINKTYPE.RAW);
  assert.equal([first.fragment, first.tcp!.sport], [true, 443]);
  const later = decodeFrame(ipv4('10.0.0.1', '10.0.0.2', payload, { fragOffset: 1480 }), 0, 120, LINKTYPE.RAW) as FrameError;
  assert.is(later.error, 'fragment');
  assert.is(later.ip!.proto, 6);
});

test('frame: non-IP EtherTypes and unknown link types are errors, not throws', () => {
  const arp = decodeFrame(ether(0x0806, new Uint8Array(28)), 0, 42, LINKTYPE.ETHERNET) as FrameError;
  assert.equal([arp.error, frameScore(arp)], ['not_ip', 1]);
  assert.is((decodeFrame(pkt4, 0, pkt4.length, 9999) as FrameError).error, 'link');
  assert.is((decodeFrame(ether(0x0800, ipv6('::1', '::2', seg)), 0, 200, LINKTYPE.ETHERNET) as FrameError).error, 'malformed');
});

test('frame: a PPPoE length shorter than the IP length bounds the packet (the rest is padding), as tshark reads it', () => {
  const ack = ipv4('1.1.1.1', '2.2.2.2', tcp(443, 1, { payload: [0, 0, 0, 0, 0, 0] }));
  const b = ether(0x8864, pppoe(0x21, ack, ack.length + 2 - 6));
  const f = frame(b, LINKTYPE.ETHERNET);
  assert.equal([f.len, f.payloadEnd - f.payloadStart, f.truncated, f.fit], [0, 0, false, 'padded']);
});

test('frame: a wire length shorter than the IP length bounds the packet', () => {
  const b = ether(0x0800, pkt4);
  const f = frame(b, LINKTYPE.ETHERNET, 14 + 20 + 32 + 10);
  assert.equal([f.len, f.payloadEnd - f.payloadStart], [10, 10]);
});

test('frame: GTP-U user packets are decoded through the tunnel, the outer header kept', () => {
  const gtp = bytes([0x30, 0xff], u16(pkt4.length), u32(0x1234), pkt4);
  const outer = ipv4('192.168.0.1', '192.168.0.2', udp(2152, 2152, gtp), { proto: 17 });
  const f = frame(ether(0x0800, outer), LINKTYPE.ETHERNET);
  assert.equal([f.tunnel, f.outer!.src, f.ip.src, f.tcp!.sport, f.len], ['gtp-u', '192.168.0.1', '10.0.0.1', 443, 100]);
  const withSeq = bytes([0x32, 0xff], u16(pkt4.length + 4), u32(0x1234), [0, 1, 0, 0], pkt4);
  assert.is(frame(ipv4('192.168.0.1', '192.168.0.2', udp(40000, 2152, withSeq), { proto: 17 }), LINKTYPE.RAW).ip.src, '10.0.0.1');
  const notGpdu = bytes([0x30, 0x01], u16(4), u32(0), [1, 2, 3, 4]);
  const echo = frame(ipv4('192.168.0.1', '192.168.0.2', udp(2152, 2152, notGpdu), { proto: 17 }), LINKTYPE.RAW);
  assert.equal([echo.tunnel, echo.udp!.dport], [undefined, 2152]);
});

test('frame: frameScore ranks an exact fit over a cut one over a non-IP frame over nothing', () => {
  const eth = ether(0x0800, pkt4);
  assert.is(frameScore(decodeFrame(eth, 0, eth.length, LINKTYPE.ETHERNET)), 4);
  assert.is(frameScore(decodeFrame(eth, 0, 80, LINKTYPE.ETHERNET)), 3);
  assert.is(frameScore(decodeFrame(eth, 0, eth.length, LINKTYPE.RAW)), 0);
  assert.is(frameScore(decodeFrame(bytes(pkt4, new Uint8Array(200)), 0, pkt4.length + 200, LINKTYPE.RAW)), 0);
});

test('frame: no strict prefix of a frame decodes as an exact fit', () => {
  const frames: [Uint8Array, number][] = [
    [ether(0x0800, pkt4, [[0x8100, 5]]), LINKTYPE.ETHERNET],
    [sll2(0x86dd, ipv6('::1', '::2', seg)), LINKTYPE.LINUX_SLL2],
    [nullLink(2, pkt4), LINKTYPE.NULL],
  ];
  for (const [b, lt] of frames) {
    for (let n = 0; n < b.length; n++) {
      const r = decodeFrame(b, 0, n, lt);
      assert.ok(!isFrame(r) || r.fit === 'truncated', `link ${lt} prefix ${n}`);
    }
  }
});

test('frame: random bytes never throw, on any link type', () => {
  let seed = 12345;
  const rnd = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) >>> 16;
  const types = [...Object.values(LINKTYPE), 7];
  for (let i = 0; i < 5000; i++) {
    const n = rnd() % 120;
    const b = new Uint8Array(n);
    for (let k = 0; k < n; k++) b[k] = rnd() & 0xff;
    // Make IP headers likely so the deeper decoders run too.
    if (n > 20 && i % 2) b[i % 3 === 0 ? 0 : 14] = i % 4 ? 0x45 : 0x60;
    for (const lt of types) decodeFrame(b, 0, n, lt);
  }
  assert.ok(true);
});

test.run();
