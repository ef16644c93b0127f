import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Cursor } from '../../lib/cursor.js';
import { decodeLink, LINKTYPE } from '../../lib/net/link.js';
import { bytes, ether, ipv4, ipv6, nullLink, pppoe, sll, sll2, tcp, u16, u32 } from './build.js';

const ip4 = ipv4('10.0.0.1', '10.0.0.2', tcp(1, 2));
const ip6 = ipv6('2001:db8::1', '2001:db8::2', tcp(1, 2));

function link(b: Uint8Array, lt: number) {
  const c = Cursor.of(b);
  const l = decodeLink(c, lt);
  return { l, pos: c.pos, short: c.short };
}

test('link: Ethernet II gives the EtherType and a 14-byte header', () => {
  const { l, pos } = link(ether(0x0800, ip4), LINKTYPE.ETHERNET);
  assert.equal(l, { linkType: 1, headerLen: 14, etherType: 0x0800 });
  assert.is(pos, 14);
});

test('link: 802.1Q and 802.1ad (QinQ) tags are followed, outermost VLAN first', () => {
  const one = link(ether(0x86dd, ip6, [[0x8100, 0x2032]]), LINKTYPE.ETHERNET).l!;
  assert.equal([one.headerLen, one.etherType, one.vlans], [18, 0x86dd, [50]]);
  const two = link(
    ether(0x0800, ip4, [
      [0x88a8, 93],
      [0x8100, 258],
    ]),
    LINKTYPE.ETHERNET,
  ).l!;
  assert.equal([two.headerLen, two.etherType, two.vlans], [22, 0x0800, [93, 258]]);
  const old = link(
    ether(0x0800, ip4, [
      [0x9100, 7],
      [0x8100, 8],
    ]),
    LINKTYPE.ETHERNET,
  ).l!;
  assert.equal(old.vlans, [7, 8]);
});

test('link: 802.3 with LLC/SNAP carries an EtherType; other LLC is not IP', () => {
  const snap = bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], u16(8 + ip4.length), [0xaa, 0xaa, 0x03, 0, 0, 0], u16(0x0800), ip4);
  assert.equal(link(snap, LINKTYPE.ETHERNET).l, { linkType: 1, headerLen: 22, etherType: 0x0800 });
  const stp = bytes([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], u16(38), [0x42, 0x42, 0x03], new Uint8Array(35));
  assert.is(link(stp, LINKTYPE.ETHERNET).l!.etherType, 0);
});

test('link: a PPPoE session gives the PPP protocol as IP and the length it announces', () => {
  const l = link(ether(0x8864, pppoe(0x0021, ip4)), LINKTYPE.ETHERNET).l!;
  assert.equal([l.headerLen, l.etherType, l.pppoe, l.payloadLen], [22, 0x0800, true, ip4.length]);
  const v6 = link(ether(0x8864, pppoe(0x0057, ip6)), LINKTYPE.ETHERNET).l!;
  assert.is(v6.etherType, 0x86dd);
  const bare = link(pppoe(0x0021, ip4), LINKTYPE.PPP_ETHER).l!;
  assert.equal([bare.headerLen, bare.etherType], [8, 0x0800]);
});

test('link: MPLS labels are skipped to the bottom of the stack, then IP by its version', () => {
  const b = ether(0x8847, bytes(u32(0x00001040), u32(0x00002140), ip6));
  assert.equal(link(b, LINKTYPE.ETHERNET).l, { linkType: 1, headerLen: 22, etherType: 0x86dd });
});

test('link: Linux cooked v1 and v2 headers are 16 and 20 bytes', () => {
  assert.equal(link(sll(0x0800, ip4), LINKTYPE.LINUX_SLL).l, { linkType: 113, headerLen: 16, etherType: 0x0800 });
  assert.equal(link(sll2(0x86dd, ip6), LINKTYPE.LINUX_SLL2).l, { linkType: 276, headerLen: 20, etherType: 0x86dd });
});

test('link: BSD null is host byte order, loop is network order; AF_INET6 differs by OS', () => {
  assert.is(link(nullLink(2, ip4), LINKTYPE.NULL).l!.etherType, 0x0800);
  for (const af of [24, 28, 30, 10]) assert.is(link(nullLink(af, ip6), LINKTYPE.NULL).l!.etherType, 0x86dd, `AF ${af}`);
  assert.is(link(nullLink(2, ip4, true), LINKTYPE.LOOP).l!.etherType, 0x0800);
  assert.is(link(nullLink(30, ip6, true), LINKTYPE.NULL).l!.etherType, 0x86dd);
  assert.is(link(nullLink(99, ip4), LINKTYPE.NULL).l!.etherType, 0);
});

test('link: raw IP is told by the version nibble', () => {
  assert.equal(link(ip4, LINKTYPE.RAW).l, { linkType: 101, headerLen: 0, etherType: 0x0800 });
  assert.is(link(ip6, LINKTYPE.RAW).l!.etherType, 0x86dd);
  assert.is(link(ip6, LINKTYPE.IPV6).l!.etherType, 0x86dd);
});

test('link: a header cut short gives undefined with the cursor marked short, never a throw', () => {
  const frames: [Uint8Array, number][] = [
    [ether(0x0800, ip4, [[0x8100, 1]]), LINKTYPE.ETHERNET],
    [ether(0x8864, pppoe(0x21, ip4)), LINKTYPE.ETHERNET],
    [sll(0x0800, ip4), LINKTYPE.LINUX_SLL],
    [sll2(0x0800, ip4), LINKTYPE.LINUX_SLL2],
    [nullLink(2, ip4), LINKTYPE.NULL],
  ];
  for (const [f, lt] of frames) {
    const full = link(f, lt).l!;
    for (let n = 0; n < full.headerLen; n++) {
      const r = link(f.subarray(0, n), lt);
      assert.is(r.l, undefined, `type ${lt} cut at ${n}`);
      assert.ok(r.short, `type ${lt} cut at ${n} is short`);
    }
  }
  assert.is(decodeLink(Cursor.of(ip4), 12345), undefined);
});

test.run();
