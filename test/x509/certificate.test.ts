import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  chainLinks,
  dnsNameMatches,
  findIssuer,
  hostnameMatches,
  isCertificate,
  issuedBy,
  linksTo,
  parseCertificate,
  parseIp,
  ipString,
  signatureVerifies,
  type Certificate,
  type CertificateError,
} from '../../lib/x509/index.js';
import { ROOT } from '../support/shared.js';

const DIR = join(ROOT, 'test', 'x509', 'fixtures');
const der = (f: string): Uint8Array => new Uint8Array(readFileSync(join(DIR, f)));
const FIXTURES = readdirSync(DIR).filter((f) => f.endsWith('.der'));

function cert(f: string): Certificate {
  const c = parseCertificate(der(f));
  if (!isCertificate(c)) throw new Error(`${f}: ${c.error}`);
  return c;
}

// Expected values come from the requests in fixtures/make.sh, not from reading the files back.

test('certificate: RSA leaf with every SAN type, issued by the RSA CA', () => {
  const c = cert('leaf-rsa.der');
  assert.is(c.subject, 'CN=www.example.com,O=tlsdump test,C=US');
  assert.is(c.issuer, 'CN=Test Root CA,O=tlsdump test,C=US');
  assert.is(c.serial, 'f1e2d3c4b5a69788', 'leading 00 of -set_serial 0x00f1… is the sign octet, not part of the number');
  assert.equal(c.san, ['www.example.com', '*.example.org', '192.0.2.7', '2001:db8::1']);
  assert.equal(c.san_typed, [
    { type: 'dns', value: 'www.example.com' },
    { type: 'dns', value: '*.example.org' },
    { type: 'ip', value: '192.0.2.7' },
    { type: 'ip', value: '2001:db8::1' },
    { type: 'email', value: 'ops@example.com' },
    { type: 'uri', value: 'https://example.com/x' },
  ]);
  assert.is(c.key_type, 'rsa');
  assert.is(c.key_bits, 2048);
  assert.is(c.curve, undefined);
  assert.is(c.sig_alg, 'sha256WithRSAEncryption');
  assert.is(c.version, 3);
  assert.is(c.is_ca, false);
  assert.is(c.self_signed, false);
  assert.equal(c.key_usage, ['digitalSignature', 'keyEncipherment']);
  assert.equal(c.ext_key_usage, ['serverAuth', 'clientAuth']);
  assert.is(c.sha256, createHash('sha256').update(der('leaf-rsa.der')).digest('hex'));
  assert.match(c.ski!, /^[0-9a-f]{40}$/);
  assert.is(c.aki, cert('ca-rsa.der').ski);
  assert.equal(
    c.extensions.map((e) => [e.name, e.critical]),
    [
      ['subjectAltName', false],
      ['basicConstraints', false],
      ['keyUsage', true],
      ['extKeyUsage', false],
      ['subjectKeyIdentifier', false],
      ['authorityKeyIdentifier', false],
    ],
  );
  assert.is(c.warnings, undefined);
});

test('certificate: CAs are self-signed with basicConstraints, path length and key usage', () => {
  const ca = cert('ca-rsa.der');
  assert.is(ca.serial, '1001');
  assert.is(ca.self_signed, true);
  assert.is(ca.is_ca, true);
  assert.is(ca.path_len, 1);
  assert.equal(ca.key_usage, ['keyCertSign', 'cRLSign']);
  assert.equal(ca.extensions.find((e) => e.name === 'basicConstraints')?.critical, true);
  const ec = cert('ca-ec-p384.der');
  assert.equal(
    [ec.key_type, ec.key_bits, ec.curve, ec.sig_alg, ec.self_signed, ec.serial],
    ['ec', 384, 'secp384r1', 'ecdsa-with-SHA384', true, '07'],
  );
});

test('certificate: EC P-256 leaf without SAN; Ed25519, Ed448 and DSA keys', () => {
  const p = cert('leaf-ec-p256-nosan.der');
  assert.equal(
    [p.key_type, p.key_bits, p.curve, p.sig_alg, p.san, p.san_typed, p.subject_cn],
    ['ec', 256, 'secp256r1', 'ecdsa-with-SHA384', [], undefined, ['no-san.example.net']],
  );
  assert.equal([cert('ed25519.der').key_type, cert('ed25519.der').key_bits, cert('ed25519.der').sig_alg], ['ed25519', 256, 'ED25519']);
  assert.equal([cert('ed448.der').key_type, cert('ed448.der').key_bits, cert('ed448.der').sig_alg], ['ed448', 456, 'ED448']);
  assert.equal([cert('dsa.der').key_type, cert('dsa.der').key_bits, cert('dsa.der').sig_alg], ['dsa', 2048, 'dsa_with_SHA256']);
});

