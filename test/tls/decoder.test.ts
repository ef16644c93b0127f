// Stage 3 behaviour on built inputs: framing, encryption state, STARTTLS, gaps, cuts, limits, TLS 1.3 inference.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { Event, FlowItem } from '../../lib/events.js';
import { defaultOptions, type Options } from '../../lib/options.js';
import { TlsDecoder } from '../../lib/tls/index.js';
import { HRR_RANDOM } from '../../lib/tls/handshake.js';
import {
  ascii,
  clientHello,
  ext,
  flowItems,
  message,
  record,
  selectedVersion,
  serverHello,
  sni,
  supportedVersions,
  u16,
  u24,
  vec16,
  vec24,
  vec8,
} from './build.js';

function run(items: FlowItem[], opts: Partial<Options> = {}): Event[] {
  const out: Event[] = [];
  const d = new TlsDecoder(defaultOptions(opts), (e) => out.push(e));
  for (const it of items) d.push(it);
  d.end();
  return out;
}
const of = (evs: Event[], type: string): Event[] => evs.filter((e) => e.type === type);

test('framing: several records in one chunk and one record over many chunks give the same events', () => {
  const bytes = [...record(22, clientHello({ exts: [sni('a.example')] }), 0x0301), ...record(21, [1, 0])];
  const whole = run(flowItems([['c2s', bytes]]));
  const split = run(flowItems(bytes.map((b) => ['c2s', [b]] as ['c2s', number[]])));
  const strip = (evs: Event[]): unknown[] => evs.map(({ line, ...rest }) => rest);
  assert.equal(strip(split), strip(whole));
  assert.equal(
    of(whole, 'tls.record').map((e) => e.content),
    ['handshake', 'alert'],
  );
  assert.is(of(whole, 'tls.handshake')[0]!.sni, 'a.example');
  assert.equal(
    of(whole, 'tls.alert').map((e) => [e.level, e.description]),
    [['warning', 'close_notify']],
  );
});

test('handshake: four messages in one record and one message over three records are cut by their own length', () => {
  const msgs = [
    ...serverHello(),
    ...message(11, vec24([])),
    ...message(13, [...vec8([1]), ...vec16([0x04, 0x01]), ...vec16([])]),
    ...message(14, []),
  ];
  const four = run(flowItems([['s2c', record(22, msgs)]]));
  assert.equal(
    of(four, 'tls.handshake').map((e) => e.msg),
    ['server_hello', 'certificate', 'certificate_request', 'server_hello_done'],
  );
  const ch = clientHello({ exts: [sni('split.example')] });
  const parts = [ch.slice(0, 10), ch.slice(10, 50), ch.slice(50)];
  const three = run(flowItems([['c2s', parts.flatMap((p) => record(22, p))]]));
  assert.is(of(three, 'tls.record').length, 3);
  const hs = of(three, 'tls.handshake');
  assert.is(hs.length, 1);
  assert.is(hs[0]!.sni, 'split.example');
});

test('certificate_request: TLS 1.2 reads supported_signature_algorithms, TLS 1.0 has none', () => {
  const body12 = [...vec8([1, 64]), ...vec16([0x04, 0x01, 0x08, 0x04]), ...vec16([])];
  const e12 = of(run(flowItems([['s2c', record(22, [...serverHello({ version: 0x0303 }), ...message(13, body12)])]])), 'tls.handshake')[1]!;
  assert.equal(e12.cert_types, ['rsa_sign', 'ecdsa_sign']);
  assert.equal(e12.sig_algs, ['rsa_pkcs1_sha256', 'rsa_pss_rsae_sha256']);
  assert.equal(e12.ca_names, []);
  const body10 = [...vec8([1]), ...vec16([])];
  const e10 = of(
    run(flowItems([['s2c', record(22, [...serverHello({ version: 0x0301, suite: 0x0035 }), ...message(13, body10)], 0x0301)]])),
    'tls.handshake',
  )[1]!;
  assert.equal(e10.cert_types, ['rsa_sign']);
  assert.is(e10.sig_algs, undefined);
  assert.not.ok(e10.malformed);
});

test("encryption: after ChangeCipherSpec a direction's handshake records are encrypted and give no message", () => {
  const evs = run(flowItems([['c2s', [...record(20, [1]), ...record(22, new Array(40).fill(0xab))]]]));
  const recs = of(evs, 'tls.record');
  assert.equal(
    recs.map((e) => [e.content, e.encrypted]),
    [
      ['change_cipher_spec', false],
      ['handshake', true],
    ],
  );
  assert.is(of(evs, 'tls.handshake').length, 0);
  const alert = run(flowItems([['c2s', [...record(20, [1]), ...record(21, new Array(26).fill(1))]]]));
  assert.equal(
    of(alert, 'tls.alert').map((e) => e.encrypted),
    [true],
  );
});

