// The whole pipeline on capture files: createDecoder tells pcap, pcapng and text apart by their first bytes, and
// the same capture as pcap, as pcapng and as `tcpdump -nn -XX -tt` text gives the same events apart from
// line/frame/ts (and the line or frame numbers quoted in messages).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { EVENT_TYPES, type Event } from '../../lib/events.js';
import { defaultOptions, type Options } from '../../lib/options.js';
import { createDecoder, decodeAll } from '../../lib/pipeline.js';
import { CAPTURES, FIXTURES, ROOT, haveShared, haveTool, testIf } from '../support/shared.js';
import { ether, ipv4, tcp } from '../net/build.js';
import { feed, pcapFile } from './build.js';
import { captureFiles, editcap, xxText } from './support.js';

const ALL = defaultOptions({ events: new Set(EVENT_TYPES) });

/** Where an event sits in its input (line or frame numbers, stamps): left out to compare inputs of different kinds. */
const POSITION = /\b(line|frame) \d+|\d{4}-\d\d-\d\dT[\d:.]+Z|\b\d\d:\d\d:\d\d\.\d+/g;

function shape(events: Event[]): string[] {
  return events.map((e) => {
    const c: Record<string, unknown> = { ...e };
    delete c.line;
    delete c.frame;
    delete c.ts;
    // the pcap and text stages explain a cut packet in their own words
    if (c.type === 'anomaly' && c.code === 'input.truncated') delete c.message;
    return JSON.stringify(c).replace(POSITION, '#');
  });
}

function decodeChunked(input: Uint8Array, chunk: number, options: Readonly<Options> = ALL): Event[] {
  const events: Event[] = [];
  feed(
    createDecoder(options, (e) => events.push(e)),
    input,
    chunk,
  );
  return events;
}

const seg = tcp(50000, 443, { seq: 7, flags: 0x02 });
const syn = pcapFile([{ sec: 1795774502, frac: 1, data: ether(0x0800, ipv4('10.1.1.1', '10.2.2.2', seg)) }]);

test('pipeline: a pcap is told from text by its magic bytes, however the input is chunked', () => {
  const opts = defaultOptions({ events: new Set(['packet', 'anomaly']) });
  for (const chunk of [0, 1, 2, 3, 5, 11, 12, 13]) {
    const evs = decodeChunked(syn, chunk, opts);
    assert.equal(
      evs.map((e) => [e.type, e.frame, e.ts, e.src, e.flags]),
      [['packet', 1, '2026-11-27T10:15:02.000001Z', '10.1.1.1', 'S']],
      `chunks of ${chunk}`,
    );
  }
});

test('pipeline: text input still goes to the text stage, and an input shorter than the sniff length is text', () => {
  const line = '1795774502.000001 IP 10.1.1.1.50000 > 10.2.2.2.443: Flags [S], seq 7, win 1024, length 0\n';
  const evs = decodeAll(line, defaultOptions({ events: new Set(['packet']) }));
  assert.equal(
    evs.map((e) => [e.line, e.frame, e.ts]),
    [[1, undefined, '2026-11-27T10:15:02.000001Z']],
  );
  // a blank line is shorter than the sniff length: the text stage reads it (and says there is no hex)
  assert.equal(
    decodeAll('\n', ALL).map((e) => [e.code, e.line]),
    [['input.no_hex', 1]],
  );
  assert.equal(decodeAll('', ALL), []);
});

test('pipeline: --input pcap forces the capture stage (text then gives pcap.malformed); --input text forces text', () => {
  const line = '1795774502.000001 IP 10.1.1.1.50000 > 10.2.2.2.443: Flags [S], seq 7, win 1024, length 0\n';
  const forcedPcap = decodeAll(line, defaultOptions({ events: new Set(EVENT_TYPES), input: 'pcap' }));
  assert.equal(
    forcedPcap.map((e) => e.code),
    ['pcap.malformed'],
  );
  const forcedText = decodeAll(syn, defaultOptions({ events: new Set(EVENT_TYPES), input: 'text' }));
  assert.ok(
    forcedText.every((e) => e.type === 'anomaly' && e.line !== undefined),
    JSON.stringify(forcedText),
  );
  assert.ok(forcedText.length > 0);
  assert.equal(decodeAll(syn, defaultOptions({ events: new Set(['packet']), input: 'pcap' })).length, 1);
});

