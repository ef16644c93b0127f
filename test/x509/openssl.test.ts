// Every certificate tshark finds in ../shared/captures (and our fixtures), decoded by us and by
// `openssl x509 -nameopt RFC2253` (RFC 2253 order and escaping are RFC 4514's): the same names, serial,
// dates, SANs, key, signature algorithm, extensions and SHA-256. Skips, saying so, without openssl, tshark or
// the shared captures.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { isCertificate, parseCertificate, parseIp, ipString, type Certificate } from '../../lib/x509/index.js';
import { EXT_KEY_USAGES, SIGNATURE_ALGORITHMS } from '../../lib/x509/oids.js';
import { CAPTURES, FIXTURES, ROOT, haveShared, haveTool, skipGroup, testIf } from '../support/shared.js';
import { captureFiles, mapLimit } from '../fingerprint/tshark-hellos.js';

const haveOpenssl = haveTool('openssl');

function run(cmd: string, args: string[], input?: Uint8Array): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const p = execFile(cmd, args, { maxBuffer: 1 << 28, encoding: 'utf8' }, (err, stdout) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, out: stdout }),
    );
    if (input) p.stdin!.end(Buffer.from(input));
  });
}

/** Certificates tshark dissects in one capture (TLS and DTLS), as DER. */
async function captureCerts(pcap: string): Promise<Uint8Array[]> {
  // The project's recorded captures come with keylogs: with them tshark sees TLS 1.3 certificates too.
  const keylog = pcap.replace(/\.pcap$/, '.keylog');
  const keys = existsSync(keylog) ? ['-o', `tls.keylog_file:${keylog}`] : [];
  const r = await run('tshark', [
    '-r',
    pcap,
    ...keys,
    '-T',
    'fields',
    '-E',
    'occurrence=a',
    '-E',
    'aggregator=,',
    '-e',
    'tls.handshake.certificate',
    '-e',
    'dtls.handshake.certificate',
  ]);
  const out: Uint8Array[] = [];
  for (const field of r.out.split(/[\t\n,]/)) {
    const h = field.replace(/:/g, '').trim();
    if (h) out.push(Uint8Array.from(Buffer.from(h, 'hex')));
  }
  return out;
}

interface OpensslFacts {
  subject: string;
  issuer: string;
  serial: string;
  notBefore: string;
  notAfter: string;
  sha256: string;
  ext: Map<string, string>;
  text: string;
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
function opensslDate(s: string): string {
  const m = /^(\w{3}) +(\d+) (\d\d):(\d\d):(\d\d) (\d+) GMT$/.exec(s.trim());
  if (!m) return `unparsed ${s}`;
  const p = (x: string | number): string => String(x).padStart(2, '0');
  return `${m[6]!.padStart(4, '0')}-${p(MONTHS.indexOf(m[1]!) + 1)}-${p(m[2]!)}T${m[3]}:${m[4]}:${m[5]}Z`;
}

async function openssl(der: Uint8Array): Promise<OpensslFacts | undefined> {
  const a = await run(
    'openssl',
    [
      'x509',
      '-inform',
      'der',
      '-noout',
      '-nameopt',
      'RFC2253,-esc_msb',
      '-subject',
      '-issuer',
      '-serial',
      '-startdate',
      '-enddate',
      '-fingerprint',
      '-sha256',
      '-ext',
      'subjectAltName,basicConstraints,keyUsage,extendedKeyUsage,subjectKeyIdentifier,authorityKeyIdentifier',
    ],
    der,
  );
  if (a.code !== 0) return undefined;
  const b = await run(
    'openssl',
    ['x509', '-inform', 'der', '-noout', '-text', '-certopt', 'no_subject,no_issuer,no_extensions,no_sigdump,no_validity'],
    der,
  );
  const line = (k: string): string => (new RegExp(`^${k}=(.*)$`, 'm').exec(a.out)?.[1] ?? '').trim();
  const ext = new Map<string, string>();
  let cur: string | undefined;
  for (const l of a.out.split('\n')) {
    const m = /^X509v3 ([^:]+):/.exec(l);
    if (m) {
      cur = m[1]!;
      ext.set(cur, '');
    } else if (cur && l.startsWith('    ')) ext.set(cur, (ext.get(cur)! + '\n' + l.trim()).trim());
    else cur = undefined;
  }
  return {
    subject: line('subject'),
    issuer: line('issuer'),
    serial: line('serial').toLowerCase(),
    notBefore: opensslDate(line('notBefore')),
    notAfter: opensslDate(line('notAfter')),
    sha256: line('sha256 Fingerprint').replace(/:/g, '').toLowerCase(),
    ext,
    text: b.out,
  };
}

/** Splits at unescaped separators. */
function split(s: string, sep: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\') {
      cur += s[i]! + (s[i + 1] ?? '');
      i++;
    } else if (s[i] === sep) {
      out.push(cur);
      cur = '';
    } else cur += s[i];
  }
  out.push(cur);
  return out;
}

