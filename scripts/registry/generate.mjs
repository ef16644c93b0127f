#!/usr/bin/env node
// Generates lib/registry/*.ts, one module per registry, from data rather than memory:
//   1. IANA's CSV exports where available (pass the folder: --iana DIR; files tls-parameters-4.csv (cipher suites),
//      tls-parameters-8.csv (supported groups), tls-signaturescheme.csv (signature schemes)); IANA spelling wins.
//   2. `tshark -G values` (Wireshark's value strings; or --tshark FILE with its saved output) for everything
//      else: handshake types, alerts, content types, versions, extensions, SSLv2 cipher specs, and values IANA
//      does not list (vendor cipher suites, experimental groups).
//   3. scripts/registry/supplement.csv: the few assigned values neither source carries, each with its reference.
// Usage: node scripts/registry/generate.mjs [--iana DIR] [--tshark FILE]   (run from the repository root)

import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..', '..');
const OUT = join(ROOT, 'lib', 'registry');

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const ianaDir = opt('--iana');
const tsharkFile = opt('--tshark');

// --- sources -------------------------------------------------------------------------------------------------

const tsharkText = tsharkFile ? readFileSync(tsharkFile, 'utf8') : execFileSync('tshark', ['-G', 'values'], { maxBuffer: 1 << 30, encoding: 'utf8' });
const tsharkVersion = tsharkFile ? `saved output ${tsharkFile}` : execFileSync('tshark', ['--version'], { encoding: 'utf8' }).split('\n')[0];

/** Rows `V <field> <value> <name>` of one tshark field, in file order, as [number, name]. */
function tsharkField(field) {
  const rows = [];
  for (const line of tsharkText.split('\n')) {
    if (!line.startsWith('V\t')) continue;
    const [, f, v, name] = line.split('\t');
    if (f !== field) continue;
    rows.push([Number(v), name.trim()]);
  }
  if (rows.length === 0) throw new Error(`tshark has no values for ${field}`);
  return rows;
}

/** RFC 4180 CSV, quoted fields may hold commas and newlines. */
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let q = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (q) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') q = false;
      else field += c;
    } else if (c === '"') q = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

/** An IANA CSV as [value, name] for single assigned values (ranges, Unassigned and Reserved rows left out). */
function ianaCsv(file, parseValue) {
  if (!ianaDir) return undefined;
  const path = join(ianaDir, file);
  if (!existsSync(path)) return undefined;
  const rows = parseCsv(readFileSync(path, 'utf8')).slice(1);
  const out = [];
  for (const [v, desc] of rows) {
    const value = parseValue(v.trim());
    if (value === undefined) continue;
    const name = desc.replace(/\s+/g, ' ').trim();
    if (/^(Unassigned|Reserved)/i.test(name)) continue;
    out.push([value, name]);
  }
  return { file, rows: out };
}

const hexPair = (v) => {
  const m = /^0x([0-9A-Fa-f]{2}),0x([0-9A-Fa-f]{2})$/.exec(v);
  return m ? (parseInt(m[1], 16) << 8) | parseInt(m[2], 16) : undefined;
};
const decOrHex = (v) => (/^0x[0-9A-Fa-f]+$/.test(v) ? parseInt(v, 16) : /^\d+$/.test(v) ? Number(v) : undefined);

const supplement = parseCsv(readFileSync(join(HERE, 'supplement.csv'), 'utf8'))
  .slice(1)
  .filter((r) => !r[0].startsWith('#'))
  .map(([registry, value, name, reference]) => ({ registry, value: decOrHex(value), name, reference }));

// --- name rules ----------------------------------------------------------------------------------------------

/** RFC 8701 §2: 0x0a0a, 0x1a1a … 0xfafa. Tables leave GREASE out; lib/registry marks it. */
const isGrease = (v) => (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff) && v <= 0xffff;