// Captures whose TLS events are compared: a spread of link types, TLS versions, client certificates, STARTTLS,
// SSLv2, IPv6, snap-length cuts, and the project's own recordings (impaired networks among them).
const TLS_CAPTURES = [
  'zeek/tls1.2.pcap',
  'zeek/client-certificate.pcap',
  'zeek/tls13-ech.pcap',
  'zeek/ssl-v2.pcap',
  'zeek/smtp-starttls.pcap',
  'zeek/pppoe-over-qinq.pcap',
  'zeek/openjdk-25.0.2-zeek.org.pcap',
  'mercury/sll_tls.pcap',
  'suricata-verify/bug-5881-01.pcap',
  'suricata-verify/tls-store-02-client-auth.pcap',
  'ja4/tls-alpn-h2.pcap',
  'ja4/tls-handshake.pcapng',
  'ndpi/KakaoTalk_chat.pcap',
  'ndpi/tls_alert.pcap',
  'derived/client-certificate-snaplen200.pcap',
  'derived/tls1.2-snaplen96.pcap',
];
const TLS_FIXTURES = [
  'mtls12-ok.pcap',
  'mtls13-nocert.pcap',
  'ipv6-tls12.pcap',
  'netem-loss.pcap',
  'netem-reorder.pcap',
  'resume13.pcap',
  'server-expired.pcap',
];

testIf(haveShared && haveTool('tcpdump') && haveTool('editcap'), '../shared/captures, tcpdump or editcap absent: pcap/pcapng/text TLS comparison')(
  'pipeline: TLS events of a capture read as pcap, as pcapng and as tcpdump -XX -tt text are identical apart from line/frame/ts',
  () => {
    const paths = [...TLS_CAPTURES.map((n) => join(CAPTURES, n)), ...TLS_FIXTURES.map((n) => join(FIXTURES, n))];
    let tlsEvents = 0;
    for (const path of paths) {
      const bytes = readFileSync(path);
      const fromPcap = decodeAll(bytes, ALL);
      const ng = bytes[0] === 0x0a ? bytes : editcap(path, 'pcapng');
      const fromNg = decodeAll(ng, ALL);
      const fromText = decodeAll(xxText(path), ALL);
      const want = shape(fromText);
      assert.equal(shape(fromPcap), want, `${path}: pcap vs -XX text`);
      assert.equal(shape(fromNg), want, `${path}: pcapng vs -XX text`);
      assert.ok(
        fromPcap.every((e) => e.line === undefined && (e.type === 'tls.session' || e.type === 'flow' || e.frame !== undefined)),
        `${path}: frame, not line`,
      );
      tlsEvents += fromPcap.filter((e) => e.type.startsWith('tls.')).length;
    }
    assert.ok(tlsEvents > 500, `${tlsEvents} TLS events compared`);
  },
);

testIf(haveShared && haveTool('tcpdump'), '../shared/captures or tcpdump absent: default events')(
  'pipeline: the default event set from pcap equals the one from -XX -tt text on every capture',
  () => {
    let n = 0;
    for (const { name, path } of captureFiles()) {
      const bytes = readFileSync(path);
      // ns interfaces: the text has µs stamps unless asked; both then agree on everything the position pattern leaves
      assert.equal(shape(decodeAll(bytes)), shape(decodeAll(xxText(path))), name);
      n++;
    }
    assert.ok(n > 100);
  },
);

testIf(haveShared, '../shared/captures absent: chunked pipeline')(
  'pipeline: a pcap pushed in chunks of 1..64 bytes gives the same events as whole',
  () => {
    const bytes = readFileSync(join(CAPTURES, 'zeek/client-certificate.pcap'));
    const whole = decodeAll(bytes, ALL).map((e) => JSON.stringify(e));
    assert.ok(whole.length > 20);
    for (let chunk = 1; chunk <= 64; chunk++)
      assert.equal(
        decodeChunked(bytes, chunk).map((e) => JSON.stringify(e)),
        whole,
        `chunks of ${chunk}`,
      );
  },
);

test('pipeline: events from pcap input (frame, ISO ts, pcap.* anomalies) validate against docs/events.schema.json', () => {
  const schema = JSON.parse(readFileSync(join(ROOT, 'docs', 'events.schema.json'), 'utf8')) as object;
  const validate = new Ajv2020({ allErrors: true, strict: false }).compile(schema);
  const inputs: Uint8Array[] = ['mtls12-ok.pcap', 'ipv6-tls12.pcap', 'mtls13-wrongca.pcap', 'netem-loss.pcap', 'resume12-ticket.pcap'].map((f) =>
    readFileSync(join(FIXTURES, f)),
  );
  // damage: an unsupported link type, a cut record, and bytes that are no capture
  inputs.push(pcapFile([{ sec: 1, frac: 0, data: new Uint8Array(40) }], { linkType: 105 }), syn.subarray(0, syn.length - 3));
  if (haveShared) inputs.push(readFileSync(join(CAPTURES, 'ndpi/anydesk.pcapng')), readFileSync(join(CAPTURES, 'derived/tls1.2-snaplen96.pcap')));
  let n = 0;
  for (const input of inputs) {
    for (const ev of decodeAll(input, ALL)) {
      n++;
      if (!validate(ev)) assert.unreachable(`${JSON.stringify(ev).slice(0, 300)}: ${JSON.stringify(validate.errors).slice(0, 500)}`);
    }
  }
  assert.ok(n > 100, `${n} events validated`);
});

test.run();