/**
 * Makes an RFC 4514 string comparable across the two tools: attributes of a multi-valued RDN sorted (OpenSSL
 * prints them in reverse), `#hex` lower-cased, and OpenSSL's `street` spelled STREET as RFC 4514 §3 has it.
 */
function comparable(dn: string): string {
  if (dn === '') return '';
  return split(dn, ',')
    .map((rdn) =>
      split(rdn, '+')
        .map((ava) => {
          const eq = ava.indexOf('=');
          let type = ava.slice(0, eq);
          let value = ava.slice(eq + 1);
          if (type === 'street') type = 'STREET';
          if (value.startsWith('#')) value = value.toLowerCase();
          return `${type}=${value}`;
        })
        .sort()
        .join('+'),
    )
    .join(',');
}

const KU: Record<string, string> = {
  'Digital Signature': 'digitalSignature',
  'Non Repudiation': 'nonRepudiation',
  'Key Encipherment': 'keyEncipherment',
  'Data Encipherment': 'dataEncipherment',
  'Key Agreement': 'keyAgreement',
  'Certificate Sign': 'keyCertSign',
  'CRL Sign': 'cRLSign',
  'Encipher Only': 'encipherOnly',
  'Decipher Only': 'decipherOnly',
};
const EKU: Record<string, string> = {
  'TLS Web Server Authentication': 'serverAuth',
  'TLS Web Client Authentication': 'clientAuth',
  'Code Signing': 'codeSigning',
  'E-mail Protection': 'emailProtection',
  'IPSec End System': 'ipsecEndSystem',
  'IPSec Tunnel': 'ipsecTunnel',
  'IPSec User': 'ipsecUser',
  'Time Stamping': 'timeStamping',
  'OCSP Signing': 'OCSPSigning',
  'Any Extended Key Usage': 'anyExtendedKeyUsage',
  'Microsoft Server Gated Crypto': 'msSGC',
  'Netscape Server Gated Crypto': 'nsSGC',
};
const KEY_ALG: Record<string, string> = {
  rsaEncryption: 'rsa',
  rsassaPss: 'rsa',
  'id-ecPublicKey': 'ec',
  ED25519: 'ed25519',
  ED448: 'ed448',
  dsaEncryption: 'dsa',
  dhKeyAgreement: 'dh',
  'X9.42 DH': 'dh',
};
const CURVE: Record<string, string> = {
  prime256v1: 'secp256r1',
  secp384r1: 'secp384r1',
  secp521r1: 'secp521r1',
  secp224r1: 'secp224r1',
  prime192v1: 'secp192r1',
  secp256k1: 'secp256k1',
};

const hexNoColon = (s: string): string =>
  s
    .replace(/^keyid:/, '')
    .replace(/:/g, '')
    .toLowerCase();

/** The differences between our decoding and OpenSSL's, as readable lines (empty when they agree). */
function compare(c: Certificate, o: OpensslFacts): string[] {
  const d: string[] = [];
  const eq = (what: string, ours: unknown, theirs: unknown): void => {
    if (JSON.stringify(ours) !== JSON.stringify(theirs)) d.push(`${what}: ours ${JSON.stringify(ours)} openssl ${JSON.stringify(theirs)}`);
  };
  eq('subject', comparable(c.subject), comparable(o.subject));
  eq('issuer', comparable(c.issuer), comparable(o.issuer));
  eq('serial', c.serial, o.serial);
  eq('not_before', c.not_before, o.notBefore);
  eq('not_after', c.not_after, o.notAfter);
  eq('sha256', c.sha256, o.sha256);
  const san = o.ext.get('Subject Alternative Name');
  if (san !== undefined) {
    const theirs: string[] = [];
    for (const e of san.split(/, (?=[A-Za-z ]+:)/)) {
      if (e.startsWith('DNS:')) theirs.push(e.slice(4));
      else if (e.startsWith('IP Address:')) {
        const b = parseIp(e.slice(11));
        theirs.push(b ? ipString(b) : e.slice(11));
      }
    }
    eq('san', c.san, theirs);
  } else eq('san', c.san, []);
  const bc = o.ext.get('Basic Constraints');
  eq('is_ca', c.is_ca, bc !== undefined && bc.includes('CA:TRUE'));
  const pl = bc && /pathlen:(\d+)/.exec(bc);
  eq('path_len', c.path_len, pl ? Number(pl[1]) : undefined);
  const ku = o.ext.get('Key Usage');
  eq('key_usage', c.key_usage, ku === undefined ? undefined : ku.split(', ').map((x) => KU[x] ?? x));
  const eku = o.ext.get('Extended Key Usage');
  eq('ext_key_usage', c.ext_key_usage, eku === undefined ? undefined : eku.split(', ').map((x) => EKU[x] ?? x));
  const ski = o.ext.get('Subject Key Identifier');
  eq('ski', c.ski, ski === undefined ? undefined : hexNoColon(ski));
  const aki = o.ext.get('Authority Key Identifier');
  const akiHex = aki?.split('\n').find((l) => /^(keyid:)?[0-9A-F]{2}(:[0-9A-F]{2})*$/.test(l));
  eq('aki', c.aki, akiHex === undefined ? undefined : hexNoColon(akiHex));
  const alg = /Public Key Algorithm: (.+)/.exec(o.text)?.[1]?.trim() ?? '';
  eq('key_type', c.key_type, KEY_ALG[alg] ?? alg);
  const bits = /Public-Key: \((\d+) bit\)/.exec(o.text);
  if (bits) eq('key_bits', c.key_bits, Number(bits[1]));
  const curve = /ASN1 OID: (\S+)/.exec(o.text);
  if (curve) eq('curve', c.curve, CURVE[curve[1]!] ?? curve[1]);
  eq('sig_alg', c.sig_alg, /Signature Algorithm: (.+)/.exec(o.text)?.[1]?.trim());
  eq('version', c.version, Number(/Version: (\d)/.exec(o.text)?.[1]));
  return d;
}

