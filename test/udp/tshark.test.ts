// QUIC and DTLS conversations compared with tshark, per address pair: SNI, ALPN, offered and chosen cipher
// suites, handshake message types (with message_seq for DTLS) and certificate SHA-256s. On the project's own DTLS
// recordings (test/fixtures/dtls), on the DTLS and QUIC captures of ../shared (skipped when absent), and on the
// captures of any folder named by TLSDUMP_EXTRA_CAPTURES (other projects' QUIC traces, see
// test/fixtures/quic/README.md; skipped when unset).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_TYPES } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { CAPTURES, FIXTURES, captureFiles, haveShared, haveTool, skipping } from '../support/shared.js';
import { tlsdumpUdpFacts, tsharkUdpFacts } from '../support/tshark-udp.js';

const SHARED_UDP = [
  'zeek/dtls1_0.pcap',
  'zeek/dtls1_2.pcap',
  'zeek/dtls13-wolfssl.pcap',
  'zeek/webrtc-stun.pcap',
  'arkime/wireshark-dtls12.pcap',
  'ndpi/dtls_certificate_fragments.pcap',
  'ja4/tls-handshake.pcapng',
  'ja4/tls-sni.pcapng',
];

/** tshark reads QUIC only on the ports it knows (443 and others) or by heuristics; these captures need a hint. */
const DECODE_AS: Record<string, string[]> = { 'quicdoq.pcap': ['udp.port==853,quic'] };

function compare(file: string): void {
  const events = decodeAll(readFileSync(file), defaultOptions({ events: new Set(EVENT_TYPES) }));
  const ours = tlsdumpUdpFacts(events);
  const theirs = tsharkUdpFacts(file, ours.clients, DECODE_AS[file.split('/').pop()!]);
  for (const [key, want] of theirs) {
    const got = ours.facts.get(key);
    assert.ok(got, `${file}: tshark has ${key}, tlsdump does not`);
    assert.equal(got, want, `${file} ${key}`);
  }
  for (const key of ours.facts.keys()) assert.ok(theirs.has(key), `${file}: tlsdump has ${key}, tshark does not`);
}

const own = existsSync(join(FIXTURES, 'dtls')) ? captureFiles(join(FIXTURES, 'dtls')) : [];
for (const f of own) {
  if (!haveTool('tshark')) {
    test.skip(`tshark: ${f}`, () => {});
    skipping('tshark not installed: UDP comparisons');
    continue;
  }
  test(`tshark: own DTLS recording ${f.slice(FIXTURES.length + 1)} gives tshark's facts`, () => compare(f));
}

for (const name of SHARED_UDP) {
  const f = join(CAPTURES, name);
  if (!haveShared || !existsSync(f) || !haveTool('tshark')) {
    test.skip(`tshark: shared ${name}`, () => {});
    skipping('../shared/captures or tshark absent: shared QUIC/DTLS comparisons');
    continue;
  }
  test(`tshark: shared capture ${name} gives tshark's facts`, () => compare(f));
}

const extra = process.env.TLSDUMP_EXTRA_CAPTURES;
if (!extra || !existsSync(extra) || !haveTool('tshark')) {
  test.skip('tshark: captures of TLSDUMP_EXTRA_CAPTURES', () => {});
  skipping("TLSDUMP_EXTRA_CAPTURES unset: other projects' QUIC captures not compared");
} else {
  for (const f of captureFiles(extra)) test(`tshark: extra capture ${f.slice(extra.length + 1)} gives tshark's facts`, () => compare(f));
}

test.run();
