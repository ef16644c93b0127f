// Real tcpdump dumps that people pasted on the public web (test/fixtures/pasted/README.md): the facts their bytes
// hold, decoded by hand, and where the headers are there, tshark's reading of the same bytes written as a pcap.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_TYPES, type Event } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { FIXTURES, haveTool, testIf } from '../support/shared.js';

const DIR = join(FIXTURES, 'pasted');
const ALL = defaultOptions({ events: new Set(EVENT_TYPES) });

function decode(name: string): Event[] {
  return decodeAll(readFileSync(join(DIR, name)), ALL);
}

const hs = (events: Event[], msg: string): Event[] => events.filter((e) => e.type === 'tls.handshake' && e.msg === msg);

/** The frames of a pasted dump: each timestamped summary line starts one, its hex rows are its bytes. */
function frames(text: string): Buffer[] {
  const out: string[][] = [];
  for (const line of text.split('\n')) {
    if (/^\d\d:\d\d:\d\d\.\d+ /.test(line)) out.push([]);
    const row = /^\s+0x[0-9a-f]{4}:\s+((?:[0-9a-f]{2,4} ?)+)/.exec(line);
    if (row && out.length > 0) out[out.length - 1]!.push(row[1]!.replace(/\s+/g, ''));
  }
  return out.map((rows) => Buffer.from(rows.join(''), 'hex'));
}

/** A pcap of the frames (one second apart), for tshark. */
function pcap(list: Buffer[], linkType: number): Buffer {
  const head = Buffer.alloc(24);
  head.writeUInt32LE(0xa1b2c3d4, 0);
  head.writeUInt16LE(2, 4);
  head.writeUInt16LE(4, 6);
  head.writeUInt32LE(262144, 16);
  head.writeUInt32LE(linkType, 20);
  const parts: Buffer[] = [head];
  list.forEach((f, i) => {
    const r = Buffer.alloc(16);
    r.writeUInt32LE(1_000_000_000 + i, 0);
    r.writeUInt32LE(f.length, 8);
    r.writeUInt32LE(f.length, 12);
    parts.push(r, f);
  });
  return Buffer.concat(parts);
}