testIf(haveOpenssl, 'openssl absent: certificates against openssl')(
  'x509 vs openssl: every certificate tshark finds in ../shared/captures and test/fixtures (decrypted), and our DER fixtures, decode the same',
  async () => {
    const ders = new Map<string, { der: Uint8Array; from: string }>();
    const fixtures = join(ROOT, 'test', 'x509', 'fixtures');
    for (const f of readdirSync(fixtures).filter((f) => f.endsWith('.der'))) {
      const d = new Uint8Array(readFileSync(join(fixtures, f)));
      ders.set(Buffer.from(d).toString('hex'), { der: d, from: f });
    }
    const withCaptures = haveShared && haveTool('tshark');
    if (haveTool('tshark')) {
      const files = [...(haveShared ? captureFiles(CAPTURES) : []), ...(existsSync(FIXTURES) ? captureFiles(FIXTURES) : [])];
      const all = await mapLimit(files, 4, captureCerts);
      files.forEach((f, i) => {
        for (const d of all[i]!) {
          const k = Buffer.from(d).toString('hex');
          if (!ders.has(k)) ders.set(k, { der: d, from: basename(f) });
        }
      });
    }
    const bad: string[] = [];
    let compared = 0;
    let opensslRefused = 0;
    const results = await mapLimit([...ders.values()], 4, async (x) => ({ x, o: await openssl(x.der) }));
    for (const { x, o } of results) {
      const c = parseCertificate(x.der);
      if (o === undefined) {
        opensslRefused++;
        continue;
      }
      if (!isCertificate(c)) {
        bad.push(`${x.from}: ours failed (${c.error}) where openssl decodes`);
        continue;
      }
      compared++;
      for (const line of compare(c, o)) bad.push(`${x.from} ${c.sha256.slice(0, 12)} ${line}`);
    }
    assert.equal(bad, []);
    process.stderr.write(`  x509: ${compared} certificates equal openssl's decoding (${opensslRefused} openssl refuses)\n`);
    assert.ok(compared >= (withCaptures ? 100 : 10), `only ${compared} certificates compared`);
  },
);

skipGroup(
  haveShared && haveTool('tshark'),
  'x509 vs openssl: the certificates of ../shared/captures decode the same',
  '../shared/captures or tshark absent: only fixtures against openssl',
);

testIf(haveOpenssl, 'openssl absent: OID names against openssl')(
  "x509 vs openssl: our signature-algorithm names and EKU short names are OpenSSL's names for those OIDs",
  () => {
    const name = (oid: string): string => {
      const out = execFileSync('openssl', ['asn1parse', '-genstr', `OID:${oid}`], { encoding: 'utf8' });
      return /OBJECT\s+:(.*)$/m.exec(out)?.[1]?.trim() ?? '';
    };
    for (const [oid, ours] of SIGNATURE_ALGORITHMS) assert.is(ours, name(oid), oid);
    // asn1parse prints long names; our EKU names are the short ones, which `openssl x509 -text` does not show.
    const long: Record<string, string> = Object.fromEntries(Object.entries(EKU).map(([l, s]) => [s, l]));
    for (const [oid, ours] of EXT_KEY_USAGES) assert.is(name(oid), long[ours], oid);
  },
);

test.run();
