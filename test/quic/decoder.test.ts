// QUIC Initial handling on built datagrams: a ClientHello split over Initials and datagrams that arrive out of
// order and repeated, coalesced packets, Retry, Version Negotiation, unknown versions, Initials that cannot be
// opened, CRYPTO bytes that never complete or exceed the limit, and the session verdict of a whole handshake.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { EVENT_TYPES, type Event } from '../../lib/events.js';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { MAX_CRYPTO_HELD_BYTES } from '../../lib/quic/index.js';
import { type Dgram, udpPcap } from '../udp/build.js';
import { cryptoFrame, initial, opaqueLong, retry, versionNegotiation } from './build.js';
import { CLIENT_HELLO, DCID, SERVER_HELLO } from './rfc9001.js';

const ALL = defaultOptions({ events: new Set(EVENT_TYPES) });
const SCID = Buffer.from('c1c1c1c1', 'hex');
const SERVER_CID = Buffer.from('5e5e5e5e5e5e5e5e', 'hex');

const c2s = (payload: Buffer): Dgram => ({ src: '198.51.100.7', sport: 40000, dst: '203.0.113.9', dport: 443, payload });
const s2c = (payload: Buffer): Dgram => ({ src: '203.0.113.9', sport: 443, dst: '198.51.100.7', dport: 40000, payload });
const clientInitial = (pn: number, frames: Buffer, dcid = DCID, keyDcid = DCID) =>
  initial({ keyDcid, dcid, scid: SCID, pn, frames, from: 'client', padTo: 1162 });
const serverInitial = (pn: number, keyDcid = DCID) =>
  initial({ keyDcid, dcid: SCID, scid: SERVER_CID, pn, frames: cryptoFrame(0, SERVER_HELLO), from: 'server' });
const run = (ds: Dgram[]): Event[] => decodeAll(udpPcap(ds), ALL);
const of = (evs: Event[], type: string) => evs.filter((e) => e.type === type);
const codes = (evs: Event[]) => of(evs, 'anomaly').map((e) => e.code);

test('a ClientHello in three CRYPTO pieces over three datagrams, out of order and repeated, gives one client_hello', () => {
  const p = [CLIENT_HELLO.subarray(0, 80), CLIENT_HELLO.subarray(80, 160), CLIENT_HELLO.subarray(160)];
  const evs = run([
    c2s(clientInitial(0, cryptoFrame(160, p[2]!))),
    c2s(clientInitial(1, cryptoFrame(0, p[0]!))),
    c2s(clientInitial(2, Buffer.concat([cryptoFrame(0, p[0]!.subarray(0, 10)), cryptoFrame(80, p[1]!)]))),
    c2s(clientInitial(3, cryptoFrame(80, p[1]!))),
  ]);
  const hellos = of(evs, 'tls.handshake');
  assert.is(hellos.length, 1);
  assert.is(hellos[0]!.frame, 3, 'the datagram that completed it');
  assert.is(hellos[0]!.sni, 'example.com');
  assert.not.ok(hellos[0]!.truncated);
  assert.equal(codes(evs), []);
  assert.equal(
    of(evs, 'quic.packet').map((e) => e.packet_number),
    [0, 1, 2, 3],
  );
});

test('coalesced Initial and Handshake packets are reported with their place; a whole handshake is established', () => {
  const serverFlight = Buffer.concat([serverInitial(0), opaqueLong(2, SCID, SERVER_CID, 300)]);
  const oneRtt = (n: number) => Buffer.concat([Buffer.from([0x41]), Buffer.alloc(n, 0x33)]);
  const evs = run([
    c2s(clientInitial(0, cryptoFrame(0, CLIENT_HELLO))),
    s2c(serverFlight),
    c2s(opaqueLong(2, SERVER_CID, SCID, 60)),
    s2c(oneRtt(80)),
    c2s(oneRtt(40)),
  ]);
  const pk = of(evs, 'quic.packet');
  assert.equal(
    pk.map((e) => [e.dir, e.packet_type, e.coalesced, e.datagram_packets]),
    [
      ['c2s', 'initial', undefined, undefined],
      ['s2c', 'initial', 0, 2],
      ['s2c', 'handshake', 1, 2],
      ['c2s', 'handshake', undefined, undefined],
      ['s2c', '1rtt', undefined, undefined],
      ['c2s', '1rtt', undefined, undefined],
    ],
  );
  const s = of(evs, 'tls.session')[0]!;
  assert.is(s.protocol, 'quic');
  assert.is(s.version, 'TLS 1.3');
  assert.is(s.established, true);
  assert.is(s.client_cert_requested, null, 'TLS 1.3 hides CertificateRequest in Handshake packets');
  const q = s.quic as { packets: { s2c: Record<string, number> }; server_scid: string };
  assert.equal(q.packets.s2c, { initial: 1, handshake: 1, '1rtt': 1 });
  assert.is(q.server_scid, '5e5e5e5e5e5e5e5e');
  assert.equal(codes(evs), []);
});

