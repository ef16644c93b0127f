// Key schedule and record protection against RFC 8448 §3: HKDF-Expand-Label gives the printed keys and IVs, and
// the printed records open to the printed plaintexts at their sequence numbers, and at no other.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hkdfExpandLabel, trafficKeys } from '../../lib/decrypt/kdf.js';
import { tls13Cipher } from '../../lib/decrypt/record.js';
import { suiteParams } from '../../lib/decrypt/suites.js';
import * as V from './rfc8448.js';

const suite = suiteParams(0x1301)!;

function open(record: Buffer, key: Buffer, iv: Buffer, seq: bigint) {
  const c = tls13Cipher(suite, key, iv);
  return c.open(record[0]!, record.readUInt16BE(1), record.subarray(5), seq);
}

test('rfc8448: traffic keys and IVs from the handshake traffic secrets (HKDF-Expand-Label "key", "iv")', () => {
  assert.equal(trafficKeys(suite, V.SERVER_HS_SECRET), { key: V.SERVER_HS_KEY, iv: V.SERVER_HS_IV });
  assert.equal(trafficKeys(suite, V.CLIENT_HS_SECRET), { key: V.CLIENT_HS_KEY, iv: V.CLIENT_HS_IV });
  assert.is(hkdfExpandLabel('sha256', V.SERVER_HS_SECRET, 'iv', new Uint8Array(0), 12).toString('hex'), V.SERVER_HS_IV.toString('hex'));
});

test('rfc8448: the client Finished record opens to a handshake message under the client handshake key', () => {
  const o = open(V.CLIENT_FINISHED_RECORD, V.CLIENT_HS_KEY, V.CLIENT_HS_IV, 0n)!;
  assert.is(o.content, 22);
  assert.is(o.data.toString('hex'), V.CLIENT_FINISHED.toString('hex'));
});

test('rfc8448: the server flight opens to EncryptedExtensions, Certificate, CertificateVerify, Finished', () => {
  const o = open(V.SERVER_FLIGHT_RECORD, V.SERVER_HS_KEY, V.SERVER_HS_IV, 0n)!;
  assert.is(o.content, 22);
  assert.is(o.data.length, 657);
  const types: number[] = [];
  for (let p = 0; p < o.data.length; p += 4 + o.data.readUIntBE(p + 1, 3)) types.push(o.data[p]!);
  assert.equal(types, [8, 11, 15, 20]);
});

test('rfc8448: application data opens at its sequence number (server: 1, after its ticket) and at no other', () => {
  const c = open(V.CLIENT_APP_RECORD, V.CLIENT_APP_KEY, V.CLIENT_APP_IV, 0n)!;
  assert.is(c.content, 23);
  assert.is(c.data.toString('hex'), V.PAYLOAD.toString('hex'));
  const s = open(V.SERVER_APP_RECORD, V.SERVER_APP_KEY, V.SERVER_APP_IV, 1n)!;
  assert.is(s.data.toString('hex'), V.PAYLOAD.toString('hex'));
  for (const seq of [1n, 2n, 255n, 256n]) assert.is(open(V.CLIENT_APP_RECORD, V.CLIENT_APP_KEY, V.CLIENT_APP_IV, seq), undefined, `seq ${seq}`);
  assert.is(open(V.SERVER_APP_RECORD, V.SERVER_APP_KEY, V.SERVER_APP_IV, 0n), undefined);
});

test("rfc8448: a record never opens under the other direction's key, nor with one bit changed", () => {
  assert.is(open(V.CLIENT_APP_RECORD, V.SERVER_APP_KEY, V.SERVER_APP_IV, 0n), undefined);
  // (The length bytes, 3 and 4, are the framing's: the body handed over is the length.)
  for (const at of [0, 1, 5, 30, V.CLIENT_APP_RECORD.length - 1]) {
    const bad = Buffer.from(V.CLIENT_APP_RECORD);
    bad[at]! ^= 0x01;
    assert.is(open(bad, V.CLIENT_APP_KEY, V.CLIENT_APP_IV, 0n), undefined, `bit flipped at ${at}`);
  }
});

test.run();
