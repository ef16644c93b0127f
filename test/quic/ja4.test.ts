// The q-JA4 of tlsdump's QUIC sessions equals FoxIO's published values (their Rust snapshots in ../shared/
// captures/ja4, skipped when absent): per UDP stream, the client port, the SNI and the JA4.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { defaultOptions } from '../../lib/options.js';
import { decodeAll } from '../../lib/pipeline.js';
import { CAPTURES, haveShared, skipping } from '../support/shared.js';

/** The `transport: udp` entries of an insta snapshot: [stream, src_port, sni, ja4]. */
function snapQuic(snap: string): [number, string, string | null, string][] {
  const out: [number, string, string | null, string][] = [];
  for (const block of snap.split(/\n- stream: /).slice(1)) {
    if (!/\n\s+transport: udp/.test(block)) continue;
    const ja4 = /\n\s+ja4: (\S+)/.exec(block);
    if (!ja4) continue;
    const sni = /\n\s+tls_server_name: (\S+)/.exec(block);
    out.push([Number(block.split('\n')[0]), /\n\s+src_port: (\d+)/.exec(block)![1]!, sni ? sni[1]! : null, ja4[1]!]);
  }
  return out;
}

for (const name of ['tls-handshake', 'tls-sni']) {
  const pcap = join(CAPTURES, 'ja4', `${name}.pcapng`);
  const snap = join(CAPTURES, 'ja4', `${name}.ja4-rust.expected.snap`);
  if (!haveShared || !existsSync(pcap) || !existsSync(snap)) {
    test.skip(`ja4: ${name}`, () => {});
    skipping('../shared/captures/ja4 absent: QUIC JA4 against FoxIO');
    continue;
  }
  test(`ja4: every QUIC stream of ${name}.pcapng has FoxIO's q-JA4`, () => {
    const want = snapQuic(readFileSync(snap, 'utf8'));
    assert.ok(want.length >= 20);
    const got = decodeAll(readFileSync(pcap), defaultOptions())
      .filter((e) => e.type === 'tls.session' && e.protocol === 'quic')
      .map((e) => [e.flow, String(e.client).split(':').pop(), e.sni, e.ja4]);
    assert.equal(got.sort(), want.sort());
  });
}

test.run();
