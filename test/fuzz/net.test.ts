// Property tests (fast-check) of lib/net: any bytes on any link type decode to a frame whose payload lies inside
// the captured bytes and whose wire length is at least what was captured, or to an error value, never an
// exception; and any IPv4/IPv6 TCP packet built from random fields decodes back to those fields.

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeFrame, isFrame } from '../../lib/net/frame.js';
import { LINKTYPE } from '../../lib/net/link.js';
import { tcpOptions } from '../../lib/net/tcp.js';
import { ether, ipv4, ipv6, sll2, tcp, v4, v6 } from '../net/build.js';
import { runs } from './support.js';

const LINKS = [...Object.values(LINKTYPE), 9999];

test('net: any bytes on any link type give a frame inside the buffer, or an error, never an exception', () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 200 }),
      fc.constantFrom(...LINKS),
      fc.nat(8),
      fc.nat(8),
      fc.option(fc.nat(300)),
      (body, link, pre, post, wire) => {
        // The frame sits inside a larger buffer, as in the text reader's frame buffer: nothing may be read outside.
        const buf = new Uint8Array(pre + body.length + post).fill(0x45);
        buf.set(body, pre);
        const end = pre + body.length;
        const r = decodeFrame(buf, pre, end, link, wire ?? Infinity);
        if (!isFrame(r)) {
          assert.type(r.error, 'string');
          return;
        }
        assert.ok(
          r.ipStart >= pre && r.payloadStart >= r.ipStart && r.payloadStart <= r.payloadEnd && r.payloadEnd <= end,
          'the payload lies inside the captured frame',
        );
        assert.ok(r.len >= r.payloadEnd - r.payloadStart, 'the wire length is at least what was captured');
        if (r.tcp) assert.ok(r.tcp.headerLen >= 20 && r.tcp.headerLen <= 60 && r.tcp.sport <= 65535 && r.tcp.seq <= 0xffffffff);
        if (r.truncated) assert.ok(r.fit === 'truncated');
      },
    ),
    { numRuns: runs(3000) },
  );
});

/** The 16 bytes of IPv6 text, the RFC 5952 §5 form `::ffff:a.b.c.d` included. */
function v6bytes(text: string): number[] {
  const dotted = /^(.*:)(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (!dotted) return v6(text);
  const q = dotted.slice(2).map(Number);
  return v6(`${dotted[1]}${((q[0]! << 8) | q[1]!).toString(16)}:${((q[2]! << 8) | q[3]!).toString(16)}`);
}

const ipv4Arb = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((a) => a.join('.'));
const ipv6Arb = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }).map((g) => g.map((x) => x.toString(16)).join(':'));

test('net: a TCP packet built from random fields (IPv4 or IPv6, Ethernet or SLL2, options, payload) decodes to those fields', () => {
  fc.assert(
    fc.property(
      fc.boolean(),
      fc.boolean(),
      ipv4Arb,
      ipv4Arb,
      ipv6Arb,
      ipv6Arb,
      fc.record({
        sport: fc.nat(65535),
        dport: fc.nat(65535),
        seq: fc.nat(0xffffffff),
        ack: fc.nat(0xffffffff),
        flags: fc.nat(255),
        win: fc.nat(65535),
      }),
      fc.nat(10).map((k) => new Array<number>(k * 4).fill(1)),
      fc.uint8Array({ maxLength: 300 }),
      (six, cooked, a4, b4, a6, b6, f, options, payload) => {
        const seg = tcp(f.sport, f.dport, { seq: f.seq, ack: f.ack, flags: f.flags, win: f.win, options, payload });
        const ip = six ? ipv6(a6, b6, seg) : ipv4(a4, b4, seg);
        const frame = cooked ? sll2(six ? 0x86dd : 0x0800, ip) : ether(six ? 0x86dd : 0x0800, ip);
        const r = decodeFrame(frame, 0, frame.length, cooked ? LINKTYPE.LINUX_SLL2 : LINKTYPE.ETHERNET);
        assert.ok(isFrame(r), `decodes (${isFrame(r) ? '' : r.message})`);
        if (!isFrame(r)) return;
        assert.equal(
          [r.tcp?.sport, r.tcp?.dport, r.tcp?.seq, r.tcp?.ack, r.tcp?.flags, r.tcp?.win],
          [f.sport, f.dport, f.seq, f.ack, f.flags, f.win],
        );
        assert.equal(Array.from(frame.subarray(r.payloadStart, r.payloadEnd)), Array.from(payload));
        assert.is(r.len, payload.length);
        assert.is(r.truncated, false);
        // Addresses come back as the same 4 or 16 bytes.
        assert.equal(six ? v6bytes(r.ip.src) : v4(r.ip.src), six ? v6(a6) : v4(a4));
        assert.equal(six ? v6bytes(r.ip.dst) : v4(r.ip.dst), six ? v6(b6) : v4(b4));
      },
    ),
    { numRuns: runs(1000) },
  );
});

test('net: TCP options of any bytes never throw and never read past their bytes', () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 40 }), (b) => {
      const opts = tcpOptions(b);
      let total = 0;
      for (const o of opts) if ('data' in o) total += o.data.length;
      assert.ok(total <= b.length);
    }),
    { numRuns: runs(2000) },
  );
});

test.run();