test('certificate: names with escapes, a multi-valued RDN, emailAddress and an unnamed attribute type', () => {
  const c = cert('weird-name.der');
  assert.is(
    c.subject,
    '1.2.3.4=#0c036f6464,emailAddress=a@b.example,CN=x+UID=42,OU=\\ spaces\\ ,OU=\\#lead,O=Acme\\, Inc. \\"quoted\\" \\<a\\>\\;b\\\\c,C=DE',
  );
  assert.equal(c.subject_cn, ['x']);
  assert.is(c.version, 1, 'openssl req -x509 with a -config that has no extensions makes a v1 certificate');
  assert.is(c.self_signed, true);
});

test('certificate: TeletexString, BMPString and UTF8String names, and the same name in UTF8String only, match', () => {
  const a = cert('string-types.der');
  const b = cert('utf8.der');
  assert.is(a.subject, 'OU=𝔘𝔫𝔦,CN=Привет мир,O=Müller & Søn');
  assert.is(b.subject, 'CN=Привет мир,O=Müller & Søn');
  assert.equal(a.subject_cn, ['Привет мир']);
});

test('certificate: UTCTime before 2050 and GeneralizedTime from 2050 on, as ISO 8601 UTC', () => {
  const e = cert('expired.der');
  assert.equal([e.not_before, e.not_after], ['2000-01-01T00:00:00Z', '2001-01-01T00:00:00Z']);
  const g = cert('generalized-time.der');
  assert.equal([g.not_before, g.not_after], ['2049-12-31T23:59:59Z', '2060-02-29T12:00:00Z']);
});

// ---- chain primitives ----

test('chain: a leaf links to its issuer by name and AKI/SKI, and the issuer key verifies its signature', () => {
  const leaf = cert('leaf-rsa.der');
  const ca = cert('ca-rsa.der');
  const ec = cert('ca-ec-p384.der');
  assert.equal(issuedBy(leaf, ca), { name_match: true, key_id_match: true });
  assert.equal(issuedBy(leaf, ec), { name_match: false, key_id_match: false });
  assert.equal(issuedBy(cert('expired.der'), ca), { name_match: true, key_id_match: null }, 'v1 leaf has no AKI');
  assert.ok(linksTo(leaf, ca));
  assert.not.ok(linksTo(leaf, ec));
  assert.is(signatureVerifies(der('leaf-rsa.der'), der('ca-rsa.der')), true);
  assert.is(signatureVerifies(der('expired.der'), der('ca-rsa.der')), true);
  assert.is(signatureVerifies(der('leaf-ec-p256-nosan.der'), der('ca-ec-p384.der')), true);
  assert.is(signatureVerifies(der('leaf-rsa.der'), der('leaf-rsa.der')), false, 'the leaf key did not sign it');
  assert.is(signatureVerifies(der('ed25519.der'), der('ed25519.der')), true);
  assert.is(signatureVerifies(der('ed448.der'), der('ed448.der')), true);
  assert.is(signatureVerifies(der('dsa.der'), der('dsa.der')), true);
  assert.is(signatureVerifies(der('ed25519.der'), der('ed448.der')), false, 'a key of another type did not sign it');
  assert.is(signatureVerifies(der('leaf-ec-p256-nosan.der'), der('ca-rsa.der')), false);
  const flipped = der('leaf-rsa.der');
  flipped[flipped.length - 5]! ^= 1;
  assert.is(signatureVerifies(flipped, der('ca-rsa.der')), false);
  assert.is(signatureVerifies(Uint8Array.from([1, 2, 3]), der('ca-rsa.der')), undefined);
});

test('chain: chainLinks reports each consecutive pair; findIssuer looks anywhere in the list', () => {
  const leaf = cert('leaf-rsa.der');
  const ca = cert('ca-rsa.der');
  const bad: CertificateError = { error: 'x', sha256: '00' };
  assert.equal(chainLinks([leaf, ca]), [{ from: 0, to: 1, name_match: true, key_id_match: true }]);
  assert.equal(chainLinks([ca, leaf]), [{ from: 0, to: 1, name_match: false, key_id_match: false }], 'misordered');
  assert.equal(chainLinks([leaf, bad, ca])[0], { from: 0, to: 1, name_match: false, key_id_match: null, undecoded: true });
  assert.equal(chainLinks([leaf]), []);
  assert.is(findIssuer(leaf, [leaf, cert('ca-ec-p384.der'), ca]), 2);
  assert.is(findIssuer(leaf, [leaf, bad]), -1);
  assert.is(findIssuer(ca, [ca]), -1, 'a certificate is not its own issuer in the list');
});

// ---- hostname ----

test('hostname: SAN DNS names with a leftmost-label wildcard, IP SANs for IP hosts', () => {
  const leaf = cert('leaf-rsa.der');
  for (const h of ['www.example.com', 'WWW.Example.COM.', 'foo.example.org', '192.0.2.7', '2001:db8::1', '2001:DB8:0:0:0:0:0:1', '[2001:db8::1]'])
    assert.ok(hostnameMatches(h, leaf), h);
  for (const h of [
    'example.com',
    'example.org',
    'a.b.example.org',
    '.example.org',
    '192.0.2.8',
    '2001:db8::2',
    'ops@example.com',
    'example.com.evil',
  ])
    assert.not.ok(hostnameMatches(h, leaf), h);
});

