// SNI against the leaf certificate (RFC 6125 §6.4): DNS SANs, a wildcard only as the whole leftmost label,
// the subject CN only when there is no DNS SAN, IP SANs for IP literals. Case-insensitive, trailing dot ignored.

import type { CertFacts } from './chain.js';

const IP_LIKE = /^[\d.]+$|:/;

function labelsMatch(pattern: string, host: string): boolean {
  const p = pattern.toLowerCase().replace(/\.$/, '');
  const h = host.toLowerCase().replace(/\.$/, '');
  if (!p.startsWith('*.')) return p === h;
  const rest = p.slice(2);
  const dot = h.indexOf('.');
  // '*' stands for exactly one non-empty label, and never matches across a dot.
  return dot > 0 && h.slice(dot + 1) === rest && rest.includes('.');
}

function cnOf(subject: string | undefined): string | undefined {
  const m = subject ? /(?:^|,)CN=((?:[^,\\]|\\.)*)/.exec(subject) : null;
  return m?.[1]?.replace(/\\(.)/g, '$1');
}

export function hostnameMatches(host: string, cert: CertFacts): boolean {
  const sans = cert.san ?? [];
  const ip = IP_LIKE.test(host);
  const dns = sans.filter((n) => !IP_LIKE.test(n.replace(/^\*\./, 'x.')));
  if (ip) return sans.some((n) => n.toLowerCase() === host.toLowerCase());
  if (dns.length > 0) return dns.some((n) => labelsMatch(n, host));
  const cn = cnOf(cert.subject);
  return cn !== undefined && labelsMatch(cn, host);
}
