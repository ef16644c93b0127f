// Property tests (fast-check) of stage 1's pure cores: hex lines read back exactly what tcpdump printed, whatever
// the bytes, offset and ASCII column; the line splitter gives the same lines in any chunking and never holds an
// overlong line; timestamps, summaries and link hints take any text without throwing; TextPackets turns any
// sequence of plausible and implausible lines into sane packets and well-formed events.

import fc from 'fast-check';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Event, Packet } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { HexCursor, parseBareHex, parseHexGroups, parseHexOffset } from '../../lib/text/hex.js';
import { TextPackets } from '../../lib/text/index.js';
import { LineSplitter, type LineSink } from '../../lib/text/lines.js';
import { parseStamp, Stamp } from '../../lib/text/stamp.js';
import { findEndpoints, linkHint, parseSummary } from '../../lib/text/summary.js';
import { checkEvents, runs } from './support.js';

/** A hex line as tcpdump 4.99 prints it (print-ascii.c): groups, then with -X the ASCII column after padding. */
function tcpdumpHexLine(offset: number, bytes: Uint8Array, ascii: boolean, indent: string): string {
  const groups: string[] = [];
  for (let i = 0; i < bytes.length; i += 2) groups.push(Buffer.from(bytes.subarray(i, i + 2)).toString('hex'));
  let s = `${indent}0x${offset.toString(16).padStart(4, '0')}:  ${groups.join(' ')}`;
  if (ascii)
    s =
      s.padEnd(indent.length + offset.toString(16).padStart(4, '0').length + 5 + 39) +
      '  ' +
      Array.from(bytes, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
  return s;
}

/** Bytes that print as hex digits in the ASCII column half the time, to tempt the reader. */
const lineBytes = fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: 16 }),
  fc.array(fc.constantFrom(...Buffer.from('0123456789abcdefABCDEF ')), { minLength: 1, maxLength: 16 }).map((a) => Uint8Array.from(a)),
);

test('text: any 1..16 bytes at any offset, printed as tcpdump prints them (-x or -X, tab or spaces), read back exactly', () => {
  fc.assert(
    fc.property(lineBytes, fc.nat(0xffffff), fc.boolean(), fc.constantFrom('\t', '        ', ''), (bytes, offset, ascii, indent) => {
      const line = Buffer.from(tcpdumpHexLine(offset, bytes, ascii, indent), 'latin1');
      const p = indent.length;
      const hc = new HexCursor();
      assert.ok(parseHexOffset(line, p, line.length, hc), 'the offset parses');
      assert.is(hc.offset, offset);
      const dst = new Uint8Array(32);
      const n = parseHexGroups(line, hc.pos, line.length, dst, 0, 8 - hc.skippedGroups);
      assert.is(n, bytes.length);
      assert.equal(Array.from(dst.subarray(0, n)), Array.from(bytes));
    }),
    { numRuns: runs(1000) },
  );
});

test('text: any text after an offset is read as at most 16 bytes and never past the line', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 80 }), fc.uint8Array({ maxLength: 80 }), (s, junk) => {
      for (const line of [Buffer.from(`0x0010:  ${s}`, 'latin1'), Buffer.concat([Buffer.from('0x0000:  '), junk])]) {
        const hc = new HexCursor();
        if (!parseHexOffset(line, 0, line.length, hc)) continue;
        const dst = new Uint8Array(48).fill(0xee);
        const n = parseHexGroups(line, hc.pos, line.length, dst, 8, 8 - hc.skippedGroups);
        assert.ok(n >= -1 && n <= 16, `parseHexGroups gave ${n}`);
        assert.ok(
          dst.subarray(0, 8).every((b) => b === 0xee) && dst.subarray(8 + Math.max(n, 0)).every((b) => b === 0xee),
          'nothing written outside the bytes it reports',
        );
        const m = parseBareHex(line, hc.pos, line.length, dst, 8);
        assert.ok(m >= -1 && m <= 16);
      }
    }),
    { numRuns: runs(1000) },
  );
});

/** What a LineSplitter must give: each line without its '\n' and one trailing '\r', or its length when overlong. */
function referenceLines(input: Buffer, max: number): string[] {
  const out: string[] = [];
  const parts = input.toString('latin1').split('\n');
  if (parts[parts.length - 1] === '') parts.pop();
  for (let l of parts) {
    if (l.endsWith('\r')) l = l.slice(0, -1);
    out.push(l.length > max ? `overlong ${l.length}` : `line ${l}`);
  }
  return out;
}

test('text: the line splitter gives the same lines in any chunking, and never holds more than the limit of a long line', () => {
  const line = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ maxLength: 200 }), fc.constantFrom('', '\r', 'x\r', '\r\r'));
  fc.assert(
    fc.property(
      fc.array(line, { maxLength: 30 }),
      fc.boolean(),
      fc.integer({ min: 1, max: 64 }),
      fc.array(fc.integer({ min: 1, max: 50 }), { minLength: 1, maxLength: 20 }),
      (lines, lastNl, max, cuts) => {
        const input = Buffer.from(lines.join('\n') + (lastNl && lines.length ? '\n' : ''), 'latin1');
        const got: string[] = [];
        const sink: LineSink = {
          line: (b, s, e) => got.push(`line ${Buffer.from(b.subarray(s, e)).toString('latin1')}`),
          overlong: (n) => got.push(`overlong ${n}`),
        };
        const ls = new LineSplitter(max, sink);
        let at = 0;
        for (let i = 0; at < input.length; i++) {
          const n = cuts[i % cuts.length]!;
          // Plain Uint8Array chunks half the time: the core takes any Uint8Array, not only Buffers.
          const chunk = i % 2 ? input.subarray(at, at + n) : new Uint8Array(input.subarray(at, at + n));
          ls.push(chunk);
          at += n;
          assert.ok((ls as unknown as { carry: Uint8Array }).carry.length <= max + 1, 'the carried line never grows past the limit');
        }
        ls.end();
        assert.equal(got, referenceLines(input, max));
      },
    ),
    { numRuns: runs(1000) },
  );
});

