// Property tests (fast-check) of lib/x509: parseCertificate takes random bytes, random DER trees and real
// certificates damaged in every way (bytes changed, inserted, deleted, cut, lengths rewritten) without throwing
// and without an internal error, and always gives plain JSON with the SHA-256 of exactly the bytes given; names
// come out as valid strings (no lone surrogate) or `#hex`; hostname checks take any strings.

import fc from 'fast-check';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { hostnameMatches, isCertificate, parseCertificate, parseDistinguishedName } from '../../lib/x509/index.js';
import { FIXTURES } from '../support/shared.js';
import { hasLoneSurrogate, plainJson, runs } from './support.js';

/** The certificates of test/fixtures/pki and test/x509/fixtures, as DER. */
function realCertificates(): Uint8Array[] {
  const out: Uint8Array[] = [];
  const pki = join(FIXTURES, 'pki');
  for (const f of readdirSync(pki).filter((n) => n.endsWith('.pem'))) {
    const pem = readFileSync(join(pki, f), 'latin1');
    for (const m of pem.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g))
      out.push(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
  }
  const ders = join(FIXTURES, '..', 'x509', 'fixtures');
  for (const f of readdirSync(ders).filter((n) => n.endsWith('.der'))) out.push(readFileSync(join(ders, f)));
  return out;
}

function checkResult(der: Uint8Array): void {
  const r = parseCertificate(der);
  assert.is(r.sha256, createHash('sha256').update(der).digest('hex'), 'sha256 of exactly the bytes given');
  if (!isCertificate(r)) {
    assert.type(r.error, 'string');
    assert.not.ok(r.error.startsWith('internal error'), `no internal error: ${r.error}`);
    return;
  }
  const bad = plainJson(r, 'certificate');
  assert.is(bad, undefined, bad);
  for (const s of [r.subject, r.issuer, ...r.san, ...r.subject_cn]) assert.not.ok(hasLoneSurrogate(s));
  // The hostname check takes whatever the certificate holds.
  hostnameMatches('server.test', r);
}

const certs = realCertificates();

test('x509: there are real certificates to damage', () => {
  assert.ok(certs.length >= 10, `${certs.length} certificates`);
});

test('x509: real certificates with bytes changed, inserted, deleted or cut never throw and give plain JSON', () => {
  const edit = fc.record({
    kind: fc.constantFrom('set', 'insert', 'delete', 'cut', 'len'),
    at: fc.nat(100_000),
    v: fc.nat(255),
    n: fc.integer({ min: 1, max: 40 }),
  });
  fc.assert(
    fc.property(fc.nat(certs.length - 1), fc.array(edit, { minLength: 1, maxLength: 6 }), (ci, edits) => {
      let b = Buffer.from(certs[ci]!);
      for (const e of edits) {
        const at = b.length ? e.at % b.length : 0;
        if (e.kind === 'set') b[at] = e.v;
        else if (e.kind === 'insert') b = Buffer.concat([b.subarray(0, at), Buffer.alloc(e.n, e.v), b.subarray(at)]);
        else if (e.kind === 'delete') b = Buffer.concat([b.subarray(0, at), b.subarray(at + e.n)]);
        else if (e.kind === 'cut') b = b.subarray(0, at);
        else {
          // A length octet made long-form or huge: 0x84 then four bytes, or 0x80 (indefinite), at a tag boundary.
          const forms = [[0x80], [0x84, 0xff, 0xff, 0xff, 0xff], [0x84, 0x7f, 0xff, 0xff, 0xff], [0x88, 1, 2, 3, 4, 5, 6, 7, 8], [0x81, e.v]];
          b = Buffer.concat([b.subarray(0, at), Buffer.from(forms[e.v % forms.length]!), b.subarray(at + 1)]);
        }
      }
      checkResult(b);
    }),
    { numRuns: runs(3000) },
  );
});

/** Random DER-shaped trees: tags of every class, constructed or not, with lengths that are right or off. */
const derTree: fc.Arbitrary<Uint8Array> = fc.letrec<{ node: Uint8Array }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc
      .tuple(
        fc.constantFrom(0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x0c, 0x13, 0x14, 0x16, 0x17, 0x18, 0x1e, 0x1c, 0x80, 0x81, 0x82, 0x87, 0x88, 0x1f),
        fc.uint8Array({ maxLength: 40 }),
      )
      .map(([t, body]) => tlv(t, body)),
    fc
      .tuple(fc.constantFrom(0x30, 0x31, 0xa0, 0xa1, 0xa3, 0xa4), fc.array(tie('node'), { maxLength: 5 }))
      .map(([t, kids]) => tlv(t, Buffer.concat(kids))),
  ),
})).node;

function tlv(tag: number, body: Uint8Array): Uint8Array {
  const n = body.length;
  const len = n < 0x80 ? [n] : n < 0x100 ? [0x81, n] : [0x82, n >> 8, n & 0xff];
  return Buffer.concat([Buffer.from([tag, ...len]), body]);
}

test('x509: random DER trees and random bytes never throw, never give an internal error, and give plain JSON', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        derTree,
        fc.uint8Array({ maxLength: 300 }),
        derTree.map((t) => tlv(0x30, Buffer.concat([tlv(0x30, t), t, t]))),
      ),
      (der) => {
        checkResult(der);
        const name = parseDistinguishedName(der);
        assert.type(name, 'string');
        assert.not.ok(hasLoneSurrogate(name));
      },
    ),
    { numRuns: runs(3000) },
  );
});

test('x509: hostname checks take any host and any certificate names', () => {
  fc.assert(
    fc.property(
      fc.string({ maxLength: 60 }),
      fc.array(fc.string({ maxLength: 40 }), { maxLength: 5 }),
      fc.array(fc.string({ maxLength: 40 }), { maxLength: 3 }),
      (host, san, cn) => {
        assert.type(hostnameMatches(host, { san, subject_cn: cn }), 'boolean');
        assert.type(hostnameMatches(host, { san: [], subject_cn: [host] }), 'boolean');
      },
    ),
    { numRuns: runs(2000) },
  );
});

test.run();