test('Retry: the client Initial after it derives its keys from the Retry SCID, and so does the server', () => {
  const newDcid = Buffer.from('0123456789abcdef', 'hex');
  const evs = run([
    c2s(clientInitial(0, cryptoFrame(0, CLIENT_HELLO))),
    s2c(retry(SCID, newDcid, Buffer.from('token!'))),
    c2s(
      initial({
        keyDcid: newDcid,
        dcid: newDcid,
        scid: SCID,
        pn: 1,
        frames: cryptoFrame(0, CLIENT_HELLO),
        from: 'client',
        token: Buffer.from('token!'),
        padTo: 1162,
      }),
    ),
    s2c(serverInitial(0, newDcid)),
  ]);
  const pk = of(evs, 'quic.packet');
  assert.equal(
    pk.map((e) => [e.packet_type, e.opened]),
    [
      ['initial', true],
      ['retry', undefined],
      ['initial', true],
      ['initial', true],
    ],
  );
  assert.is(pk[1]!.retry_token_length, 6);
  assert.is(pk[2]!.token_length, 6);
  assert.equal(
    of(evs, 'tls.handshake').map((e) => e.msg),
    ['client_hello', 'server_hello'],
    'the repeated ClientHello bytes are not a second message',
  );
  const s = of(evs, 'tls.session')[0]!;
  assert.is((s.quic as { retry: boolean }).retry, true);
  assert.is((s.quic as { initial_dcid: string }).initial_dcid, DCID.toString('hex'));
  assert.equal(codes(evs), []);
});

test('an unknown version gives quic.unknown_version once; Version Negotiation lists the versions', () => {
  const unknown = Buffer.concat([Buffer.from([0xc0, 0x1a, 0x2a, 0x3a, 0x4a, 8]), DCID, Buffer.from([4]), SCID, Buffer.alloc(1200, 0x77)]);
  const evs = run([c2s(unknown), c2s(unknown), s2c(versionNegotiation(SCID, DCID, [0x00000001, 0x6b3343cf]))]);
  assert.equal(codes(evs), ['quic.unknown_version']);
  const pk = of(evs, 'quic.packet');
  assert.equal(
    pk.map((e) => e.packet_type),
    ['unknown', 'unknown', 'version_negotiation'],
  );
  assert.equal(pk[2]!.versions, ['QUIC v1', 'QUIC v2']);
  const s = of(evs, 'tls.session');
  assert.is(s.length, 1, 'a QUIC flow gets its session even with no hello read');
  assert.equal((s[0]!.quic as { vn_versions: string[] }).vn_versions, ['QUIC v1', 'QUIC v2']);
  assert.equal((s[0]!.quic as { packets: unknown }).packets, { c2s: { unknown: 2 }, s2c: { version_negotiation: 1 } });
});

test('a server Initial with no client Initial, and a damaged client Initial, give quic.undecryptable', () => {
  const a = run([s2c(serverInitial(0))]);
  assert.equal(codes(a), ['quic.undecryptable']);
  assert.match(String(of(a, 'anomaly')[0]!.message), /no Initial of the client/);
  const bad = clientInitial(0, cryptoFrame(0, CLIENT_HELLO));
  bad[bad.length - 20] = bad[bad.length - 20]! ^ 0xff;
  const b = run([c2s(bad), c2s(bad)]);
  assert.equal(codes(b), ['quic.undecryptable'], 'once per side');
  assert.equal(
    of(b, 'quic.packet').map((e) => e.opened),
    [false, false],
  );
});

test('CRYPTO bytes behind a hole that never fills give quic.crypto_incomplete; past the limit, quic.crypto_limit', () => {
  const evs = run([
    c2s(clientInitial(0, cryptoFrame(0, CLIENT_HELLO.subarray(0, 100)))),
    c2s(clientInitial(1, cryptoFrame(150, CLIENT_HELLO.subarray(150)))),
  ]);
  assert.equal(codes(evs), ['quic.crypto_incomplete']);
  const ch = of(evs, 'tls.handshake')[0]!;
  assert.is(ch.truncated, true, 'the ClientHello is reported with what arrived');
  const far = run([
    c2s(clientInitial(0, cryptoFrame(MAX_CRYPTO_HELD_BYTES, Buffer.alloc(900)))),
    c2s(clientInitial(1, cryptoFrame(1000, Buffer.alloc(900)))),
  ]);
  assert.ok(codes(far).includes('quic.crypto_incomplete'));
  const over = run(Array.from({ length: 80 }, (_, i) => c2s(clientInitial(i, cryptoFrame(1000 + i * 1000, Buffer.alloc(1000))))));
  assert.ok(codes(over).includes('quic.crypto_limit'), codes(over).join());
});

test('a CONNECTION_CLOSE with a TLS alert in an Initial (RFC 9001 §4.8) gives a tls.alert and fails the session', () => {
  // CONNECTION_CLOSE (0x1c): error 0x128 (CRYPTO_ERROR + handshake_failure 40), frame type 6, no reason.
  const close = Buffer.from([0x1c, 0x41, 0x28, 0x06, 0x00]);
  const evs = run([
    c2s(clientInitial(0, cryptoFrame(0, CLIENT_HELLO))),
    s2c(initial({ keyDcid: DCID, dcid: SCID, scid: SERVER_CID, pn: 0, frames: close, from: 'server', padTo: 40 })),
  ]);
  assert.equal(
    of(evs, 'tls.alert').map((a) => [a.dir, a.level, a.description, a.quic_error_code]),
    [['s2c', 'fatal', 'handshake_failure', 0x128]],
  );
  const s = of(evs, 'tls.session')[0]!;
  assert.is(s.established, false);
  const cc = (s.quic as { connection_close: { error: string; tls_alert: number; frame_type: number } }).connection_close;
  assert.equal([cc.error, cc.tls_alert, cc.frame_type], ['CRYPTO_ERROR', 40, 6]);
});

test.run();
