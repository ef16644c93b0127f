// Does a certificate name the host the client asked for (the SNI)? RFC 6125 §6.4 as browsers apply it:
// DNS names against subjectAltName dNSName entries, the subject CN only when the certificate has no dNSName,
// IP addresses only against iPAddress entries. A wildcard is a whole leftmost label `*` that stands for exactly
// one label (no partial-label wildcards such as `w*.example.com`, none in other labels, none over a single
// label such as `*.com`).

import { domainToASCII } from 'node:url';
import type { Certificate } from './certificate.js';
import { ipString } from './certificate.js';

function canonicalHost(s: string): string {
  let h = s.trim().toLowerCase();
  if (h.endsWith('.')) h = h.slice(0, -1);
  // A U-label host (from a user, not from SNI which carries A-labels) compares in its A-label form.
  if (/[^\x00-\x7f]/.test(h)) h = domainToASCII(h) || h;
  return h;
}

/** Whether a DNS name pattern from a certificate (possibly `*.example.com`) matches a host name. */
export function dnsNameMatches(pattern: string, host: string): boolean {
  const p = canonicalHost(pattern);
  const h = canonicalHost(host);
  if (p === '' || h === '') return false;
  if (!p.includes('*')) return p === h;
  const pl = p.split('.');
  const hl = h.split('.');
  if (pl[0] !== '*' || pl.slice(1).some((l) => l.includes('*'))) return false;
  if (pl.length < 3 || pl.length !== hl.length || hl[0] === '') return false;
  for (let i = 1; i < pl.length; i++) if (pl[i] !== hl[i]) return false;
  return true;
}

/** IPv4 dotted quad or IPv6 text (brackets and a zone allowed) → 4 or 16 bytes; undefined when not an IP. */
export function parseIp(s: string): Uint8Array | undefined {
  let t = s.trim();
  if (t.startsWith('[') && t.endsWith(']')) t = t.slice(1, -1);
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(t);
  if (v4) {
    const b = v4.slice(1).map(Number);
    return b.every((x) => x <= 255) ? Uint8Array.from(b) : undefined;
  }
  if (!t.includes(':')) return undefined;
  t = t.replace(/%.*$/, '');
  // An embedded IPv4 tail (::ffff:192.0.2.1) becomes two hex groups.
  const lastColon = t.lastIndexOf(':');
  if (t.slice(lastColon + 1).includes('.')) {
    const v = parseIp(t.slice(lastColon + 1));
    if (!v || v.length !== 4) return undefined;
    t = t.slice(0, lastColon + 1) + (((v[0]! << 8) | v[1]!).toString(16) + ':' + ((v[2]! << 8) | v[3]!).toString(16));
  }
  const halves = t.split('::');
  if (halves.length > 2) return undefined;
  const group = (x: string): number[] | undefined => {
    if (x === '') return [];
    const out: number[] = [];
    for (const g of x.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = group(halves[0]!);
  const rest = halves.length === 2 ? group(halves[1]!) : [];
  if (!head || !rest) return undefined;
  const total = head.length + rest.length;
  let groups: number[];
  if (halves.length === 2) {
    if (total > 7) return undefined;
    groups = [...head, ...new Array<number>(8 - total).fill(0), ...rest];
  } else {
    if (total !== 8) return undefined;
    groups = head;
  }
  const b = new Uint8Array(16);
  groups.forEach((g, i) => {
    b[2 * i] = g >> 8;
    b[2 * i + 1] = g & 0xff;
  });
  return b;
}

/**
 * Whether the certificate is valid for `name` (an SNI host name or an IP address). Uses `san_typed` when
 * present (else `san`) and `subject_cn`.
 */
export function hostnameMatches(name: string, cert: Pick<Certificate, 'san' | 'subject_cn'> & Partial<Pick<Certificate, 'san_typed'>>): boolean {
  const ip = parseIp(name);
  const typed = cert.san_typed;
  if (ip) {
    const want = ipString(ip);
    const ips = typed ? typed.filter((e) => e.type === 'ip').map((e) => e.value) : cert.san.filter((s) => parseIp(s) !== undefined);
    return ips.some((v) => {
      const b = parseIp(v);
      return b !== undefined && ipString(b) === want;
    });
  }
  const dns = typed ? typed.filter((e) => e.type === 'dns').map((e) => e.value) : cert.san.filter((s) => parseIp(s) === undefined);
  if (dns.length > 0) return dns.some((p) => dnsNameMatches(p, name));
  return cert.subject_cn.some((cn) => dnsNameMatches(cn, name));
}