test('hostname: the subject CN counts only when there is no DNS SAN', () => {
  assert.ok(hostnameMatches('no-san.example.net', cert('leaf-ec-p256-nosan.der')));
  assert.not.ok(hostnameMatches('other.example.net', cert('leaf-ec-p256-nosan.der')));
  const sanOnly = { san: ['a.example'], subject_cn: ['b.example'] };
  assert.not.ok(hostnameMatches('b.example', sanOnly));
  assert.ok(hostnameMatches('b.example', { san: ['192.0.2.1'], subject_cn: ['b.example'] }), 'only an IP SAN: CN is used for DNS names');
  assert.not.ok(hostnameMatches('192.0.2.1', { san: [], subject_cn: ['192.0.2.1'] }), 'IP hosts never match a CN');
});

test('hostname: wildcard rules (RFC 6125 §6.4.3 as browsers apply it)', () => {
  const yes: [string, string][] = [
    ['*.example.com', 'a.example.com'],
    ['*.EXAMPLE.com', 'xn--bcher-kva.example.com'],
    ['*.example.com', 'bücher.example.com'],
    ['example.com.', 'example.com'],
  ];
  const no: [string, string][] = [
    ['*.example.com', 'example.com'],
    ['*.example.com', 'a.b.example.com'],
    ['*.com', 'example.com'],
    ['*', 'localhost'],
    ['w*.example.com', 'www.example.com'],
    ['*w.example.com', 'www.example.com'],
    ['a.*.example.com', 'a.b.example.com'],
    ['*.*.example.com', 'a.b.example.com'],
    ['', ''],
  ];
  for (const [p, h] of yes) assert.ok(dnsNameMatches(p, h), `${p} ~ ${h}`);
  for (const [p, h] of no) assert.not.ok(dnsNameMatches(p, h), `${p} !~ ${h}`);
});

test('hostname: IP text parses to bytes and prints in RFC 5952 form', () => {
  const cases: [string, string | undefined][] = [
    ['192.0.2.1', '192.0.2.1'],
    ['256.0.0.1', undefined],
    ['::', '::'],
    ['::1', '::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0000:0000:0000:0002:0001', '2001:db8::2:1'],
    // RFC 5952 §5: IPv4-mapped addresses keep the dotted quad, as packet addresses (lib/net) do.
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['fe80::1%eth0', 'fe80::1'],
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['1:2:3:4:5:6:7', undefined],
    ['1::2::3', undefined],
    ['example.com', undefined],
  ];
  for (const [text, want] of cases) {
    const b = parseIp(text);
    assert.is(b === undefined ? undefined : ipString(b), want, text);
  }
});

// ---- hostile input ----

test('robustness: no strict prefix of any fixture decodes as a certificate, and none throws', () => {
  for (const f of FIXTURES) {
    const d = der(f);
    for (let i = 0; i < d.length; i++) {
      const r = parseCertificate(d.subarray(0, i));
      assert.ok('error' in r, `${f} prefix ${i} claimed success`);
      assert.not.match(r.error, /internal/, `${f} prefix ${i}: ${r.error}`);
      assert.is(r.sha256, createHash('sha256').update(d.subarray(0, i)).digest('hex'));
    }
  }
});

test('robustness: every single-byte change of every fixture decodes or fails cleanly', () => {
  let failed = 0;
  for (const f of FIXTURES) {
    const d = der(f);
    for (let i = 0; i < d.length; i++) {
      for (const x of [0x01, 0x80, 0xff]) {
        const m = Uint8Array.from(d);
        m[i]! ^= x;
        const r = parseCertificate(m);
        if ('error' in r) {
          failed++;
          assert.not.match(r.error, /internal/, `${f} byte ${i} ^ ${x}: ${r.error}`);
        } else JSON.stringify(r);
      }
    }
  }
  assert.ok(failed > 0);
});

test('robustness: random bytes and DER-looking random structures never throw', () => {
  for (let i = 0; i < 20000; i++) {
    const n = i % 300;
    const b = randomBytes(n);
    if (i % 2 === 0 && n > 4) {
      b[0] = 0x30; // make it start like a SEQUENCE so the reader goes deeper
      b[1] = 0x82;
      b[2] = 0;
      b[3] = n - 4;
    }
    const r = parseCertificate(b);
    assert.ok('error' in r);
    assert.not.match(r.error, /internal/, r.error);
  }
});

test('robustness: lengths that claim more than is there, huge tag numbers and 5-byte lengths are errors', () => {
  const cases = [
    [0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
    [0x30, 0x85, 1, 0, 0, 0, 0],
    [0x30, 0x80, 0x00, 0x00],
    [0x3f, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00],
    [0x30, 0x03, 0x30, 0x01, 0x00],
  ];
  for (const c of cases) {
    const r = parseCertificate(Uint8Array.from(c));
    assert.ok('error' in r);
    assert.not.match(r.error, /internal/, r.error);
  }
});

test.run();
