// The project's own recorded captures (test/fixtures), decrypted by tshark with their keylogs so that TLS 1.3
// certificates and CertificateRequests are visible too: every certificate decodes like OpenSSL decodes it,
// every CertificateRequest CA name is the RFC 4514 subject of a CA in test/fixtures/pki, and in the mTLS
// captures the client certificate's issuer matches a requested CA name exactly when the scenario says so.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { Cursor } from '../../lib/cursor.js';
import { isCertificate, namesMatch, parseCertificate, parseName } from '../../lib/x509/index.js';
import { FIXTURES, haveTool, testIf } from '../support/shared.js';
import { mapLimit } from '../fingerprint/tshark-hellos.js';

interface Seen {
  file: string;
  /** Certificate messages in capture order, each a list of DERs, with the sending port. */
  certificates: { srcport: number; ders: Uint8Array[] }[];
  /** CA name lists of CertificateRequests, as DERs. */
  caNames: Uint8Array[][];
  serverPort: number;
}

function walk(o: unknown, visit: (k: string, v: unknown) => void): void {
  if (Array.isArray(o)) for (const x of o) walk(x, visit);
  else if (o && typeof o === 'object') {
    for (const [k, v] of Object.entries(o)) {
      visit(k, v);
      walk(v, visit);
    }
  }
}

const many = (v: unknown): unknown[] => (Array.isArray(v) ? v : [v]);

function tshark(pcap: string, keylog: string): Promise<Seen> {
  return new Promise((resolve, reject) => {
    execFile(
      'tshark',
      [
        '-r',
        pcap,
        '-o',
        `tls.keylog_file:${keylog}`,
        '-Y',
        'tls.handshake.type == 11 || tls.handshake.type == 13',
        '-T',
        'json',
        '-x',
        '--no-duplicate-keys',
      ],
      { maxBuffer: 1 << 30 },
      (err, stdout) => {
        if (err) return reject(err);
        const seen: Seen = { file: pcap, certificates: [], caNames: [], serverPort: 0 };
        for (const pkt of JSON.parse(stdout) as { _source: { layers: Record<string, unknown> } }[]) {
          const layers = pkt._source.layers;
          const tcp = layers.tcp as Record<string, string>;
          const srcport = Number(many(tcp['tcp.srcport'])[0]);
          walk(layers, (k, v) => {
            if (k === 'tls.handshake.certificates') {
              const ders: Uint8Array[] = [];
              walk(v, (k2, v2) => {
                if (k2 === 'tls.handshake.certificate')
                  for (const h of many(v2)) ders.push(Uint8Array.from(Buffer.from(String(h).replace(/:/g, ''), 'hex')));
              });
              seen.certificates.push({ srcport, ders });
            } else if (k === 'tls.handshake.dnames_raw') {
              // [hex, pos, len, bitmask, type]: the list's contents (after its u16 length), u16-prefixed DER Names.
              const list = Cursor.of(Uint8Array.from(Buffer.from(String(many(v)[0]), 'hex')));
              const names: Uint8Array[] = [];
              while (!list.empty) {
                const n = list.u16Prefixed()!;
                names.push(n.bytes(n.left)!);
              }
              seen.caNames.push(names);
            }
          });
        }
        resolve(seen);
      },
    );
  });
}

const ok = haveTool('tshark') && haveTool('openssl') && existsSync(join(FIXTURES, 'pki'));

function pkiSubjects(): Set<string> {
  const out = new Set<string>();
  const dir = join(FIXTURES, 'pki');
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.pem') && !f.includes('chain'))) {
    const s = execFileSync('openssl', ['x509', '-in', join(dir, f), '-noout', '-subject', '-nameopt', 'RFC2253,-esc_msb'], { encoding: 'utf8' });
    out.add(s.replace(/^subject=/, '').trim());
  }
  return out;
}

let cache: Seen[] | undefined;
async function recorded(): Promise<Seen[]> {
  if (!cache) {
    const pcaps = readdirSync(FIXTURES).filter((f) => f.endsWith('.pcap') && existsSync(join(FIXTURES, f.replace(/\.pcap$/, '.keylog'))));
    cache = await mapLimit(pcaps, 4, (f) => tshark(join(FIXTURES, f), join(FIXTURES, f.replace(/\.pcap$/, '.keylog'))));
  }
  return cache;
}

testIf(ok, 'tshark, openssl or test/fixtures/pki absent: recorded captures')(
  'recorded: every certificate in the decrypted captures decodes, with the sha256 of its DER',
  async () => {
    let n = 0;
    for (const s of await recorded())
      for (const m of s.certificates)
        for (const d of m.ders) {
          const c = parseCertificate(d);
          assert.ok(isCertificate(c), `${s.file}: ${'error' in c ? c.error : ''}`);
          assert.is(c.warnings, undefined, s.file);
          n++;
        }
    process.stderr.write(`  recorded: ${n} certificates decode\n`);
    assert.ok(n >= 40, `only ${n} certificates`);
  },
);

testIf(ok, 'tshark, openssl or test/fixtures/pki absent: recorded captures')(
  'recorded: every CertificateRequest CA name is the RFC 4514 subject OpenSSL prints for a CA of test/fixtures/pki',
  async () => {
    const subjects = pkiSubjects();
    let n = 0;
    for (const s of await recorded())
      for (const list of s.caNames)
        for (const der of list) {
          const name = parseName(der);
          assert.ok(name !== undefined && subjects.has(name), `${s.file}: ${name} is not one of ${[...subjects].join(' | ')}`);
          n++;
        }
    process.stderr.write(`  recorded: ${n} CA names are pki subjects\n`);
    assert.ok(n >= 4, `only ${n} CA names`);
  },
);

testIf(ok, 'tshark, openssl or test/fixtures/pki absent: recorded captures')(
  'recorded: in mTLS captures the client certificate issuer matches a requested CA name exactly when the client CA was used',
  async () => {
    let checked = 0;
    let wrongChecked = 0;
    for (const s of await recorded()) {
      if (s.caNames.length === 0) continue;
      const requested = s.caNames[0]!.map((d) => parseName(d)!);
      // The client's Certificate is the one sent from the client's port, i.e. not from the server's first one.
      const serverPort = s.certificates[0]?.srcport;
      for (const m of s.certificates.filter((m) => m.srcport !== serverPort)) {
        if (m.ders.length === 0) continue;
        const leaf = parseCertificate(m.ders[0]!);
        assert.ok(isCertificate(leaf));
        const accepted = requested.some((r) => namesMatch(r, leaf.issuer));
        const wrong = s.file.includes('wrongca');
        assert.is(accepted, !wrong, `${s.file}: issuer ${leaf.issuer} vs requested ${requested.join(' | ')}`);
        checked++;
        if (wrong) wrongChecked++;
      }
    }
    process.stderr.write(
      `  recorded: ${checked} client certificates checked against the requested CA names (${wrongChecked} from a CA not asked for)\n`,
    );
    assert.ok(checked >= 2 && wrongChecked >= 1, `only ${checked} client certificates checked, ${wrongChecked} wrong-CA`);
  },
);

test.run();
