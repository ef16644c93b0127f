import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cursor } from '../../lib/cursor.js';
import { ipv6Text } from '../../lib/net/addr.js';
import { decodeIp } from '../../lib/net/ip.js';
import { bytes, ext, ipv4, ipv6, tcp, u16, u32, v6 } from './build.js';

test('ip: IPv4 header fields, and the cursor at the transport header', () => {
  const b = ipv4('192.168.0.47', '17.188.17.120', tcp(1, 2), { id: 0x1234 });
  const c = Cursor.of(b);
  const ip = decodeIp(c)!;
  assert.equal(
    [ip.version, ip.src, ip.dst, ip.proto, ip.headerLen, ip.totalLen, ip.ttl, ip.id, ip.dontFragment, ip.fragOffset, ip.moreFragments],
    [4, '192.168.0.47', '17.188.17.120', 6, 20, 40, 64, 0x1234, true, 0, false],
  );
  assert.is(c.pos, 20);
});

test('ip: IPv4 options are kept raw and the header length includes them (RFC 791)', () => {
  const opts = [0x94, 0x04, 0x00, 0x00]; // Router Alert
  const b = ipv4('10.0.0.1', '10.0.0.2', tcp(1, 2), { options: opts });
  const ip = decodeIp(Cursor.of(b))!;
  assert.is(ip.headerLen, 24);
  assert.equal([...ip.options!], opts);
});

test('ip: IPv4 fragments carry their offset in bytes and the MF flag', () => {
  const first = decodeIp(Cursor.of(ipv4('10.0.0.1', '10.0.0.2', tcp(1, 2), { more: true })))!;
  assert.equal([first.fragOffset, first.moreFragments], [0, true]);
  const later = decodeIp(Cursor.of(ipv4('10.0.0.1', '10.0.0.2', new Uint8Array(16), { fragOffset: 1480 })))!;
  assert.equal([later.fragOffset, later.moreFragments], [1480, false]);
});

test('ip: an IPv4 header that cannot be right is undefined without the short flag', () => {
  for (const bad of [
    bytes([0x44], new Uint8Array(39)), // IHL 4
    bytes([0x45, 0], u16(10), new Uint8Array(36)), // total length below the header
    bytes([0x55], new Uint8Array(39)), // version 5
  ]) {
    const c = Cursor.of(bad);
    assert.is(decodeIp(c), undefined);
    assert.not.ok(c.short);
  }
  const cut = Cursor.of(ipv4('10.0.0.1', '10.0.0.2', tcp(1, 2)).subarray(0, 19));
  assert.is(decodeIp(cut), undefined);
  assert.ok(cut.short);
});

test('ip: IPv4 total length 0 (TCP segmentation offload) is kept as 0: the captured bytes are the packet', () => {
  const ip = decodeIp(Cursor.of(ipv4('10.0.0.1', '10.0.0.2', tcp(1, 2), { totalLen: 0 })))!;
  assert.is(ip.totalLen, 0);
});

test('ip: IPv6 extension headers (hop-by-hop, routing, destination options, fragment, AH) are passed to TCP', () => {
  const frag = [6, 0, ...u16((185 << 3) | 1), ...u32(0xabcdef)];
  const ah = [44, 4, 0, 0, ...u32(0x100), ...u32(1), ...new Array<number>(12).fill(0)];
  const chain = bytes(ext(43), ext(60, [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]), ext(51), ah, frag, tcp(443, 5000));
  const c = Cursor.of(ipv6('2001:db8::1', '2001:db8::2', chain, 0));
  const ip = decodeIp(c)!;
  assert.equal(ip.extHeaders, [0, 43, 60, 51, 44]);
  assert.equal([ip.proto, ip.fragOffset, ip.moreFragments, ip.id], [6, 1480, true, 0xabcdef]);
  assert.is(ip.headerLen, 40 + 8 + 16 + 8 + 24 + 8);
  assert.is(c.pos, ip.headerLen);
  assert.is(ip.totalLen, 40 + chain.length);
});

test('ip: an IPv6 jumbogram takes its length from the Jumbo Payload option (RFC 2675)', () => {
  const hbh = [6, 0, 0xc2, 4, ...u32(70000)];
  const ip = decodeIp(Cursor.of(ipv6('::1', '::2', bytes(hbh, tcp(1, 2)), 0, 0)))!;
  assert.is(ip.totalLen, 40 + 70000);
});

test('ip: an IPv6 extension header cut short is undefined and short', () => {
  const b = ipv6('::1', '::2', bytes(ext(6, new Array<number>(14).fill(0)), tcp(1, 2)), 0);
  const c = Cursor.of(b.subarray(0, 50));
  assert.is(decodeIp(c), undefined);
  assert.ok(c.short);
});

test('ip: IPv6 text follows RFC 5952 (longest zero run, first on a tie, lower case, IPv4-mapped)', () => {
  const cases: [string, string][] = [
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:0db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['fe80:0:0:0:0:0:0:0', 'fe80::'],
    ['2001:DB8:0:0:8:800:200C:417A', '2001:db8::8:800:200c:417a'],
    ['2001:db8:0:0:1:0:0:0', '2001:db8:0:0:1::'],
    ['0:0:0:0:0:ffff:c000:0280', '::ffff:192.0.2.128'],
  ];
  for (const [full, want] of cases) assert.is(ipv6Text(new Uint8Array(v6(full)), 0), want, full);
});

test.run();