/** tshark's handshake types, cipher suites and server names in frame order, as one string per field. */
function tshark(name: string, linkType: number, decodeAs: string): { types: string; ciphers: string; sni: string } {
  const dir = mkdtempSync(join(tmpdir(), 'tlsdump-pasted-'));
  try {
    const file = join(dir, 'p.pcap');
    writeFileSync(file, pcap(frames(readFileSync(join(DIR, name), 'latin1')), linkType));
    const field = (f: string): string =>
      execFileSync(
        'tshark',
        ['-r', file, '-d', decodeAs, '-Y', 'tls.handshake', '-T', 'fields', '-e', f, '-E', 'occurrence=a', '-E', 'aggregator=,'],
        { stdio: ['ignore', 'pipe', 'ignore'] },
      )
        .toString()
        .split('\n')
        .filter(Boolean)
        .join(',');
    return { types: field('tls.handshake.type'), ciphers: field('tls.handshake.ciphersuite'), sni: field('tls.handshake.extensions_server_name') };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** tlsdump's handshake types (plaintext ones) in the order they were decoded, for the same comparison. */
const types = (events: Event[]): string =>
  events
    .filter((e) => e.type === 'tls.handshake')
    .map((e) => e.msg_id)
    .join(',');

test('pasted: a localhost TLS 1.2 handshake from a README (-X), every message as the bytes hold it', () => {
  const ev = decode('raspberry-tls12-localhost.txt');
  const ch = hs(ev, 'client_hello')[0]!;
  assert.is(ch.version, 'TLS 1.2');
  assert.is((ch.cipher_ids as number[]).length, 52);
  assert.is((ch.cipher_ids as number[])[0], 0xc030);
  assert.is(ch.sni, null);
  assert.equal(ch.extension_ids, [11, 10, 35, 13, 15]);
  const sh = hs(ev, 'server_hello')[0]!;
  assert.equal([sh.version, sh.cipher_id, sh.session_id], ['TLS 1.2', 0x009d, '']);
  assert.equal(
    (sh.extensions as { id: number }[]).map((x) => x.id),
    [0xff01, 35, 15],
  );
  const certs = hs(ev, 'certificate')[0]!.certs as { subject: string; self_signed: boolean; key_bits: number; not_before: string }[];
  assert.is(certs.length, 1);
  assert.match(certs[0]!.subject, /CN=Solid/);
  assert.equal([certs[0]!.self_signed, certs[0]!.key_bits, certs[0]!.not_before], [true, 1024, '2021-04-11T17:44:55Z']);
  assert.is(hs(ev, 'client_key_exchange')[0]!.length, 130);
  assert.is(hs(ev, 'new_session_ticket')[0]!.lifetime, 7200);
  const s = ev.find((e) => e.type === 'tls.session')!;
  assert.equal([s.established, s.client_cert_requested, s.client_cert_sent], [true, false, false]);
});

test('pasted: Postgres SSL from a 2009 forum post (old summary format): TLS found after the 8-byte SSLRequest and the "S" reply', () => {
  const ev = decode('ubuntuforums-postgres-ssl-tls10.txt');
  const records = ev.filter((e) => e.type === 'tls.record');
  assert.equal(
    records.filter((r) => r.after_plaintext !== undefined).map((r) => [r.dir, r.after_plaintext]),
    [
      ['c2s', 8],
      ['s2c', 1],
    ],
  );
  const ch = hs(ev, 'client_hello')[0]!;
  assert.equal([ch.version, (ch.cipher_ids as number[]).length, (ch.cipher_ids as number[])[0]], ['TLS 1.0', 20, 0x0039]);
  const sh = hs(ev, 'server_hello')[0]!;
  assert.equal([sh.version, sh.cipher], ['TLS 1.0', 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA']);
  const cert = (hs(ev, 'certificate')[0]!.certs as { subject: string; not_after: string }[])[0]!;
  assert.equal([cert.subject, cert.not_after], ['CN=SuggysServer', '2019-11-24T09:46:27Z']);
  assert.is(hs(ev, 'server_key_exchange')[0]!.dh_p_bits, 1024);
  assert.ok(hs(ev, 'server_hello_done').length === 1);
  const s = ev.find((e) => e.type === 'tls.session')!;
  assert.equal([s.established, s.client_cert_requested], [true, false]);
});

test('pasted: a Linux cooked (-i any -XX) ClientHello whose hex runs 16 zero bytes past the IP length is read, not dropped', () => {
  const ev = decode('istio-cooked-clienthello.txt');
  assert.not.ok(ev.some((e) => e.code === 'input.undecodable'));
  const p = ev.find((e) => e.type === 'packet')!;
  assert.equal([p.src, p.dst, p.dport, p.len, p.captured], ['192.168.0.228', '192.168.0.229', 5432, 240, 240]);
  const ch = hs(ev, 'client_hello')[0]!;
  assert.is(ch.sni, 'outbound_.5432_._.python-test6-postgresql-arsenal-headless.pythontest2.svc.cluster.local');
  assert.equal(ch.alpn, ['istio']);
  assert.equal([ch.version, (ch.cipher_ids as number[]).length], ['TLS 1.2', 14]);
});

test('pasted: an IPv6 TLS 1.3 server flight from a README: the ServerHello and the protected records after it', () => {
  const ev = decode('http-https-demo-tls13-ipv6.txt');
  const sh = hs(ev, 'server_hello')[0]!;
  assert.equal([sh.version, sh.cipher_id, sh.key_share_group], ['TLS 1.3', 0x1302, 'x25519']);
  assert.is(sh.session_id, 'f8adb445dbdaedd9c0dd4d5695263be001024d24d87dc77548f00b785b2328e5');
  const lengths = ev.filter((e) => e.type === 'tls.record').map((e) => [e.content, e.length]);
  assert.equal(lengths, [
    ['handshake', 122],
    ['change_cipher_spec', 1],
    ['application_data', 38],
    ['application_data', 909],
    ['application_data', 281],
    ['application_data', 69],
  ]);
});

testIf(haveTool('tshark'), 'tshark not installed: pasted dumps oracle')(
  'pasted: tshark reads the same handshake messages, cipher suites and server names from the dumps written as pcaps',
  () => {
    const cases: [string, number, string][] = [
      ['raspberry-tls12-localhost.txt', 101, 'tcp.port==5555,tls'],
      ['ubuntuforums-postgres-ssl-tls10.txt', 101, 'tcp.port==5000,pgsql'],
      ['istio-cooked-clienthello.txt', 113, 'tcp.port==5432,tls'],
      ['http-https-demo-tls13-ipv6.txt', 101, 'tcp.port==443,tls'],
    ];
    for (const [name, link, as] of cases) {
      const ev = decode(name);
      const t = tshark(name, link, as);
      assert.ok(t.types.length > 0, `${name}: tshark sees the handshake`);
      assert.is(types(ev), t.types, `${name}: handshake types`);
      // tshark lists the ClientHello's suites and the ServerHello's choice in frame order.
      const ours = [...hs(ev, 'client_hello').flatMap((e) => e.cipher_ids as number[]), ...hs(ev, 'server_hello').map((e) => e.cipher_id as number)];
      assert.is(
        ours.join(','),
        t.ciphers
          .split(',')
          .map((x) => Number(x))
          .join(','),
        `${name}: cipher suites`,
      );
      assert.is(
        hs(ev, 'client_hello')
          .map((e) => e.sni ?? '')
          .filter(Boolean)
          .join(','),
        t.sni,
        `${name}: server names`,
      );
    }
  },
);

test.run();
