// Regression tests for what the fuzzers of test/fuzz found: each test is the smallest input that showed the bug,
// named after the behaviour that is now right.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Event, FlowItem } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { createDecoder, decodeAll } from '../../lib/pipeline.js';
import { LineSplitter } from '../../lib/text/lines.js';
import { parseSummary } from '../../lib/text/summary.js';
import { TlsDecoder } from '../../lib/tls/index.js';
import { MAX_ALERTS } from '../../lib/session/index.js';
import { decodeMessage } from '../../lib/tls/handshake.js';
import { cat, hexLines, message, packetText, records, TextConn, u16, u24 } from './build.js';
import { ALL_EVENTS, checkEvents, codesOf, lineCount } from './support.js';

test('regression: a summary whose port is `constructor`, `__proto__` or `toString` is not a summary (no Object.prototype member leaks into a packet)', () => {
  for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
    assert.is(parseSummary(`IP 10.0.0.1.${name} > 10.0.0.2.443: Flags [S], seq 1, win 1, length 0`), undefined, name);
  }
  // Known service names still work.
  assert.is(parseSummary('IP 10.0.0.1.40000 > 10.0.0.2.https: Flags [S], seq 1, win 1, length 0')?.dport, 443);
  const text =
    '12:00:00.000001 IP 10.0.0.1.constructor > 10.0.0.2.443: Flags [S], seq 1, win 100, length 0\n12:00:00.000002 IP 10.0.0.1.__proto__ > 10.0.0.2.toString: Flags [P.], seq 1:10, ack 1, win 100, length 9\n';
  const events = decodeAll(text, ALL_EVENTS);
  assert.is(checkEvents(events, { lines: 2 }), undefined);
  const json = JSON.stringify(events);
  assert.not.ok(/native code|\[object Object\]|"sport":\{/.test(json), json);
});

test('regression: the decoder core takes plain Uint8Array chunks that end inside a line (it called Buffer.copy on them)', () => {
  const text = new TextEncoder().encode(packetText(1, '10.0.0.1', 40000, '10.0.0.2', 443, 1, 0, 2, new Uint8Array(0)) + '\n');
  const whole: Event[] = [];
  const d1 = createDecoder(ALL_EVENTS, (e) => whole.push(e));
  d1.push(Buffer.from(text));
  d1.end();
  const parts: Event[] = [];
  const d2 = createDecoder(ALL_EVENTS, (e) => parts.push(e));
  for (let i = 0; i < text.length; i += 7) d2.push(new Uint8Array(text.subarray(i, i + 7)));
  d2.end();
  assert.equal(parts, whole);
  assert.ok(whole.some((e) => e.type === 'packet'));
});

test('regression: an overlong line ending in CRLF has the same length whatever the chunking', () => {
  const line = 'A'.repeat(100) + '\r\n';
  const seen = (chunk: number): number[] => {
    const lens: number[] = [];
    const ls = new LineSplitter(10, { line: () => {}, overlong: (n) => lens.push(n) });
    const b = Buffer.from(line + line);
    for (let i = 0; i < b.length; i += chunk) ls.push(b.subarray(i, i + chunk));
    ls.end();
    return lens;
  };
  for (const chunk of [1, 2, 3, 7, 50, 101, 102, 1000]) assert.equal(seen(chunk), [100, 100], `chunks of ${chunk}`);
});