/** Wireshark's prose names to IANA's snake_case: "Client Hello" → client_hello, "PSK-only … (psk_ke)" → psk_ke. */
function snake(name) {
  return name
    .replace(/[^A-Za-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .toLowerCase();
}

// --- building ------------------------------------------------------------------------------------------------

/** Merges sources in priority order: the first source to name a value wins. */
function merge(...sources) {
  const map = new Map();
  const from = [];
  for (const s of sources) {
    if (!s) continue;
    let added = 0;
    for (const [v, name] of s.rows) {
      if (isGrease(v) && s.keepGrease !== true) continue;
      if (/^Reserved \(GREASE\)$/.test(name)) continue;
      if (!map.has(v)) {
        map.set(v, name);
        added++;
      }
    }
    from.push(`${s.label}: ${added} entries`);
  }
  return { map, from };
}

function supplementFor(registry) {
  const rows = supplement.filter((s) => s.registry === registry).map((s) => [s.value, s.name]);
  return rows.length ? { label: 'scripts/registry/supplement.csv', rows } : undefined;
}

function hexKey(v, width) {
  return '0x' + v.toString(16).padStart(width, '0');
}

function writeTable(file, constName, title, reference, { map, from }, width, extra = '') {
  const entries = [...map.entries()].sort((a, b) => a[0] - b[0]);
  const lines = entries.map(([v, n]) => `  [${hexKey(v, width)}, ${JSON.stringify(n)}],`);
  const text = `// ${title}. GENERATED by scripts/registry/generate.mjs — do not edit; run the script instead.
// Registry: ${reference}
// Sources: ${from.join('; ')}.
// tshark: ${tsharkVersion}

/** ${title}: value → name. ${entries.length} entries. */
export const ${constName}: ReadonlyMap<number, string> = new Map([
${lines.join('\n')}
]);
${extra}`;
  writeFileSync(join(OUT, file), text);
  console.log(`${file}: ${entries.length} entries (${from.join('; ')})`);
}

const ts = (field, label = `tshark ${field}`, rename = (n) => n, filter = () => true) => ({
  label,
  rows: tsharkField(field)
    .filter(([v, n]) => filter(v, n))
    .map(([v, n]) => [v, rename(n)]),
});
const iana = (csv) => (csv ? { label: `IANA ${csv.file}`, rows: csv.rows } : undefined);

// Cipher suites (TLS 1.0–1.3, RFC 8446 §B.4 and the TLS Cipher Suites registry). IANA first, tshark for
// vendor and pre-standard suites IANA does not list (e.g. 0xfefe SSL_RSA_FIPS_WITH_DES_CBC_SHA).
writeTable(
  'cipher-suites.ts',
  'CIPHER_SUITES',
  'TLS Cipher Suites',
  'IANA "TLS Cipher Suites" (tls-parameters-4)',
  merge(iana(ianaCsv('tls-parameters-4.csv', hexPair)), ts('tls.handshake.ciphersuite')),
  4,
);

// SSL 2.0 CIPHER-SPECs (draft-hickman-netscape-ssl-00 Appendix C): 3-byte values, not in any IANA registry.
// Specs whose first byte is 0 are TLS suites carried in an SSLv2-format ClientHello (RFC 5246 §E.2).
writeTable(
  'sslv2-cipher-specs.ts',
  'SSLV2_CIPHER_SPECS',
  'SSL 2.0 cipher kinds',
  'draft-hickman-netscape-ssl-00 Appendix C (no IANA registry)',
  merge(
    ts(
      'tls.handshake.cipherspec',
      'tshark tls.handshake.cipherspec (3-byte values)',
      (n) => n,
      (v) => v > 0xffff,
    ),
  ),
  6,
);

writeTable(
  'extensions.ts',
  'EXTENSIONS',
  'TLS ExtensionType Values',
  'IANA "TLS ExtensionType Values" (tls-extensiontype-values-1)',
  merge(supplementFor('extensions'), ts('tls.handshake.extension.type', undefined, snake)),
  4,
);

writeTable(
  'groups.ts',
  'GROUPS',
  'TLS Supported Groups',
  'IANA "TLS Supported Groups" (tls-parameters-8)',
  merge(iana(ianaCsv('tls-parameters-8.csv', decOrHex)), ts('tls.handshake.extensions_supported_group')),
  4,
);

// TLS 1.2 SignatureAndHashAlgorithm pairs (RFC 5246 §7.4.1.4.1) that have no SignatureScheme name are named at
// lookup from these two small tables (hash, signature), e.g. 0x0402 → dsa_sha256.
const hashes = merge(ts('tls.handshake.sig_hash_hash', undefined, (n) => n.toLowerCase()));
const sigs = merge(ts('tls.handshake.sig_hash_sig', undefined, (n) => n.toLowerCase()));
const pairTable = (name, { map }) =>
  `\n/** ${name}. */\nexport const ${name}: ReadonlyMap<number, string> = new Map([\n${[...map.entries()]
    .map(([v, n]) => `  [${v}, ${JSON.stringify(n)}],`)
    .join('\n')}\n]);\n`;
writeTable(
  'signature-schemes.ts',
  'SIGNATURE_SCHEMES',
  'TLS SignatureScheme',
  'IANA "TLS SignatureScheme" (tls-signaturescheme); TLS 1.2 HashAlgorithm and SignatureAlgorithm (RFC 5246 §7.4.1.4.1)',
  merge(iana(ianaCsv('tls-signaturescheme.csv', decOrHex)), ts('tls.handshake.sig_hash_alg')),
  4,
  pairTable('TLS12_HASH_ALGORITHMS', hashes) + pairTable('TLS12_SIGNATURE_ALGORITHMS', sigs),
);

writeTable(
  'alerts.ts',
  'ALERT_DESCRIPTIONS',
  'TLS Alerts',
  'IANA "TLS Alerts" (tls-parameters-6)',
  merge(ts('tls.alert_message.desc', undefined, snake)),
  2,
  pairTable('ALERT_LEVELS', merge(ts('tls.alert_message.level', undefined, snake))),
);

// tshark keeps two tables in one field: SSL 2.0 message types (0 error … 8 client_certificate) first, then the
// TLS HandshakeType values. They are split where the value 0 comes round again.
const hsRows = tsharkField('tls.handshake.type');
const split = hsRows.findIndex(([v], i) => i > 0 && v === 0);
const sslv2Rows = hsRows.slice(0, split);
const tlsRows = hsRows.slice(split);
writeTable(
  'handshake-types.ts',
  'HANDSHAKE_TYPES',
  'TLS HandshakeType',
  'IANA "TLS HandshakeType" (tls-parameters-7)',
  merge(supplementFor('handshake-types'), { label: 'tshark tls.handshake.type (TLS block)', rows: tlsRows.map(([v, n]) => [v, snake(n)]) }),
  2,
);
writeTable(
  'sslv2-message-types.ts',
  'SSLV2_MESSAGE_TYPES',
  'SSL 2.0 message types',
  'draft-hickman-netscape-ssl-00 §2.5 (no IANA registry)',
  merge({ label: 'tshark tls.handshake.type (SSL 2.0 block)', rows: sslv2Rows.map(([v, n]) => [v, snake(n)]) }),
  2,
);

writeTable(
  'content-types.ts',
  'CONTENT_TYPES',
  'TLS ContentType',
  'IANA "TLS ContentType" (tls-parameters-5)',
  merge(ts('tls.record.content_type', undefined, snake)),
  2,
);

writeTable(
  'versions.ts',
  'VERSIONS',
  'SSL/TLS protocol versions',
  'RFC 8446 §4.2.1 and predecessors; tshark\'s names ("SSL 3.0", "TLS 1.2", "TLS 1.3 (draft 23)")',
  merge(ts('tls.record.version')),
  4,
);

writeTable(
  'ec-point-formats.ts',
  'EC_POINT_FORMATS',
  'TLS EC Point Formats',
  'IANA "TLS EC Point Formats" (tls-parameters-9)',
  merge(ts('tls.handshake.extensions_ec_point_format')),
  2,
);

// tshark's field mixes the cert_type extension's "X.509 Certificate" and "N/A" into ClientCertificateType; the
// later row for a value is the ClientCertificateType one (RFC 5246 §7.4.4), so rows are read last-first.
writeTable(
  'client-certificate-types.ts',
  'CLIENT_CERTIFICATE_TYPES',
  'TLS ClientCertificateType Identifiers',
  'IANA "TLS ClientCertificateType Identifiers" (tls-parameters-2)',
  merge({
    label: 'tshark tls.handshake.cert_type',
    rows: tsharkField('tls.handshake.cert_type')
      .reverse()
      .filter(([, n]) => n !== 'N/A')
      .map(([v, n]) => [v, snake(n)]),
  }),
  2,
);

writeTable(
  'psk-key-exchange-modes.ts',
  'PSK_KEY_EXCHANGE_MODES',
  'TLS PskKeyExchangeMode',
  'IANA "TLS PskKeyExchangeMode" (RFC 8446 §4.2.9)',
  merge(ts('tls.extension.psk_ke_mode', undefined, (n) => /\(([a-z_]+)\)$/.exec(n)?.[1] ?? snake(n))),
  2,
);

writeTable(
  'compression-methods.ts',
  'COMPRESSION_METHODS',
  'TLS Compression Method Identifiers',
  'IANA "TLS Compression Method Identifiers" (comp-meth-ids-2)',
  merge(ts('tls.handshake.comp_method', undefined, snake)),
  2,
);

writeTable(
  'certificate-compression.ts',
  'CERTIFICATE_COMPRESSION_ALGORITHMS',
  'TLS Certificate Compression Algorithm IDs',
  'IANA "TLS Certificate Compression Algorithm IDs" (RFC 8879 §7.3)',
  merge(ts('tls.compress_certificate.algorithm', undefined, snake)),
  4,
);

writeTable(
  'certificate-status-types.ts',
  'CERTIFICATE_STATUS_TYPES',
  'TLS Certificate Status Types',
  'IANA "TLS Certificate Status Types" (RFC 6066 §8, RFC 6961)',
  merge(ts('tls.handshake.extensions_status_request_type', undefined, snake)),
  2,
);
