// Stage 3 against tshark on the public captures: per flow, records [content_type, length] in order per direction,
// handshake types, offered ciphers, chosen cipher, SNI, certificate SHA-256s and plaintext alerts must equal
// <capture>.tshark.json (shared/tools/tshark-facts.py). FlowItems come from tshark's segments
// (test/support/tshark-streams.ts), so this runs without stages 1–2.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Event } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { TlsDecoder } from '../../lib/tls/index.js';
import { CAPTURES, FIXTURES, haveShared, haveTool, skipGroup, testIf } from '../support/shared.js';
import { tsharkFlowItems } from '../support/tshark-streams.js';
import { factsFromEvents, type FlowFacts } from './facts.js';

type Fact = keyof FlowFacts;
const ALL: Fact[] = ['records', 'handshakes', 'ciphers_offered', 'cipher', 'sni', 'certs', 'alerts'];

/**
 * Where tshark 4.0 and tlsdump differ on purpose, each checked by hand: the facts listed are not compared for
 * that capture (everything else still is).
 */
const KNOWN: Record<string, { skip: Fact[]; why: string }> = {
  'derived/client-certificate-snaplen200.pcap': { skip: ALL, why: 'snap length 200: tshark reads record headers from the wire length, we see holes' },
  'derived/tls1.2-snaplen96.pcap': { skip: ALL, why: 'snap length 96: as above' },
  'ja4/browsers-x509.pcapng': { skip: ['records'], why: 'frames 92 and 94 carry new in-sequence bytes that tshark flags and drops' },
  'mercury/corner-cases.pcap': {
    skip: ['handshakes', 'cipher'],
    why: 'single-packet flows: we decode complete messages inside records cut by the end of the capture; tshark reads a cipher from garbage after an empty ServerHello',
  },
  'ndpi/KakaoTalk_chat.pcap': {
    skip: ['handshakes', 'cipher'],
    why: 'the ServerHello is complete inside a record the capture cut; tshark skips the whole record',
  },
  'ndpi/anydesk.pcapng': { skip: ALL, why: 'TLS on port 80: tshark does not dissect it, we do' },
  'ndpi/google_ssl.pcap': {
    skip: ['records', 'handshakes', 'cipher', 'certs'],
    why: 'the server flight arrives by retransmission after a lost segment; tshark does not reassemble it',
  },
  'ndpi/tls_invalid_reads.pcap': { skip: ['handshakes'], why: 'we report the unknown handshake type 9 in a damaged record; tshark lists no type' },
  'zeek/dhe.pcap': { skip: ['records'], why: 'frame 15 retransmits 69 bytes and adds a new 53-byte record; tshark drops the whole segment' },
  'zeek/hrr.pcap': { skip: ['records', 'handshakes'], why: 'the second ServerHello arrives out of order; tshark does not reassemble it' },
  'zeek/ssl.v3.pcap': { skip: ['records'], why: "the server's last alert is in a segment tshark calls a retransmission of one never captured" },
  // Our own recordings (test/fixtures): their .tshark.json is tshark with default settings, which does not
  // reassemble out-of-order segments (test/fixtures/README.md); the netem scenarios reorder and drop on purpose.
  'fixtures/netem-loss.pcap': {
    skip: ['records', 'handshakes', 'cipher', 'certs'],
    why: 'netem loss: retransmitted segments arrive out of order; tshark (defaults) does not reassemble them',
  },
  'fixtures/netem-reorder.pcap': { skip: ['records', 'handshakes', 'cipher', 'certs'], why: 'netem reorder: as above' },
};

function fixtures(): string[] {
  if (!existsSync(FIXTURES)) return [];
  return readdirSync(FIXTURES)
    .filter((f) => /\.pcap(ng)?$/.test(f) && existsSync(join(FIXTURES, f.replace(/\.pcap(ng)?$/, '.tshark.json'))))
    .map((f) => `fixtures/${f}`)
    .sort();
}

function pathOf(name: string): string {
  return name.startsWith('fixtures/') ? join(FIXTURES, name.slice('fixtures/'.length)) : join(CAPTURES, name);
}

function captures(): string[] {
  const out: string[] = [];
  for (const dir of readdirSync(CAPTURES, { withFileTypes: true })) {
    if (!dir.isDirectory()) continue;
    for (const f of readdirSync(join(CAPTURES, dir.name))) {
      if (!/\.pcap(ng)?$/.test(f)) continue;
      if (existsSync(join(CAPTURES, dir.name, f.replace(/\.pcap(ng)?$/, '.tshark.json')))) out.push(`${dir.name}/${f}`);
    }
  }
  return out.sort();
}

export function decodeCapture(pcap: string): { events: Event[]; facts: Map<string, FlowFacts> } {
  const items = tsharkFlowItems(pcap);
  const events: Event[] = [];
  const dec = new TlsDecoder(defaultOptions(), (e) => events.push(e));
  for (const it of items) dec.push(it);
  dec.end();
  return { events, facts: factsFromEvents(items, events) };
}

const withTshark = testIf(haveTool('tshark'), 'tshark absent: TLS capture comparison');
skipGroup(
  haveShared,
  "captures: the public captures give tshark's TLS facts per flow",
  '../shared/captures absent: only test/fixtures are compared with tshark',
);
const shared = haveShared ? captures() : [];
const list = [...shared, ...fixtures()];
if (haveShared)
  withTshark('captures: the broad set is present (TLS 1.0–1.3, SSLv2 hello, STARTTLS, client certificates, fragments)', () => {
    for (const must of [
      'zeek/ssl.v3.pcap',
      'suricata-verify/sslv2-tls-upgrade-01.pcap',
      'zeek/tls-fragmented-handshake.pcap',
      'zeek/client-certificate.pcap',
      'zeek/certificate-request-failed.pcap',
      'zeek/smtp-starttls.pcap',
      'zeek/imap-starttls.pcap',
      'zeek/pop3-starttls.pcap',
      'suricata-verify/ldap-starttls.pcap',
      'zeek/tls1_1.pcap',
      'zeek/tls1.2.pcap',
      'openssl/tls13.pcap',
    ]) {
      assert.ok(list.includes(must), must);
    }
    assert.ok(shared.length >= 100, `${shared.length} captures`);
  });
for (const name of list) {
  withTshark(`captures: ${name} gives tshark's records, handshakes, ciphers, SNI, certificates and alerts per flow`, () => {
    const pcap = pathOf(name);
    const want = JSON.parse(readFileSync(pcap.replace(/\.pcap(ng)?$/, '.tshark.json'), 'utf8')).flows as Record<string, FlowFacts>;
    const { facts } = decodeCapture(pcap);
    const skip = new Set(KNOWN[name]?.skip ?? []);
    for (const [key, w] of Object.entries(want)) {
      if (key.includes('|')) continue; // tunnels: tshark-facts joins the inner and outer addresses
      const g = facts.get(key);
      assert.ok(g, `${key}: flow missing`);
      for (const fact of ALL) {
        if (skip.has(fact)) continue;
        assert.equal(g![fact], w[fact], `${key} ${fact}`);
      }
    }
  });
}

test.run();
