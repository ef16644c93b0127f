// DTLS captures of ../shared (skipped when absent): the verdicts they should give, including the mutual-TLS chain
// of evidence over DTLS and the DTLS 1.3 handshake told from its epochs.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { CAPTURES, haveShared, skipping } from '../support/shared.js';

const CASES: [string, (s: Record<string, unknown>[]) => void][] = [
  [
    'zeek/webrtc-stun.pcap',
    (s) => {
      assert.equal(
        s.map((x) => [x.version, x.client_cert_requested, x.client_cert_sent]),
        [['DTLS 1.0', true, true]],
      );
    },
  ],
  [
    'zeek/dtls13-wolfssl.pcap',
    (s) => {
      assert.equal(
        s.map((x) => [x.version, x.established, x.client_cert_requested]),
        [['DTLS 1.3', true, null]],
      );
    },
  ],
  [
    'zeek/dtls1_2.pcap',
    (s) => {
      assert.equal(
        s.map((x) => [x.version, x.cipher, x.client_cert_requested]),
        [['DTLS 1.2', 'TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384', false]],
      );
    },
  ],
];

for (const [name, check] of CASES) {
  const f = join(CAPTURES, name);
  if (!haveShared || !existsSync(f)) {
    test.skip(`shared ${name}`, () => {});
    skipping('../shared/captures absent: DTLS verdict tests');
    continue;
  }
  test(`verdict: ${name}`, () => {
    const sessions = decodeAll(readFileSync(f), defaultOptions()).filter((e) => e.type === 'tls.session');
    assert.ok(sessions.every((x) => x.protocol === 'dtls'));
    check(sessions);
  });
}

test.run();