test('regression: hex with no summary line whose bytes are no IP packet on any link type gives input.undecodable at its line', () => {
  const good = packetText(1, '10.0.0.1', 40000, '10.0.0.2', 443, 1, 0, 2, new Uint8Array(0));
  // After real packets the link type is known (raw IP): a stray block of other bytes used to vanish quietly.
  const stray = hexLines(Uint8Array.from({ length: 48 }, (_, i) => (i * 37 + 3) & 0x3f));
  const text = `${good}\n${stray.join('\n')}\n${good.replace('12:00:00.000137', '12:00:01.000000')}\n`;
  const events = decodeAll(text, ALL_EVENTS);
  const strayLine = good.split('\n').length + 1;
  assert.ok(
    events.some((e) => e.type === 'anomaly' && e.code === 'input.undecodable' && e.line === strayLine),
    JSON.stringify(codesOf(events)),
  );
  // A summary that says IP over bytes that are not IP is reported too (it returned quietly on `not_ip`).
  const lied = good.split('\n')[0] + '\n' + stray.join('\n') + '\n';
  const ev2 = decodeAll(lied, ALL_EVENTS);
  assert.ok(
    ev2.some((e) => e.type === 'anomaly' && e.code === 'input.undecodable' && e.line === 1),
    JSON.stringify(codesOf(ev2)),
  );
  // Hex of a known non-IP protocol (ARP) with no summary is still no concern.
  const arp = hexLines(
    Uint8Array.from([
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1, 0, 0x20, 0xd2, 0x5a, 0xfb, 0x3f, 0xac, 0x15, 0x4f, 0x61, 0, 0, 0, 0,
      0, 0, 0xac, 0x15, 0x4f, 0x64,
    ]),
  );
  const ev3 = decodeAll(arp.join('\n') + '\n', ALL_EVENTS);
  assert.equal(
    codesOf(ev3).filter((c) => c !== 'input.no_hex'),
    [],
  );
});

test('regression: an alert record cut inside its two bytes (by a gap or the end) gives no tls.alert and does not throw', () => {
  for (const cut of [5, 6]) {
    const record = Uint8Array.from([21, 3, 3, 0, 2, 2, 40]).subarray(0, cut);
    for (const how of ['end', 'gap'] as const) {
      const items: FlowItem[] = [
        { kind: 'open', flow: 0, client: 'c:1', server: 's:2', line: 1 },
        { kind: 'data', flow: 0, dir: 's2c', bytes: record, afterGap: false, line: 2 },
      ];
      if (how === 'gap') items.push({ kind: 'data', flow: 0, dir: 's2c', bytes: Uint8Array.from([21, 3, 3, 0, 2, 2, 40]), afterGap: true, line: 3 });
      items.push({ kind: 'close', flow: 0, client: 'c:1', server: 's:2', end: 'fin', bytes: { c2s: 0, s2c: 0 }, gaps: 0, line: 4 });
      const events: Event[] = [];
      const d = new TlsDecoder(defaultOptions(), (e) => events.push(e));
      for (const it of items) d.push(it);
      d.end();
      const alerts = events.filter((e) => e.type === 'tls.alert');
      const cutRecord = events.find((e) => e.type === 'tls.record' && e.truncated === true);
      assert.ok(cutRecord, `the cut record is reported truncated (${how}, ${cut} bytes)`);
      // After a gap, the next whole alert is decoded; the cut one gives none.
      assert.equal(
        alerts.map((a) => a.description),
        how === 'gap' ? ['handshake_failure'] : [],
      );
    }
  }
});

test('regression: the same cut alert at the end of real text through the whole pipeline', () => {
  const syn = packetText(1, '10.0.0.1', 40000, '10.0.0.2', 443, 1000, 0, 2, new Uint8Array(0));
  const alert = packetText(1.1, '10.0.0.2', 443, '10.0.0.1', 40000, 500, 1001, 0x18, Uint8Array.from([21, 3, 3, 0, 2, 2]));
  const text = `${syn}\n${alert}\n`;
  const events = decodeAll(text, ALL_EVENTS);
  assert.is(checkEvents(events, { lines: lineCount(Buffer.from(text)) }), undefined);
});

