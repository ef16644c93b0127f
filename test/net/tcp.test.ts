import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cursor } from '../../lib/cursor.js';
import { decodeTcp, decodeUdp, tcpOptions } from '../../lib/net/tcp.js';
import { bytes, tcp, u16, u32, udp } from './build.js';

test('tcp: ports, absolute seq/ack, flags, window and the header length from the data offset', () => {
  const b = tcp(63875, 443, {
    seq: 2327361745,
    ack: 306717472,
    flags: 0x18,
    win: 33323,
    options: [1, 1, 8, 10, ...u32(1), ...u32(2)],
    payload: [0x16, 3, 1],
  });
  const c = Cursor.of(b);
  const t = decodeTcp(c)!;
  assert.equal([t.sport, t.dport, t.seq, t.ack, t.flags, t.win, t.headerLen], [63875, 443, 2327361745, 306717472, 0x18, 33323, 32]);
  assert.is(t.options!.length, 12);
  assert.is(c.pos, 32);
});

test('tcp: sequence numbers above 2^31 stay unsigned', () => {
  const t = decodeTcp(Cursor.of(tcp(1, 2, { seq: 0xfffffff0, ack: 0x80000000 })))!;
  assert.equal([t.seq, t.ack], [0xfffffff0, 0x80000000]);
});

test('tcp: the AE bit (formerly NS) is reported apart from the 8 classic flags', () => {
  const b = tcp(1, 2, { flags: 0x02 });
  b[12] = b[12]! | 0x01;
  const t = decodeTcp(Cursor.of(b))!;
  assert.equal([t.flags, t.ae], [0x02, true]);
});

test('tcp: a data offset below 5 is malformed; fewer than 20 bytes are short', () => {
  const bad = tcp(1, 2);
  bad[12] = 0x40;
  const c = Cursor.of(bad);
  assert.is(decodeTcp(c), undefined);
  assert.not.ok(c.short);
  const cut = Cursor.of(tcp(1, 2).subarray(0, 19));
  assert.is(decodeTcp(cut), undefined);
  assert.ok(cut.short);
});

test('tcp: options cut off by the capture are flagged, the header is still read', () => {
  const b = tcp(1, 2, { options: [2, 4, 5, 0xb4, 1, 3, 3, 7] });
  const t = decodeTcp(Cursor.of(b.subarray(0, 24)))!;
  assert.equal([t.headerLen, t.optionsTruncated, t.options], [28, true, undefined]);
});

test('tcp: options MSS, window scale, SACK permitted, SACK blocks and timestamps (RFC 9293 §3.2, RFC 7323, RFC 2018)', () => {
  const opts = bytes(
    [2, 4],
    u16(1460),
    [1, 3, 3, 7],
    [4, 2],
    [5, 18],
    u32(100),
    u32(200),
    u32(300),
    u32(400),
    [1, 1, 8, 10],
    u32(1852377212),
    u32(0),
    [0, 0],
  );
  assert.equal(tcpOptions(opts), [
    { kind: 2, mss: 1460 },
    { kind: 3, wscale: 7 },
    { kind: 4 },
    {
      kind: 5,
      blocks: [
        [100, 200],
        [300, 400],
      ],
    },
    { kind: 8, tsval: 1852377212, tsecr: 0 },
  ]);
});

test('tcp: an option running past the end, or a known one with the wrong length, is marked malformed', () => {
  const past = tcpOptions(new Uint8Array([2, 4, 5]));
  assert.is(past.length, 1);
  assert.equal(past[0], { kind: 2, data: new Uint8Array([5]), malformed: true });
  const wrong = tcpOptions(new Uint8Array([3, 4, 7, 7, 30, 3, 9]));
  assert.equal(wrong, [
    { kind: 3, data: new Uint8Array([7, 7]), malformed: true },
    { kind: 30, data: new Uint8Array([9]) },
  ]);
  assert.equal(tcpOptions(new Uint8Array([1, 0, 2, 4, 5, 0xb4])), []);
});

test('udp: ports and the length field', () => {
  const u = decodeUdp(Cursor.of(udp(53, 40000, [1, 2, 3])))!;
  assert.equal(u, { sport: 53, dport: 40000, length: 11 });
});

test.run();
