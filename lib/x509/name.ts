// Distinguished names (RFC 5280 §4.1.2.4) → RFC 4514 strings, and name comparison for chain links and
// CertificateRequest CA lists. Used for certificate subjects and issuers, and alone for the DER Names a TLS
// CertificateRequest carries (RFC 5246 §7.4.4, RFC 8446 §4.2.4).

import { Cursor, hex } from '../cursor.js';
import { Recent } from '../recent.js';
import { DerError, T, UNIVERSAL, bodyBytes, expect, readOid, readTlv, sequence, tlvBytes } from './der.js';
import { ATTRIBUTE_NAMES } from './oids.js';
import { decodeString } from './strings.js';

/** One AttributeTypeAndValue. */
export interface NameAttribute {
  /** Dotted OID of the attribute type. */
  oid: string;
  /** The name used in the string form, when the type has one (CN, O, emailAddress …). */
  name?: string;
  /** The value's text, when it is a character string valid in its declared type. */
  text?: string;
  /** The value's whole DER encoding (tag, length, contents), lower-case hex. */
  der: string;
}

/** RDNs in certificate order (most significant first), each a set of one or more attributes. */
export type Rdns = NameAttribute[][];

/** Most RDNs a name may have, and most attributes in one RDN: real names have a handful. */
export const NAME_LIMITS = { rdns: 256, attributesPerRdn: 64 } as const;

/** Reads a Name (SEQUENCE OF SET OF AttributeTypeAndValue) at the cursor. Throws DerError. */
export function readName(c: Cursor, what: string): Rdns {
  const seq = sequence(c, what);
  const rdns: Rdns = [];
  const body = seq.body;
  while (!body.empty) {
    if (rdns.length >= NAME_LIMITS.rdns) throw new DerError(`${what}: more than ${NAME_LIMITS.rdns} RDNs`, body.pos);
    const set = expect(body, UNIVERSAL, T.SET, `${what} RDN`, true);
    const rdn: NameAttribute[] = [];
    while (!set.body.empty) {
      if (rdn.length >= NAME_LIMITS.attributesPerRdn) throw new DerError(`${what}: RDN with too many attributes`, set.body.pos);
      const atv = sequence(set.body, `${what} attribute`);
      const oid = readOid(atv.body, `${what} attribute type`);
      const value = readTlv(atv.body, `${what} attribute value`);
      if (!atv.body.empty) throw new DerError(`${what} attribute: trailing bytes`, atv.body.pos);
      const a: NameAttribute = { oid, der: hex(tlvBytes(value)) };
      const name = ATTRIBUTE_NAMES.get(oid);
      if (name !== undefined) {
        a.name = name;
        if (value.cls === UNIVERSAL && !value.constructed) {
          const text = decodeString(value.tag, bodyBytes(value));
          if (text !== undefined) a.text = text;
        }
      }
      rdn.push(a);
    }
    if (rdn.length === 0) throw new DerError(`${what}: empty RDN`, set.start);
    rdns.push(rdn);
  }
  return rdns;
}

/**
 * Escapes an attribute value for RFC 4514 §2.4: `"+,;<>\` anywhere, a leading space or '#', a trailing space,
 * and (as OpenSSL does, for one-line output) control characters as `\XX`.
 */
export function escapeValue(s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    const code = s.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) out += '\\' + code.toString(16).toUpperCase().padStart(2, '0');
    else if ('"+,;<>\\'.includes(ch)) out += '\\' + ch;
    else if (i === 0 && (ch === ' ' || ch === '#')) out += '\\' + ch;
    else if (i === s.length - 1 && ch === ' ') out += '\\ ';
    else out += ch;
  }
  return out;
}

function attributeString(a: NameAttribute): string {
  if (a.name !== undefined && a.text !== undefined) return `${a.name}=${escapeValue(a.text)}`;
  return `${a.name ?? a.oid}=#${a.der}`;
}

/**
 * The RFC 4514 string: RDNs last-to-first, separated by ',', attributes of one RDN joined by '+' in encoded
 * order. Known types by name with their text; others (and values that are not valid strings) as `#hex`.
 */
export function formatName(rdns: Rdns): string {
  const parts: string[] = [];
  for (let i = rdns.length - 1; i >= 0; i--) parts.push(rdns[i]!.map(attributeString).join('+'));
  return parts.join(',');
}

