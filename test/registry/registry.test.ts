import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFileSync } from 'node:child_process';
import * as R from '../../lib/registry/index.js';
import { haveTool, testIf } from '../support/shared.js';

test('registry: every table has the entry count generated from IANA and tshark 4.0 data', () => {
  const counts: [string, ReadonlyMap<number, string>, number][] = [
    ['cipher suites', R.CIPHER_SUITES, 408],
    ['SSLv2 cipher specs', R.SSLV2_CIPHER_SPECS, 8],
    ['extensions', R.EXTENSIONS, 59],
    ['groups', R.GROUPS, 137],
    ['signature schemes', R.SIGNATURE_SCHEMES, 76],
    ['alerts', R.ALERT_DESCRIPTIONS, 36],
    ['alert levels', R.ALERT_LEVELS, 2],
    ['handshake types', R.HANDSHAKE_TYPES, 22],
    ['SSLv2 message types', R.SSLV2_MESSAGE_TYPES, 9],
    ['content types', R.CONTENT_TYPES, 6],
    ['versions', R.VERSIONS, 27],
    ['EC point formats', R.EC_POINT_FORMATS, 3],
    ['client certificate types', R.CLIENT_CERTIFICATE_TYPES, 10],
    ['PSK modes', R.PSK_KEY_EXCHANGE_MODES, 2],
    ['compression methods', R.COMPRESSION_METHODS, 3],
    ['certificate compression', R.CERTIFICATE_COMPRESSION_ALGORITHMS, 3],
    ['certificate status types', R.CERTIFICATE_STATUS_TYPES, 2],
  ];
  for (const [name, table, n] of counts) assert.is(table.size, n, name);
});

test('registry: names follow IANA spelling and the contract (snake_case messages and alerts)', () => {
  assert.is(R.cipherName(0x0035), 'TLS_RSA_WITH_AES_256_CBC_SHA');
  assert.is(R.cipherName(0x1301), 'TLS_AES_128_GCM_SHA256');
  assert.is(R.cipherName(0xc030), 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384');
  assert.is(R.cipherName(0x010080), 'SSL2_RC4_128_WITH_MD5');
  assert.is(R.cipherName(0x0700c0), 'SSL2_DES_192_EDE3_CBC_WITH_MD5');
  assert.is(R.cipherName(0x000039), 'TLS_DHE_RSA_WITH_AES_256_CBC_SHA');
  assert.is(R.handshakeTypeName(14), 'server_hello_done');
  assert.is(R.handshakeTypeName(16), 'client_key_exchange');
  assert.is(R.alertDescriptionName(40), 'handshake_failure');
  assert.is(R.alertDescriptionName(0), 'close_notify');
  assert.is(R.alertDescriptionName(120), 'no_application_protocol');
  assert.is(R.alertLevelName(2), 'fatal');
  assert.is(R.contentTypeName(20), 'change_cipher_spec');
  assert.is(R.contentTypeName(23), 'application_data');
  assert.is(R.versionName(0x0002), 'SSL 2.0');
  assert.is(R.versionName(0x0300), 'SSL 3.0');
  assert.is(R.versionName(0x0301), 'TLS 1.0');
  assert.is(R.versionName(0x0304), 'TLS 1.3');
  assert.is(R.extensionName(0), 'server_name');
  assert.is(R.extensionName(0xfe0d), 'encrypted_client_hello');
  assert.is(R.extensionName(17513), 'application_settings');
  assert.is(R.groupName(0x11ec), 'X25519MLKEM768');
  assert.is(R.groupName(29), 'x25519');
  assert.is(R.signatureSchemeName(0x0804), 'rsa_pss_rsae_sha256');
  assert.is(R.signatureSchemeName(0x0402), 'dsa_sha256');
  assert.is(R.pskModeName(1), 'psk_dhe_ke');
  assert.is(R.clientCertificateTypeName(64), 'ecdsa_sign');
});

test('registry: GREASE values are named GREASE and unknown values keep their number in the name', () => {
  for (const v of [0x0a0a, 0x1a1a, 0xfafa]) {
    assert.ok(R.isGrease(v));
    assert.is(R.cipherName(v), 'GREASE');
    assert.is(R.extensionName(v), 'GREASE');
    assert.is(R.groupName(v), 'GREASE');
    assert.is(R.versionName(v), 'GREASE');
  }
  assert.not.ok(R.isGrease(0x0a1a));
  assert.not.ok(R.isGrease(0x1301));
  assert.ok(R.isGreaseByte(0x0b) && R.isGreaseByte(0x2a) && R.isGreaseByte(0xe4) && !R.isGreaseByte(0xfa));
  assert.is(R.extensionName(0x1234), 'unknown_0x1234');
  assert.is(R.handshakeTypeName(99), 'unknown_0x63');
});

testIf(haveTool('tshark'), 'tshark not installed: registry cross-check')(
  'registry: every value tshark names is in our tables (cross-check against the installed tshark)',
  () => {
    const text = execFileSync('tshark', ['-G', 'values'], { maxBuffer: 1 << 30, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const fields: [string, (v: number) => boolean][] = [
      ['tls.handshake.ciphersuite', (v) => R.CIPHER_SUITES.has(v)],
      ['tls.handshake.extension.type', (v) => R.EXTENSIONS.has(v)],
      ['tls.handshake.extensions_supported_group', (v) => R.GROUPS.has(v)],
      ['tls.handshake.sig_hash_alg', (v) => R.SIGNATURE_SCHEMES.has(v)],
      ['tls.alert_message.desc', (v) => R.ALERT_DESCRIPTIONS.has(v)],
      ['tls.record.version', (v) => R.VERSIONS.has(v)],
    ];
    for (const [field, has] of fields) {
      let n = 0;
      for (const line of text.split('\n')) {
        const [kind, f, value] = line.split('\t');
        if (kind !== 'V' || f !== field) continue;
        const v = Number(value);
        if (R.isGrease(v)) continue;
        assert.ok(has(v), `${field} ${value} missing`);
        n++;
      }
      assert.ok(n > 0, field);
    }
  },
);

test.run();
