// Chain checks without a trust store, for the server's chain and the client's: issuer→subject links (and
// AKI→SKI where both are present), order, a missing intermediate, a root sent along, and validity dates.

import { findIssuer, isCertificate, linksTo, namesMatch, type Certificate, type CertificateError } from '../x509/index.js';
import { Recent } from '../recent.js';
import type { Diagnosis } from './diagnosis.js';

/** A certificate as a `certificate` handshake event carries it: decoded, or `{error, sha256}`. */
export type CertFacts = Certificate | CertificateError;

function isSelfIssued(c: Certificate): boolean {
  return c.self_signed || linksTo(c, c);
}

function name(c: CertFacts): string {
  return isCertificate(c) ? `'${c.subject}'` : `certificate ${c.sha256?.slice(0, 12) ?? '(bytes missing)'} (undecodable)`;
}

export interface Clock {
  /** Seconds since the epoch to judge validity against. */
  epoch: number;
  /** Which time was used: the capture's, or today's because the capture carries no date (then findings are info). */
  source: 'capture' | 'now';
}

/**
 * Checks one chain as sent (leaf first, RFC 8446 §4.4.2 / RFC 5246 §7.4.2). `who` names the sender in
 * messages; `at` is the line of the Certificate message.
 */
export function checkChain(
  who: 'server' | 'client',
  certs: readonly CertFacts[],
  clock: Clock,
  at: string,
  /** Issuers the peer said it holds (a CertificateRequest's CA names); [] means it named none. */
  peerHolds?: readonly string[],
): Diagnosis[] {
  const out: Diagnosis[] = [];
  const n = certs.length;
  if (n === 0) return out;
  for (let i = 0; i < n - 1; i++) {
    const c = certs[i]!;
    const next = certs[i + 1]!;
    if (!isCertificate(c) || !isCertificate(next) || isSelfIssued(c)) continue;
    if (linksTo(c, next)) continue;
    const elsewhere = findIssuer(c, certs);
    if (elsewhere >= 0) {
      out.push({
        code: 'chain_misordered',
        severity: 'warning',
        message: `the ${who}'s chain ${at} is out of order: certificate ${i} ${name(c)} is followed by ${name(certs[i + 1]!)}, but its issuer is certificate ${elsewhere}`,
      });
    } else {
      out.push({
        code: 'chain_incomplete',
        severity: 'error',
        message: `the ${who}'s chain ${at} is missing a certificate: certificate ${i} ${name(c)} was issued by '${c.issuer}', which is not in the chain`,
      });
    }
  }
  const last = certs[n - 1]!;
  if (isCertificate(last) && !isSelfIssued(last)) {
    const held = peerHolds !== undefined && (peerHolds.length === 0 || peerHolds.some((ca) => namesMatch(ca, last.issuer)));
    if (n === 1 && held) {
      // The peer asked for certificates from this very issuer (or from any): a leaf alone is a full chain.
    } else if (n === 1) {
      out.push({
        code: 'chain_incomplete',
        severity: 'warning',
        message: `the ${who} sent only its own certificate ${at}, issued by '${last.issuer}'; a peer that does not already hold that issuer (an intermediate, usually) cannot build a chain`,
      });
    } else if (last.is_ca === false) {
      out.push({
        code: 'chain_incomplete',
        severity: 'warning',
        message: `the ${who}'s chain ${at} ends with ${name(last)}, which is not a CA certificate; its issuer '${last.issuer}' was not sent`,
      });
    }
  } else if (n > 1 && isCertificate(last) && isSelfIssued(last)) {
    out.push({
      code: 'chain_root_included',
      severity: 'info',
      message: `the ${who}'s chain ${at} includes the self-signed root ${name(last)}; peers must already trust it, so sending it is unnecessary`,
    });
  }
  // Validity is judged against the capture's time when the input has one. Without it, today's clock is no
  // evidence against either party: the finding is info, says that the capture date is unknown, and gives the
  // bounds the certificate itself sets (RFC 5280 §4.1.2.5). Every message names the date it used.
  const known = clock.source === 'capture';
  let date: string | undefined;
  for (let i = 0; i < n; i++) {
    const c = certs[i]!;
    if (!isCertificate(c)) continue;
    const after = seconds(c.not_after);
    const before = seconds(c.not_before);
    if (!(after < clock.epoch) && !(before > clock.epoch)) continue;
    // The texts only for a certificate out of its validity (most are within it), the date once per chain.
    date ??= iso(clock.epoch, clock.source);
    const cert = `the ${who}'s certificate ${i} ${name(c)} ${at}`;
    if (after < clock.epoch) {
      out.push(
        known
          ? { code: 'cert_expired', severity: 'error', message: `${cert} expired on ${c.not_after}, before the capture's time (${date})` }
          : {
              code: 'cert_expired',
              severity: 'info',
              message: `the capture date is unknown (the input carries no date), so ${cert} is not judged: it is valid from ${c.not_before} and expired on ${c.not_after}, before today (${date}); a capture made after ${c.not_after} saw it expired`,
            },
      );
    } else if (before > clock.epoch) {
      out.push(
        known
          ? {
              code: 'cert_not_yet_valid',
              severity: 'error',
              message: `${cert} is valid only from ${c.not_before}, after the capture's time (${date})`,
            }
          : {
              code: 'cert_not_yet_valid',
              severity: 'info',
              message: `the capture date is unknown (the input carries no date), so ${cert} is not judged: it is valid only from ${c.not_before}, after today (${date}), until ${c.not_after}`,
            },
      );
    }
  }
  for (const d of out) d.side = who;
  return out;
}

/**
 * Seconds since the epoch of recently read validity dates (the same certificates come in connection after
 * connection): at most DATE_CACHE_ENTRIES are kept, the oldest going first. A date's text always means the same time.
 */
export const DATE_CACHE_ENTRIES = 1024;
const dates = new Recent<string, number>(DATE_CACHE_ENTRIES);

/** A certificate's ISO 8601 validity date in seconds since the epoch; NaN when absent or unreadable. */
function seconds(date: string | null | undefined): number {
  if (!date) return NaN;
  return dates.get(date) ?? dates.set(date, Date.parse(date) / 1000);
}

function iso(epoch: number, source: Clock['source']): string {
  const t = new Date(epoch * 1000).toISOString();
  return source === 'now' ? t.slice(0, 10) : t.replace('.000Z', 'Z');
}