/** Decodes a DER Name alone, as TLS carries it. Never throws. */
export function decodeName(der: Uint8Array): { name: string; rdns: Rdns } | { error: string } {
  try {
    const c = Cursor.of(der);
    const rdns = readName(c, 'Name');
    if (!c.empty) return { error: `Name: ${c.left} trailing bytes` };
    return { name: formatName(rdns), rdns };
  } catch (e) {
    return { error: e instanceof DerError ? e.message : `internal error: ${String(e)}` };
  }
}

/** The RFC 4514 string of a DER Name, or undefined when it is not a well-formed Name. Never throws. */
export function parseName(der: Uint8Array): string | undefined {
  const r = decodeName(der);
  return 'name' in r ? r.name : undefined;
}

/**
 * The RFC 4514 string of a DER Name, or `#` and the hex of the input when it is not a well-formed Name (the
 * form RFC 4514 §2.4 gives a value with no string representation). For CertificateRequest CA lists, where every
 * entry must stay visible. Never throws.
 */
export function parseDistinguishedName(der: Uint8Array): string {
  return parseName(der) ?? '#' + hex(der);
}

// ---- comparison ----

/** Splits an RFC 4514 string at unescaped occurrences of the separator characters. */
function splitUnescaped(s: string, seps: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '\\' && i + 1 < s.length) {
      cur += ch + s[i + 1]!;
      i++;
    } else if (seps.includes(ch)) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

function unescapeValue(v: string): string {
  const bytes: number[] = [];
  let text = '';
  const flush = (): void => {
    if (bytes.length) {
      text += Buffer.from(bytes).toString('utf8');
      bytes.length = 0;
    }
  };
  for (let i = 0; i < v.length; i++) {
    const ch = v[i]!;
    if (ch === '\\' && /^[0-9a-fA-F]{2}$/.test(v.slice(i + 1, i + 3))) {
      bytes.push(parseInt(v.slice(i + 1, i + 3), 16));
      i += 2;
      continue;
    }
    flush();
    if (ch === '\\' && i + 1 < v.length) text += v[++i]!;
    else text += ch;
  }
  flush();
  return text;
}

/** The attributes of an RFC 4514 string, RDN by RDN as written: `{type, value}` unescaped; `#hex` values stay as written. */
export function dnAttributes(dn: string): { type: string; value: string }[] {
  const out: { type: string; value: string }[] = [];
  if (dn === '') return out;
  for (const rdn of splitUnescaped(dn, ',')) {
    for (const ava of splitUnescaped(rdn, '+')) {
      const eq = ava.indexOf('=');
      if (eq <= 0) continue;
      const raw = ava.slice(eq + 1);
      out.push({ type: ava.slice(0, eq).trim().toUpperCase(), value: raw.startsWith('#') ? raw : unescapeValue(raw) });
    }
  }
  return out;
}

/**
 * A comparison key for an RFC 4514 string (ours or one in the same form): attribute types upper-cased,
 * values unescaped, NFKC-normalised, case-folded, with leading/trailing space removed and inner runs of
 * space collapsed (in the spirit of RFC 4518 / RFC 5280 §7.1), attributes of an RDN sorted. `#hex` values
 * compare as bytes.
 */
export function nameKey(dn: string): string {
  if (dn === '') return '';
  return nameKeys.get(dn) ?? nameKeys.set(dn, computeNameKey(dn));
}

/** Keys of recent names: chain checks compare the same issuers and subjects connection after connection. */
const NAME_KEY_CACHE_ENTRIES = 1024;
const nameKeys = new Recent<string, string>(NAME_KEY_CACHE_ENTRIES);

function computeNameKey(dn: string): string {
  return splitUnescaped(dn, ',')
    .map((rdn) =>
      splitUnescaped(rdn, '+')
        .map((ava) => {
          const eq = ava.indexOf('=');
          const type = (eq < 0 ? ava : ava.slice(0, eq)).trim().toUpperCase();
          const raw = eq < 0 ? '' : ava.slice(eq + 1);
          if (raw.startsWith('#')) return `${type}=${raw.toLowerCase()}`;
          const v = unescapeValue(raw).normalize('NFKC').toLowerCase().replace(/\s+/g, ' ').trim();
          return `${type}=${JSON.stringify(v)}`;
        })
        .sort()
        .join('+'),
    )
    .join(',');
}

/** Whether two RFC 4514 names denote the same name (see nameKey). */
export function namesMatch(a: string, b: string): boolean {
  return a === b || nameKey(a) === nameKey(b);
}
