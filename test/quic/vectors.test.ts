// The Initial packet protection of RFC 9001 Appendix A (QUIC v1) and RFC 9369 Appendix A (QUIC v2): keys from the
// client's DCID 0x8394c8f03e515708, the client Initial sealed and protected byte for byte, the server Initial
// opened, and both read end to end through the pipeline (ClientHello with SNI, ALPN and transport parameters).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { decodeAll } from '../../lib/pipeline.js';
import { defaultOptions } from '../../lib/options.js';
import { EVENT_TYPES } from '../../lib/events.js';
import { headerMask, initialKeys, openPayload, sealPayload } from '../../lib/quic/index.js';
import { QUIC_V1, QUIC_V2 } from '../../lib/registry/quic.js';
import { udpPcap } from '../udp/build.js';
import { CLIENT_PAYLOAD, DCID, SERVER_PAYLOAD, h } from './rfc9001.js';

const V1 = {
  version: QUIC_V1,
  clientHeader: h('c300000001088394c8f03e5157080000449e00000002'),
  clientPrefix: 'c000000001088394c8f03e5157080000449e7b9aec34d1b1c98dd7689fb8ec11d242b123dc9bd8bab936b47d92ec356c0bab7df5976d27cd449f63300099f399',
  clientSuffix: '7e78bfe706ca4cf5e9c5453e9f7cfd2b8b4c8d169a44e55c88d4a9a7f9474241e221af44860018ab0856972e194cd934',
  server: h(`cf000000010008f067a5502a4262b5004075c0d95a482cd0991cd25b0aac406a
    5816b6394100f37a1c69797554780bb38cc5a99f5ede4cf73c3ec2493a1839b3
    dbcba3f6ea46c5b7684df3548e7ddeb9c3bf9c73cc3f3bded74b562bfb19fb84
    022f8ef4cdd93795d77d06edbb7aaf2f58891850abbdca3d20398c276456cbc4
    2158407dd074ee`),
  serverHeader: h('c1000000010008f067a5502a4262b50040750001'),
};
const V2 = {
  version: QUIC_V2,
  clientHeader: h('d36b3343cf088394c8f03e5157080000449e00000002'),
  clientPrefix: 'd76b3343cf088394c8f03e5157080000449ea0c95e82ffe67b6abcdb4298b485',
  clientSuffix:
    '6f4c4938ae79324dc402894b44faf8afbab35282ab659d13c93f70412e85cb199a37ddec600545473cfb5a05e08d0b209973b2172b4d21fb69745a262ccde96ba18b2faa745b6fe189cf772a9f84cbfc',
  server: h(`dc6b3343cf0008f067a5502a4262b5004075d92faaf16f05d8a4398c47089698
    baeea26b91eb761d9b89237bbf87263017915358230035f7fd3945d88965cf17
    f9af6e16886c61bfc703106fbaf3cb4cfa52382dd16a393e42757507698075b2
    c984c707f0a0812d8cd5a6881eaf21ceda98f4bd23f6fe1a3e2c43edd9ce7ca8
    4bed8521e2e140`),
  serverHeader: h('d16b3343cf0008f067a5502a4262b50040750001'),
};

/** RFC 9001 §5.3/§5.4.1: seal the payload, then mask the first byte's low 4 bits and the packet number. */
function protect(v: typeof V1): Buffer {
  const keys = initialKeys(v.version, DCID)!.client;
  const sealed = sealPayload(keys, 2, v.clientHeader, CLIENT_PAYLOAD);
  const pnOffset = v.clientHeader.length - 4;
  const mask = headerMask(keys.hp, sealed.subarray(4 - 4, 16));
  const header = Buffer.from(v.clientHeader);
  header[0] = header[0]! ^ (mask[0]! & 0x0f);
  for (let i = 0; i < 4; i++) header[pnOffset + i] = header[pnOffset + i]! ^ mask[1 + i]!;
  return Buffer.concat([header, sealed]);
}

test('RFC 9001 §A.1: the Initial secrets and keys of both sides from DCID 8394c8f03e515708', () => {
  const k = initialKeys(QUIC_V1, DCID)!;
  assert.is(k.clientSecret.toString('hex'), 'c00cf151ca5be075ed0ebfb5c80323c42d6b7db67881289af4008f1f6c357aea');
  assert.is(k.client.key.toString('hex'), '1f369613dd76d5467730efcbe3b1a22d');
  assert.is(k.client.iv.toString('hex'), 'fa044b2f42a3fd3b46fb255c');
  assert.is(k.client.hp.toString('hex'), '9f50449e04a0e810283a1e9933adedd2');
  assert.is(k.serverSecret.toString('hex'), '3c199828fd139efd216c155ad844cc81fb82fa8d7446fa7d78be803acdda951b');
  assert.is(k.server.key.toString('hex'), 'cf3a5331653c364c88f0f379b6067e37');
  assert.is(k.server.iv.toString('hex'), '0ac1493ca1905853b0bba03e');
  assert.is(k.server.hp.toString('hex'), 'c206b8d9b9f0f37644430b490eeaa314');
});

