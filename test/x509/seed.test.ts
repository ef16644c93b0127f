// The seed article's certificates: the server's Certificate message spans the 1:1419 segment (from 0x0090 of
// its dump) and the 300-byte segment that arrived out of order. We put the two payloads together by hand
// here (TCP reassembly is another stage's job) and decode both certificates.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Cursor } from '../../lib/cursor.js';
import { chainLinks, isCertificate, parseCertificate, signatureVerifies, type Certificate } from '../../lib/x509/index.js';
import { SHARED, haveShared, testIf } from '../support/shared.js';

/** Hex lines of a tcpdump -X dump → bytes by offset; a group left blank (as in the article's second dump) is skipped. */
function hexLines(lines: string[]): Map<number, number> {
  const bytes = new Map<number, number>();
  for (const l of lines) {
    const m = /^\s*0x([0-9a-f]{4}):  (.*)$/.exec(l);
    if (!m) continue;
    const base = parseInt(m[1]!, 16);
    const area = m[2]!.padEnd(40, ' ');
    for (let g = 0; g < 8; g++) {
      const grp = area.slice(g * 5, g * 5 + 4);
      for (let k = 0; k < 2; k++) {
        const h = grp.slice(k * 2, k * 2 + 2);
        if (/^[0-9a-f]{2}$/.test(h)) bytes.set(base + g * 2 + k, parseInt(h, 16));
      }
    }
  }
  return bytes;
}

function payload(bytes: Map<number, number>, from: number): number[] {
  const out: number[] = [];
  for (let i = from; bytes.has(i); i++) out.push(bytes.get(i)!);
  return out;
}

function seedCertificates(): Uint8Array[] {
  const dir = join(SHARED, 'seed');
  const file = readdirSync(dir).find((f) => f.endsWith('.txt'))!;
  const lines = readFileSync(join(dir, file), 'utf8').split('\n');
  // The second dump of the 1:1419 segment (the one with hex lines under it), up to the out-of-order packet.
  const start = lines.findIndex((l, i) => l.includes('1:1419(1418)') && /^\s*0x0000:/.test(lines[i + 1] ?? ''));
  const ooo = lines.findIndex((l) => l.includes('from the "out of order" packet'));
  const end = lines.findIndex((l, i) => i > ooo && l.includes('breakdown of the second record'));
  const first = payload(hexLines(lines.slice(start, ooo)), 52); // 20-byte IP + 32-byte TCP header
  const second = payload(hexLines(lines.slice(ooo, end)), 52);
  assert.is(first.length, 1418);
  assert.is(second.length, 300);
  const stream = Uint8Array.from([...first, ...second]);
  // Record 1 (ServerHello, 5 + 74 bytes), then record 2 whose body is the Certificate message (RFC 2246 §7.4.2).
  const c = Cursor.of(stream, 5 + 74 + 5);
  assert.is(c.u8(), 11);
  const msg = c.u24Prefixed()!;
  const list = msg.u24Prefixed()!;
  const out: Uint8Array[] = [];
  while (!list.empty) {
    const cert = list.u24Prefixed()!;
    out.push(cert.bytes(cert.left)!);
  }
  return out;
}

testIf(haveShared && existsSync(join(SHARED, 'seed')), '../shared/seed absent: the seed article certificates')(
  'seed: the server sends www.google.com then Thawte SGC CA, decoded to the values the article shows',
  () => {
    const ders = seedCertificates();
    assert.equal(
      ders.map((d) => d.length),
      [805, 807],
    );
    const [leaf, ca] = ders.map((d) => parseCertificate(d)) as [Certificate, Certificate];
    assert.ok(isCertificate(leaf) && isCertificate(ca));
    assert.is(leaf.subject, 'CN=www.google.com,O=Google Inc,L=Mountain View,ST=California,C=US');
    assert.is(leaf.issuer, 'CN=Thawte SGC CA,O=Thawte Consulting (Pty) Ltd.,C=ZA');
    assert.is(leaf.serial, '68766438' + '3d496e2ef5e3199842e07cee');
    assert.equal([leaf.not_before, leaf.not_after], ['2007-05-03T15:34:58Z', '2008-05-14T23:18:11Z']);
    assert.equal([leaf.key_type, leaf.key_bits, leaf.sig_alg], ['rsa', 1024, 'sha1WithRSAEncryption']);
    assert.equal(leaf.san, []);
    assert.equal(leaf.ext_key_usage, ['serverAuth', 'clientAuth', 'nsSGC']);
    assert.is(leaf.is_ca, false);
    assert.is(ca.subject, 'CN=Thawte SGC CA,O=Thawte Consulting (Pty) Ltd.,C=ZA');
    assert.is(ca.issuer, 'OU=Class 3 Public Primary Certification Authority,O=VeriSign\\, Inc.,C=US');
    assert.is(ca.serial, '30000002');
    assert.equal([ca.not_before, ca.not_after], ['2004-05-13T00:00:00Z', '2014-05-12T23:59:59Z']);
    assert.equal([ca.is_ca, ca.path_len, ca.key_usage], [true, 0, ['keyCertSign', 'cRLSign']]);
    assert.equal(ca.san_typed, [{ type: 'dirname', value: 'CN=PrivateLabel3-15' }]);
    assert.equal(chainLinks([leaf, ca]), [{ from: 0, to: 1, name_match: true, key_id_match: null }]);
    assert.is(signatureVerifies(ders[0]!, ders[1]!), true, 'Thawte SGC CA signed the www.google.com certificate');
  },
);

test.run();