test('TLS 1.3: records after ServerHello are encrypted and the flights are labelled as inferred', () => {
  const ch = record(22, clientHello({ exts: [supportedVersions([0x0a0a, 0x0304, 0x0303])] }), 0x0301);
  const sh = record(22, serverHello({ suite: 0x1301, exts: [selectedVersion(0x0304)] }));
  const evs = run(
    flowItems([
      ['c2s', ch],
      ['s2c', [...sh, ...record(20, [1]), ...record(23, new Array(30).fill(1)), ...record(23, new Array(300).fill(1))]],
      ['c2s', [...record(20, [1]), ...record(23, new Array(53).fill(1))]],
      ['c2s', record(23, new Array(100).fill(1))],
    ]),
  );
  const hs = of(evs, 'tls.handshake');
  assert.is(hs[1]!.version, 'TLS 1.3');
  assert.equal(hs[0]!.supported_versions, ['TLS 1.3', 'TLS 1.2']);
  assert.equal(hs[0]!.grease, undefined, 'GREASE only in supported_versions is not a cipher/extension GREASE');
  const app = of(evs, 'tls.record').filter((e) => e.content === 'application_data');
  assert.equal(
    app.map((e) => [e.dir, e.encrypted, e.flight, e.inferred]),
    [
      ['s2c', true, 'server_handshake', true],
      ['s2c', true, 'server_handshake', true],
      ['c2s', true, 'client_finished', true],
      ['c2s', true, undefined, undefined],
    ],
  );
  assert.equal(
    of(evs, 'tls.record')
      .filter((e) => e.content === 'change_cipher_spec')
      .map((e) => e.encrypted),
    [false, false],
  );
});

test('HelloRetryRequest is flagged and the second ClientHello after a compatibility ChangeCipherSpec is decoded', () => {
  const random = Array.from(Buffer.from(HRR_RANDOM, 'hex'));
  const evs = run(
    flowItems([
      ['c2s', record(22, clientHello({ exts: [supportedVersions([0x0304])] }), 0x0301)],
      ['s2c', [...record(22, serverHello({ suite: 0x1301, random, exts: [selectedVersion(0x0304), ext(51, u16(0x001d))] })), ...record(20, [1])]],
      ['c2s', [...record(20, [1]), ...record(22, clientHello({ exts: [supportedVersions([0x0304])] }))]],
    ]),
  );
  const hs = of(evs, 'tls.handshake');
  assert.equal(
    hs.map((e) => e.msg),
    ['client_hello', 'server_hello', 'client_hello'],
  );
  assert.is(hs[1]!.hello_retry_request, true);
  assert.is(hs[1]!.key_share_group, 'x25519');
});

test('SSLv2: a 2-byte-header CLIENT-HELLO keeps 3-byte cipher specs as numbers', () => {
  const specs = [0x010080, 0x000035, 0x0700c0];
  const body = [1, ...u16(0x0301), ...u16(9), ...u16(0), ...u16(16), ...specs.flatMap(u24), ...new Array(16).fill(5)];
  const evs = run(flowItems([['c2s', [0x80 | (body.length >> 8), body.length & 0xff, ...body]]]));
  const ch = of(evs, 'tls.handshake')[0]!;
  assert.is(ch.sslv2, true);
  assert.equal(ch.cipher_ids, specs);
  assert.equal(ch.ciphers, ['SSL2_RC4_128_WITH_MD5', 'TLS_RSA_WITH_AES_256_CBC_SHA', 'SSL2_DES_192_EDE3_CBC_WITH_MD5']);
  assert.is(of(evs, 'tls.record')[0]!.content, 'sslv2');
});

test('STARTTLS: plaintext first, then TLS is found and reported with the bytes before it', () => {
  const evs = run(
    flowItems([
      ['s2c', ascii('220 mail ESMTP\r\n')],
      ['c2s', ascii('STARTTLS\r\n')],
      ['s2c', ascii('220 Ready to start TLS\r\n')],
      ['c2s', record(22, clientHello(), 0x0301)],
      ['s2c', record(22, serverHello())],
    ]),
  );
  const recs = of(evs, 'tls.record');
  assert.equal(
    recs.map((e) => [e.dir, e.after_plaintext]),
    [
      ['c2s', 10],
      ['s2c', 40],
    ],
  );
  assert.is(of(evs, 'anomaly').length, 0);
});