test('regression: a flood of alert records keeps a tls.session of bounded size, with the first fatal alert and the last close_notify', () => {
  const alert = (level: number, desc: number): number[] => [21, 3, 3, 0, 2, level, desc];
  const flood: number[] = [];
  flood.push(...alert(1, 90)); // user_canceled, a warning
  for (let i = 0; i < 40; i++) flood.push(...alert(1, 100));
  flood.push(...alert(2, 40)); // the fatal one, in the middle
  for (let i = 0; i < 3000; i++) flood.push(...alert(1, 100));
  flood.push(...alert(1, 0)); // close_notify, last
  const text = new TextConn()
    .handshake()
    .send('s2c', records(22, message(2, Uint8Array.from([3, 3, ...new Array(32).fill(1), 0, 0xc0, 0x2f, 0]))))
    .send('s2c', Uint8Array.from(flood))
    .fin()
    .text();
  const events = decodeAll(text, defaultOptions());
  const session = events.find((e) => e.type === 'tls.session')!;
  const alerts = session.alerts as { level?: string; description?: string }[];
  assert.ok(alerts.length <= MAX_ALERTS, `${alerts.length} alerts kept`);
  assert.is(session.alerts_omitted, 3043 - alerts.length);
  assert.ok(
    alerts.some((a) => a.level === 'fatal' && a.description === 'handshake_failure'),
    'the first fatal alert is kept',
  );
  assert.equal(alerts[alerts.length - 1], { dir: 's2c', level: 'warning', description: 'close_notify' });
  assert.is(alerts[0]!.description, 'user_canceled');
  assert.ok(JSON.stringify(session).length < 20_000, 'the session line stays small');
  assert.is(events.filter((e) => e.type === 'tls.alert').length, 3043, 'every alert is still its own tls.alert event');
});

test('regression: TLS 1.3 certificate entries past --max-certs are counted, their extensions not decoded', () => {
  const entry = cat(u24(1), [0x30], u16(4), u16(18), u16(0)); // a 1-byte "certificate" with an empty SCT extension
  const n = 3000;
  const list = cat(...Array.from({ length: n }, () => entry));
  const body = cat([0], u24(list.length), list);
  const r = decodeMessage(11, body, body.length, { version: 0x0304, maxCerts: 4 });
  assert.is((r.fields.cert_ders as unknown[]).length, 4);
  assert.is(r.fields.certs_omitted, n - 4);
  assert.is((r.fields.cert_extensions as unknown[]).length, 4, 'extension lists only for the certificates decoded');
  assert.ok(r.complete);
});

test('regression: hex text that ends after a packet summary (or inside it) gives input.truncated at that packet', () => {
  const first = packetText(1, '10.0.0.1', 40000, '10.0.0.2', 443, 1000, 0, 2, new Uint8Array(0));
  const second = packetText(2, '10.0.0.2', 443, '10.0.0.1', 40000, 500, 1001, 0x12, new Uint8Array(0));
  const summary = second.split('\n')[0]!;
  for (const cut of [summary.length, 40, 20]) {
    const text = `${first}\n${summary.slice(0, cut)}`;
    const events = decodeAll(text, ALL_EVENTS);
    assert.ok(
      events.some((e) => e.type === 'anomaly' && e.code === 'input.truncated' && e.line === first.split('\n').length + 1),
      `cut at ${cut}: ${JSON.stringify(codesOf(events))}`,
    );
  }
  // Text with no hex at all (summaries only) is not cut: no such anomaly.
  assert.not.ok(codesOf(decodeAll(`${first.split('\n')[0]}\n${summary}\n`, ALL_EVENTS)).includes('input.truncated'));
});

test('regression: an Ethernet frame cut inside its TCP header, under a summary that says TCP, is reported (it read as a raw-IP fragment and vanished)', () => {
  // tcpdump -XX of a SYN, cut after 48 of its 74 bytes: as raw IP these bytes look like a later fragment of protocol 59.
  const text = [
    '1795775254.893847 IP 10.99.0.1.58274 > 10.99.0.2.4438: Flags [S], seq 3950588684, win 64240, options [mss 1460,sackOK,TS val 3240962562 ecr 0,nop,wscale 10], length 0',
    '\t0x0000:  4a67 e3a8 217b ae62 3bb5 d489 0800 4500  Jg..!{.b;.....E.',
    '\t0x0010:  003c a240 4000 4006 83b3 0a63 0001 0a63  .<.@@.@....c...c',
    '\t0x0020:  0002 e3a2 1156 eb79 330c 0000 0000 a002  .....V.y3.......',
  ].join('\n');
  const events = decodeAll(text, ALL_EVENTS);
  assert.equal(
    events.map((e) => [e.type, e.code, e.line]),
    [['anomaly', 'input.undecodable', 1]],
  );
});

test.run();
