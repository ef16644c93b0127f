// DTLS on built datagrams: handshake fragments reassembled by message_seq and offset whatever their order,
// retransmitted fragments counted once, the ClientHello's cookie taken out and reported, fragments that never
// complete reported, and every complete message decoded by the TLS stage.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EVENT_TYPES, type Event } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { type Dgram, udpPcap } from '../udp/build.js';
import { CLIENT_HELLO } from '../quic/rfc9001.js';

const ALL = defaultOptions({ events: new Set(EVENT_TYPES) });
let seq = 0;

/** RFC 6347 §4.1 record: type, version 1.2, epoch 0, sequence number, length. */
function record(type: number, body: Buffer, epoch = 0): Buffer {
  const h = Buffer.from([type, 0xfe, 0xfd, epoch >> 8, epoch & 0xff, 0, 0, 0, 0, 0, seq++, body.length >> 8, body.length & 0xff]);
  return Buffer.concat([h, body]);
}

/** RFC 6347 §4.2.2 handshake fragment. */
function fragment(type: number, messageSeq: number, message: Buffer, offset: number, length: number): Buffer {
  const u24 = (v: number) => [v >> 16, (v >> 8) & 0xff, v & 0xff];
  const f = message.subarray(offset, offset + length);
  return Buffer.concat([Buffer.from([type, ...u24(message.length), messageSeq >> 8, messageSeq & 0xff, ...u24(offset), ...u24(f.length)]), f]);
}

/** The RFC 9001 ClientHello in DTLS form: legacy_version 0xfefd and a cookie after the session id. */
function dtlsClientHello(cookie: Buffer): Buffer {
  const ch = Buffer.from(CLIENT_HELLO.subarray(4)); // the body, without the TLS handshake header
  ch[0] = 0xfe;
  ch[1] = 0xfd;
  const sidEnd = 34 + 1 + ch[34]!;
  return Buffer.concat([ch.subarray(0, sidEnd), Buffer.from([cookie.length]), cookie, ch.subarray(sidEnd)]);
}

const c2s = (payload: Buffer): Dgram => ({ src: '192.0.2.10', sport: 7000, dst: '192.0.2.20', dport: 4433, payload });
const run = (ds: Dgram[]): Event[] => decodeAll(udpPcap(ds), ALL);

test('a ClientHello in three fragments, out of order and one repeated, is one message with its cookie reported', () => {
  const ch = dtlsClientHello(Buffer.from('c00c1e', 'hex'));
  const evs = run([
    c2s(record(22, fragment(1, 0, ch, 200, 1000))),
    c2s(record(22, fragment(1, 0, ch, 0, 100))),
    c2s(record(22, fragment(1, 0, ch, 0, 100))),
    c2s(Buffer.concat([record(22, fragment(1, 0, ch, 100, 100)), record(21, Buffer.from([1, 0]))])),
  ]);
  const hs = evs.filter((e) => e.type === 'tls.handshake');
  assert.is(hs.length, 1);
  const m = hs[0]!;
  assert.equal(
    [m.msg, m.frame, m.message_seq, m.fragments, m.length, m.cookie, m.cookie_length, m.sni],
    ['client_hello', 4, 0, 4, ch.length, 'c00c1e', 3, 'example.com'],
  );
  // JA4.md: d for DTLS; the version is the highest of supported_versions, which this hello borrowed from TLS 1.3.
  assert.ok(String(m.ja4).startsWith('d13d0211an_'), String(m.ja4));
  const recs = evs.filter((e) => e.type === 'tls.record');
  assert.equal(
    recs.map((r) => [r.epoch, r.sequence_number, r.retransmission]),
    [
      [0, 0, undefined],
      [0, 1, undefined],
      [0, 2, true],
      [0, 3, undefined],
      [0, 4, undefined],
    ],
  );
  assert.equal(
    evs.filter((e) => e.type === 'tls.alert').map((a) => a.description),
    ['close_notify'],
  );
  assert.equal(
    evs.filter((e) => e.type === 'anomaly').map((e) => e.code),
    ['dtls.retransmission'],
  );
});

test('a message whose fragments never complete gives dtls.fragment_incomplete; later complete ones still come out', () => {
  const ch = dtlsClientHello(Buffer.alloc(0));
  const ckx = Buffer.alloc(33, 0x04);
  ckx[0] = 32;
  const evs = run([c2s(record(22, fragment(1, 0, ch, 0, 100))), c2s(record(22, fragment(16, 1, ckx, 0, ckx.length)))]);
  const an = evs.filter((e) => e.type === 'anomaly');
  assert.equal(
    an.map((e) => [e.code, e.message_seq, e.received]),
    [['dtls.fragment_incomplete', 0, 100]],
  );
  assert.equal(
    evs.filter((e) => e.type === 'tls.handshake').map((e) => e.msg),
    ['client_key_exchange'],
  );
});

test('records after ChangeCipherSpec (epoch 1) are encrypted: a Finished and an alert show only their length', () => {
  const evs = run([c2s(Buffer.concat([record(20, Buffer.from([1])), record(22, Buffer.alloc(40), 1), record(21, Buffer.alloc(26), 1)]))]);
  assert.equal(
    evs.filter((e) => e.type === 'tls.record').map((r) => [r.content, r.epoch, r.encrypted]),
    [
      ['change_cipher_spec', 0, false],
      ['handshake', 1, true],
      ['alert', 1, true],
    ],
  );
  assert.equal(
    evs.filter((e) => e.type === 'tls.alert').map((a) => [a.encrypted, a.length]),
    [[true, 26]],
  );
});

test('bytes that are no record header end the datagram with dtls.malformed; random datagrams never throw', () => {
  const evs = run([
    c2s(Buffer.concat([record(22, fragment(1, 0, dtlsClientHello(Buffer.alloc(0)), 0, 10)), Buffer.from([0x16, 0x03, 0x03, 0, 5, 1, 2, 3, 4, 5])])),
  ]);
  assert.ok(evs.some((e) => e.code === 'dtls.malformed'));
  let x = 7;
  const rnd = () => (x = (x * 1103515245 + 12345) & 0x7fffffff) & 0xff;
  for (let i = 0; i < 200; i++) {
    const b = Buffer.from(Array.from({ length: 13 + (i % 60) }, rnd));
    b[0] = 20 + (i % 7);
    b[1] = 0xfe;
    b[2] = 0xfd;
    run([c2s(b), c2s(Buffer.concat([b, b.subarray(0, i % 13)]))]);
  }
});

test.run();