test('text: timestamps, summaries, endpoints and link hints take any text without throwing, and ports stay ports', () => {
  const word = fc.constantFrom(
    'IP',
    'IP6',
    '>',
    ':',
    'Flags',
    '[S.],',
    'seq',
    'ack',
    'win',
    'length',
    '10.0.0.1.443',
    '1.2.3.4.https',
    '::1.80',
    'fe80::1.22',
    '2001:db8::1.443:',
    '__proto__',
    'constructor',
    'toString',
    '1.2.3.4.__proto__',
    '1.2.3.4.constructor:',
    'udp',
    'P',
    '1:143(142)',
    '12:00:00.000001',
    '1357328848.512314',
    '2013-01-04',
    'ethertype',
    'IPv4',
    'In',
    'Out',
    'ip:',
    'AF',
    '00:11:22:33:44:55',
  );
  const text = fc.oneof(
    fc.string({ maxLength: 200 }),
    fc.array(word, { maxLength: 30 }).map((w) => w.join(' ')),
    fc.array(word, { maxLength: 30 }).map((w) => w.join('')),
  );
  fc.assert(
    fc.property(text, (s) => {
      const b = Buffer.from(s, 'latin1');
      const st = new Stamp();
      const body = parseStamp(b, 0, b.length, st);
      assert.ok(body >= -1 && body <= b.length);
      linkHint(b, 0, b.length);
      findEndpoints(s);
      const sum = parseSummary(s);
      if (sum) {
        for (const p of [sum.sport, sum.dport]) assert.ok(p === undefined || (Number.isInteger(p) && p >= 0 && p <= 65535), `port ${String(p)}`);
        assert.ok(Number.isFinite(sum.len) && sum.len >= 0);
      }
    }),
    { numRuns: runs(2000) },
  );
});

test('text: TextPackets turns any mix of summary, hex and junk lines into sane packets and well-formed events', () => {
  const hexish = fc
    .tuple(fc.nat(0x200), fc.uint8Array({ minLength: 0, maxLength: 16 }), fc.boolean())
    .map(([o, b, a]) => tcpdumpHexLine(o * 16, b, a, '\t'));
  const ipHead = fc
    .tuple(fc.nat(4), fc.uint8Array({ minLength: 12, maxLength: 12 }))
    .map(([k, rest]) => tcpdumpHexLine(0, Uint8Array.from([0x45, 0, 0, 40 + k, ...rest.subarray(0, 12)]), false, '\t'));
  const summary = fc
    .tuple(
      fc.nat(86399),
      fc.nat(999999),
      fc.nat(255),
      fc.nat(70000),
      fc.constantFrom('S', 'S.', 'P.', 'F.', 'R', '.'),
      fc.nat(2 ** 32 - 1),
      fc.nat(3000),
    )
    .map(
      ([t, us, h, port, f, seq, len]) =>
        `${String(Math.floor(t / 3600)).padStart(2, '0')}:${String(Math.floor(t / 60) % 60).padStart(2, '0')}:${String(t % 60).padStart(2, '0')}.${String(us).padStart(6, '0')} IP 10.0.0.${h}.${port} > 10.0.0.2.443: Flags [${f}], seq ${seq}:${seq + len}, ack 1, win 1, length ${len}`,
    );
  const junk = fc.oneof(
    fc.string({ maxLength: 100 }),
    fc.uint8Array({ maxLength: 100 }).map((b) => Buffer.from(b).toString('latin1')),
  );
  fc.assert(
    fc.property(fc.array(fc.oneof(summary, hexish, ipHead, junk), { maxLength: 60 }), (lines) => {
      const text = Buffer.from(lines.join('\n'), 'latin1');
      const packets: Packet[] = [];
      const events: Event[] = [];
      const opts = defaultOptions();
      const tp = new TextPackets(
        opts,
        (p) => packets.push(p),
        (e) => events.push(e),
      );
      const ls = new LineSplitter(opts.maxLineBytes, tp);
      ls.push(text);
      ls.end();
      tp.end();
      const n = text.toString('latin1').split('\n').length;
      for (const p of packets) {
        assert.ok(p.line! >= 1 && p.line! <= n);
        assert.ok(p.payload.length <= p.len, 'captured bytes never exceed the wire length');
        assert.ok(p.sport >= 0 && p.sport <= 65535 && p.dport >= 0 && p.dport <= 65535);
        assert.ok(p.seq >= 0 && p.seq <= 0xffffffff && p.ack >= 0 && p.ack <= 0xffffffff);
      }
      const bad = checkEvents(events, { lines: n });
      assert.is(bad, undefined, bad);
    }),
    { numRuns: runs(500) },
  );
});

test.run();