test('not TLS: a plaintext flow gives one tls.not_tls anomaly and no record events', () => {
  const evs = run(
    flowItems([
      ['c2s', ascii('GET / HTTP/1.1\r\nHost: x\r\n\r\n')],
      ['s2c', ascii('HTTP/1.1 200 OK\r\n\r\n' + 'x'.repeat(3000))],
    ]),
  );
  assert.is(of(evs, 'tls.record').length, 0);
  const an = of(evs, 'anomaly');
  assert.equal(
    an.map((e) => e.code),
    ['tls.not_tls'],
  );
  assert.match(an[0]!.message as string, /GET \/ HTTP/);
});

test('gap: the next plausible header is found and tls.resync says how many bytes were skipped', () => {
  const evs = run(
    flowItems([
      ['c2s', record(23, new Array(100).fill(1)).slice(0, 60)],
      ['c2s', [...new Array(17).fill(0x99), ...record(23, new Array(20).fill(2)), ...record(21, new Array(26).fill(3))], true],
    ]),
  );
  const recs = of(evs, 'tls.record');
  assert.equal(
    recs.map((e) => [e.length, e.truncated ?? false]),
    [
      [100, true],
      [20, false],
      [26, false],
    ],
  );
  const rs = of(evs, 'anomaly').filter((e) => e.code === 'tls.resync');
  assert.equal(
    rs.map((e) => e.skipped),
    [17],
  );
});

test('cut: a Certificate cut by a gap keeps the certificates complete before the cut, truncated: true', () => {
  const der = (n: number): number[] => [0x30, 0x03, 0x02, 0x01, n];
  const body = vec24([...vec24(der(1)), ...vec24(der(2)), ...vec24([...der(3), ...new Array(50).fill(0)])]);
  const msg = message(11, body);
  const evs = run(flowItems([['s2c', record(22, msg).slice(0, 30)]]));
  const cert = of(evs, 'tls.handshake')[0]!;
  assert.is(cert.msg, 'certificate');
  assert.is(cert.truncated, true);
  assert.is((cert.certs as unknown[]).length, 2);
});

test('limit: a message over maxHandshakeBytes is reported, not decoded, and the stream goes on', () => {
  const big = message(11, new Array(3000).fill(0));
  const evs = run(flowItems([['s2c', [...record(22, big), ...record(22, message(14, []))]]]), { maxHandshakeBytes: 1000 });
  const hs = of(evs, 'tls.handshake');
  assert.equal(
    hs.map((e) => [e.msg, e.over_limit ?? false]),
    [
      ['certificate', true],
      ['server_hello_done', false],
    ],
  );
  assert.ok(of(evs, 'anomaly').some((e) => e.code === 'tls.limit'));
});

test('limit: maxCertsPerChain counts the certificates beyond it', () => {
  const der = [0x30, 0x00];
  const body = vec24([...vec24(der), ...vec24(der), ...vec24(der)]);
  const hs = of(run(flowItems([['s2c', record(22, message(11, body))]]), { maxCertsPerChain: 2 }), 'tls.handshake')[0]!;
  assert.is((hs.certs as unknown[]).length, 2);
  assert.is(hs.certs_omitted, 1);
});

test('extensions: GREASE is marked, unknown ids keep id and length, decoded values carry names', () => {
  const evs = run(
    flowItems([
      [
        'c2s',
        record(
          22,
          clientHello({
            suites: [0x2a2a, 0x1301],
            exts: [
              ext(0x1a1a, []),
              ext(0x7777, [1, 2, 3]),
              ext(10, vec16([0x001d, 0x0017].flatMap(u16))),
              ext(16, vec16([...vec8(ascii('h2')), ...vec8(ascii('http/1.1'))])),
            ],
          }),
        ),
      ],
    ]),
  );
  const ch = of(evs, 'tls.handshake')[0]!;
  const exts = ch.extensions as Record<string, unknown>[];
  assert.equal(exts[0], { id: 0x1a1a, name: 'GREASE', length: 0, grease: true });
  assert.equal(exts[1], { id: 0x7777, name: 'unknown_0x7777', length: 3 });
  assert.equal(exts[2]!.groups, ['x25519', 'secp256r1']);
  assert.equal(ch.alpn, ['h2', 'http/1.1']);
  assert.equal(ch.ciphers, ['GREASE', 'TLS_AES_128_GCM_SHA256']);
  assert.is(ch.grease, true);
  assert.is(typeof ch.ja3_hash, 'string');
  assert.is(typeof ch.ja4, 'string');
});

test.run();