test('initialKeys: no keys for a version without a known salt', () => {
  assert.is(initialKeys(0xff00001d, DCID), undefined);
  assert.is(initialKeys(0x1a2a3a4a, DCID), undefined);
});

for (const [name, v] of [
  ['RFC 9001 (v1)', V1],
  ['RFC 9369 (v2)', V2],
] as const) {
  test(`${name} §A.2: the client Initial protected with these keys is the appendix's, byte for byte at both ends`, () => {
    const p = protect(v);
    assert.is(p.length, 1200);
    assert.is(p.toString('hex').slice(0, v.clientPrefix.length), v.clientPrefix);
    assert.is(p.toString('hex').slice(-v.clientSuffix.length), v.clientSuffix);
  });

  test(`${name} §A.3: the server Initial opens to the appendix's ACK and ServerHello`, () => {
    const keys = initialKeys(v.version, DCID)!.server;
    const pnOffset = v.serverHeader.length - 2;
    const mask = headerMask(keys.hp, v.server.subarray(pnOffset + 4, pnOffset + 20));
    const header = Buffer.from(v.server.subarray(0, pnOffset + 2));
    header[0] = header[0]! ^ (mask[0]! & 0x0f);
    for (let i = 0; i < 2; i++) header[pnOffset + i] = header[pnOffset + i]! ^ mask[1 + i]!;
    assert.equal(header, v.serverHeader);
    assert.equal(openPayload(keys, 1, header, v.server.subarray(pnOffset + 2)), SERVER_PAYLOAD);
    const bad = Buffer.from(v.server);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
    assert.is(openPayload(keys, 1, header, bad.subarray(pnOffset + 2)), undefined);
  });

  test(`${name}: both Initials read through the pipeline give the ClientHello and ServerHello, a QUIC session and q-JA4`, () => {
    const pcap = udpPcap([
      { src: '192.0.2.1', sport: 50000, dst: '192.0.2.2', dport: 443, payload: protect(v) },
      { src: '192.0.2.2', sport: 443, dst: '192.0.2.1', dport: 50000, payload: v.server },
    ]);
    const evs = decodeAll(pcap, defaultOptions({ events: new Set(EVENT_TYPES) }));
    const pkts = evs.filter((e) => e.type === 'quic.packet');
    assert.equal(
      pkts.map((e) => [e.dir, e.packet_type, e.version_id, e.packet_number, e.opened]),
      [
        ['c2s', 'initial', v.version, 2, true],
        ['s2c', 'initial', v.version, 1, true],
      ],
    );
    assert.equal(pkts[0]!.frames, ['crypto', 'padding']);
    assert.equal(pkts[1]!.frames, ['ack', 'crypto']);
    const ch = evs.find((e) => e.type === 'tls.handshake' && e.msg === 'client_hello')!;
    assert.is(ch.protocol, 'quic');
    assert.is(ch.sni, 'example.com');
    assert.equal(ch.alpn, ['alpn']);
    assert.equal(ch.cipher_ids, [0x1301, 0x1302]);
    // JA4.md: q, TLS 1.3, SNI, 2 ciphers, 11 extensions, ALPN "alpn" → "an".
    assert.ok(String(ch.ja4).startsWith('q13d0211an_'), String(ch.ja4));
    const tp = (ch.extensions as { id: number; parameters?: { id: number; name: string; value?: unknown }[] }[]).find((e) => e.id === 57)!;
    // 0x04 initial_max_data is 2^62-1, which a number holds only approximately.
    assert.ok((tp.parameters![0]!.value as number) > 2 ** 61);
    assert.equal(
      tp.parameters!.slice(1).map((p) => [p.name, p.value]),
      [
        ['initial_max_stream_data_bidi_local', 0xffff],
        ['initial_max_stream_data_uni', 0xffff],
        ['initial_max_streams_bidi', 16],
        ['max_idle_timeout', 30000],
        ['initial_max_streams_uni', 16],
        ['initial_source_connection_id', '8394c8f03e515708'],
        ['initial_max_stream_data_bidi_remote', 0xffff],
      ],
    );
    assert.is(tp.parameters![0]!.name, 'initial_max_data');
    const sh = evs.find((e) => e.type === 'tls.handshake' && e.msg === 'server_hello')!;
    assert.is(sh.cipher_id, 0x1301);
    assert.is(sh.version, 'TLS 1.3');
    const s = evs.find((e) => e.type === 'tls.session')!;
    assert.is(s.protocol, 'quic');
    assert.is(s.sni, 'example.com');
    assert.is((s.quic as { initial_dcid: string }).initial_dcid, '8394c8f03e515708');
    assert.is((s.quic as { version_id: number }).version_id, v.version);
    assert.is(s.client_cert_requested, null);
    assert.not.ok(
      evs.some((e) => e.type === 'anomaly'),
      JSON.stringify(evs.filter((e) => e.type === 'anomaly')),
    );
  });
}

test.run();
