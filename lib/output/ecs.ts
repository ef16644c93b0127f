// ECS output: one Elastic Common Schema document per TLS connection, built from the flow's `tls.session` and the
// hello, key exchange and certificate events before it. Field names and types follow ECS 9.4.0 (vendored in
// data/ecs/, documented in docs/ecs.md); what ECS has no field for goes under the custom field set `tlsdump.*`.

import { isHandshake, isSslv2Message, type Event, type EventType, type TlsSessionEvent } from '../events.js';
import { EXT, HS, SSLV2 } from '../messages.js';
import { worstDiagnosis } from '../session/diagnosis.js';
import { dnAttributes } from '../x509/index.js';

export const ECS_VERSION = '9.4.0';

/** The event types the ECS builder reads; the decoder must emit them whatever --events says. */
export const ECS_NEEDS: readonly EventType[] = ['flow', 'tls.handshake', 'tls.session'];

export type EcsDocument = Record<string, unknown>;

interface CertLike {
  subject?: unknown;
  issuer?: unknown;
  serial?: unknown;
  not_before?: unknown;
  not_after?: unknown;
  san?: unknown;
  key_type?: unknown;
  key_bits?: unknown;
  curve?: unknown;
  sig_alg?: unknown;
  sha256?: unknown;
  version?: unknown;
  subject_cn?: unknown;
  error?: unknown;
}

/** What the builder keeps of a live flow: a few fields of a few events, never the events themselves. */
interface FlowFacts {
  start?: string;
  ciphers?: string[];
  ja3?: string;
  nextProtocol?: string;
  curve?: string;
  serverCerts?: CertLike[];
  clientCerts?: CertLike[];
  bytes?: { c2s: number; s2c: number };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** `ts` as an ECS date: only a full ISO 8601 date-time (epoch stamps, -tttt, pcap) qualifies. */
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;
export function isoDate(ts: unknown): string | undefined {
  return typeof ts === 'string' && ISO_DATE.test(ts) ? ts : undefined;
}

/** Nanoseconds since the epoch of an ISO date-time, keeping the digits past milliseconds that Date drops. */
function isoNanos(iso: string): bigint | undefined {
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(.*)$/.exec(iso);
  if (!m) return undefined;
  const ms = Date.parse(m[1]! + (m[3] || 'Z'));
  if (Number.isNaN(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt((m[2] ?? '').padEnd(9, '0').slice(0, 9));
}

/** `ip:port` or `[ip]:port` → parts. */
export function endpoint(s: unknown): { ip: string; port: number } | undefined {
  if (typeof s !== 'string') return undefined;
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(s) ?? /^([^:]+):(\d+)$/.exec(s);
  if (!m) return undefined;
  return { ip: m[1]!, port: Number(m[2]) };
}

/** "TLS 1.2" → { protocol: 'tls', version: '1.2' }; ECS wants the lower-case protocol and the number apart. A TLS 1.3
 *  draft ("TLS 1.3 (draft 28)") counts as TLS 1.3. */
export function splitVersion(name: unknown): { protocol: string; version: string } | undefined {
  const m = typeof name === 'string' ? /^(SSL|TLS|DTLS) (\d+\.\d+)(?: \(draft \d+\))?$/.exec(name) : null;
  return m ? { protocol: m[1]!.toLowerCase(), version: m[2]! } : undefined;
}

/** OpenSSL signature algorithm names (lib/x509) → the Go crypto/x509 names that ECS recommends. */
const GO_SIGNATURE_NAMES: ReadonlyMap<string, string> = new Map([
  ['md2WithRSAEncryption', 'MD2-RSA'],
  ['md5WithRSAEncryption', 'MD5-RSA'],
  ['sha1WithRSAEncryption', 'SHA1-RSA'],
  ['sha1WithRSA', 'SHA1-RSA'],
  ['sha256WithRSAEncryption', 'SHA256-RSA'],
  ['sha384WithRSAEncryption', 'SHA384-RSA'],
  ['sha512WithRSAEncryption', 'SHA512-RSA'],
  ['dsaWithSHA1', 'DSA-SHA1'],
  ['dsa_with_SHA256', 'DSA-SHA256'],
  ['ecdsa-with-SHA1', 'ECDSA-SHA1'],
  ['ecdsa-with-SHA256', 'ECDSA-SHA256'],
  ['ecdsa-with-SHA384', 'ECDSA-SHA384'],
  ['ecdsa-with-SHA512', 'ECDSA-SHA512'],
  ['ED25519', 'Ed25519'],
]);

/** lib/x509 key types → the Go public key algorithm names. */
const GO_KEY_NAMES: ReadonlyMap<string, string> = new Map([
  ['rsa', 'RSA'],
  ['ec', 'ECDSA'],
  ['dsa', 'DSA'],
  ['ed25519', 'Ed25519'],
  ['ed448', 'Ed448'],
  ['x25519', 'X25519'],
  ['x448', 'X448'],
  ['dh', 'DH'],
]);

/** RFC 4514 attribute types → ECS x509 name fields. */
const DN_FIELDS: ReadonlyMap<string, string> = new Map([
  ['CN', 'common_name'],
  ['C', 'country'],
  ['O', 'organization'],
  ['OU', 'organizational_unit'],
  ['L', 'locality'],
  ['ST', 'state_or_province'],
]);

/** The ECS name fields of an RFC 4514 string: `{distinguished_name, common_name: [...], organization: [...], …}`. */
export function dnFields(dn: string): Record<string, unknown> {
  const out: Record<string, unknown> = { distinguished_name: dn };
  const lists = new Map<string, string[]>();
  for (const { type, value } of dnAttributes(dn)) {
    const field = DN_FIELDS.get(type);
    if (!field || value.startsWith('#')) continue;
    let list = lists.get(field);
    if (!list) lists.set(field, (list = []));
    list.push(value);
  }
  // RFC 4514 lists RDNs last-to-first; ECS examples list values in certificate order, so reverse back.
  for (const [field, list] of lists) out[field] = list.reverse();
  return out;
}

/** ECS `x509.*` for one decoded certificate (lib/x509 shape); undefined for one that did not decode. */
export function x509Fields(c: CertLike): Record<string, unknown> | undefined {
  if (c.error !== undefined || typeof c.subject !== 'string') return undefined;
  const x: Record<string, unknown> = {};
  const subject = dnFields(c.subject);
  if (Array.isArray(c.subject_cn) && c.subject_cn.length) subject.common_name = c.subject_cn.filter((v) => typeof v === 'string');
  x.subject = subject;
  if (typeof c.issuer === 'string') x.issuer = dnFields(c.issuer);
  const serial = str(c.serial);
  if (serial) x.serial_number = serial.toUpperCase();
  const nb = isoDate(c.not_before);
  if (nb) x.not_before = nb;
  const na = isoDate(c.not_after);
  if (na) x.not_after = na;
  if (Array.isArray(c.san) && c.san.length) x.alternative_names = c.san.filter((v) => typeof v === 'string');
  const kt = str(c.key_type);
  if (kt) x.public_key_algorithm = GO_KEY_NAMES.get(kt) ?? kt;
  const bits = num(c.key_bits);
  if (bits !== undefined) x.public_key_size = bits;
  const curve = str(c.curve);
  if (curve) x.public_key_curve = curve;
  const sig = str(c.sig_alg);
  if (sig) x.signature_algorithm = GO_SIGNATURE_NAMES.get(sig) ?? sig;
  const v = num(c.version);
  if (v !== undefined) x.version_number = String(v);
  return x;
}

/** ECS `tls.server` / `tls.client` certificate fields for the leaf of a chain. */
function peerFields(certs: CertLike[] | undefined, into: Record<string, unknown>): void {
  const leaf = certs?.[0];
  if (!leaf) return;
  const sha = str(leaf.sha256);
  if (sha) into.hash = { sha256: sha.toUpperCase() };
  const x = x509Fields(leaf);
  if (!x) return;
  into.x509 = x;
  // The flat ECS fields kept beside x509.* (tls.server.subject, .issuer, .not_before, .not_after).
  if (typeof leaf.subject === 'string') into.subject = leaf.subject;
  if (typeof leaf.issuer === 'string') into.issuer = leaf.issuer;
  if (x.not_before) into.not_before = x.not_before;
  if (x.not_after) into.not_after = x.not_after;
}

/** One ECS document from a tls.session and what was kept of its flow. */
export function ecsDocument(session: TlsSessionEvent, facts: FlowFacts, now: Date): EcsDocument {
  const created = now.toISOString();
  const start = isoDate(facts.start);
  const end = isoDate(session.ts);
  const established = session.established === true;
  const diagnoses = session.diagnoses ?? [];
  const failed = diagnoses.some((d) => d.severity === 'error');
  const worst = worstDiagnosis(diagnoses);

  const event: Record<string, unknown> = {
    kind: 'event',
    category: ['network'],
    type: ['connection', 'protocol'],
    outcome: established ? 'success' : failed ? 'failure' : 'unknown',
    module: 'tlsdump',
    dataset: 'tlsdump.session',
    created,
  };
  if (start) event.start = start;
  if (end) event.end = end;
  if (start && end) {
    const a = isoNanos(start);
    const b = isoNanos(end);
    if (a !== undefined && b !== undefined && b >= a) event.duration = Number(b - a);
  }
  if (!established && worst && worst.severity === 'error' && typeof worst.message === 'string') event.reason = worst.message;

  const doc: EcsDocument = { '@timestamp': start ?? end ?? created, ecs: { version: ECS_VERSION }, event };

  const src = endpoint(session.client);
  const dst = endpoint(session.server);
  if (src) doc.source = { ip: src.ip, port: src.port, address: src.ip };
  if (dst) doc.destination = { ip: dst.ip, port: dst.port, address: dst.ip };
  const network: Record<string, unknown> =
    session.protocol === 'quic' || session.protocol === 'dtls'
      ? { transport: 'udp', iana_number: '17', protocol: session.protocol }
      : { transport: 'tcp', iana_number: '6', protocol: 'tls' };
  if (src) network.type = src.ip.includes(':') ? 'ipv6' : 'ipv4';
  if (facts.bytes) network.bytes = facts.bytes.c2s + facts.bytes.s2c;
  doc.network = network;

  const tls: Record<string, unknown> = {};
  const v = splitVersion(session.version);
  if (v) {
    tls.version = v.version;
    tls.version_protocol = v.protocol;
  }
  const cipher = str(session.cipher);
  if (cipher) tls.cipher = cipher;
  if (facts.curve) tls.curve = facts.curve;
  // An excerpt's session leaves these null when its rows do not show them (docs/events.md, Excerpts): not sent.
  if (session.established !== null) tls.established = established;
  if (session.resumed !== null) tls.resumed = session.resumed === true;
  if (facts.nextProtocol) tls.next_protocol = facts.nextProtocol.toLowerCase();
  const client: Record<string, unknown> = {};
  const sni = str(session.sni);
  if (sni) client.server_name = sni;
  const ja3 = str(session.ja3_hash) ?? facts.ja3;
  if (ja3) client.ja3 = ja3;
  if (facts.ciphers?.length) client.supported_ciphers = facts.ciphers;
  peerFields(facts.clientCerts, client);
  const server: Record<string, unknown> = {};
  const ja3s = str(session.ja3s_hash);
  if (ja3s) server.ja3s = ja3s;
  peerFields(facts.serverCerts, server);
  if (Object.keys(client).length) tls.client = client;
  if (Object.keys(server).length) tls.server = server;
  doc.tls = tls;

  const related: Record<string, unknown> = {};
  const ips = [src?.ip, dst?.ip].filter((x): x is string => Boolean(x));
  if (ips.length) related.ip = [...new Set(ips)];
  if (sni) related.hosts = [sni];
  const hashes = [
    ...(Array.isArray(session.server_certs) ? session.server_certs : []),
    ...(Array.isArray(session.client_certs) ? session.client_certs : []),
  ]
    .filter((h): h is string => typeof h === 'string')
    .map((h) => h.toUpperCase());
  for (const c of [facts.serverCerts?.[0], facts.clientCerts?.[0]]) if (typeof c?.sha256 === 'string') hashes.push(c.sha256.toUpperCase());
  if (ja3) hashes.push(ja3);
  if (ja3s) hashes.push(ja3s);
  if (hashes.length) related.hash = [...new Set(hashes)];
  if (Object.keys(related).length) doc.related = related;

  // The custom field set (docs/ecs.md): the verdict's facts that ECS has no field for.
  const custom: Record<string, unknown> = {
    flow: session.flow,
    history: session.history,
    end: session.end,
    client_cert_requested: session.client_cert_requested ?? null,
    client_cert_sent: session.client_cert_sent ?? null,
    server_cert_count: Array.isArray(session.server_certs) ? session.server_certs.length : 0,
    client_cert_count: Array.isArray(session.client_certs) ? session.client_certs.length : 0,
    alerts: session.alerts ?? [],
    diagnosis_codes: diagnoses.map((d) => d.code),
    diagnoses,
  };
  if (worst) custom.worst_severity = worst.severity;
  const ja4 = str(session.ja4);
  if (ja4) custom.ja4 = ja4;
  if (Array.isArray(session.alpn) && session.alpn.length) custom.alpn_offered = session.alpn;
  if (Array.isArray(session.requested_ca_names)) custom.requested_ca_names = session.requested_ca_names;
  if (facts.bytes) custom.bytes = facts.bytes;
  if (session.line !== undefined) custom.line = session.line;
  if (session.frame !== undefined) custom.frame = session.frame;
  // A time of day without a date cannot be an ECS date: it is kept here as tcpdump printed it.
  if (!start && !end && typeof (facts.start ?? session.ts) === 'string') custom.capture_time = facts.start ?? session.ts;
  doc.tlsdump = custom;
  return doc;
}

/**
 * The builder: push every event in order; a document comes out at each tls.session. Per live flow it keeps
 * only the fields above, and forgets the flow when its session is out (or, for a flow that was not TLS, at the
 * next event after its close).
 */
export class EcsDocuments {
  /** Keyed by flow number, and for UDP flows (numbered apart, docs/events.md) by `protocol:number`. */
  private readonly flows = new Map<number | string, FlowFacts>();
  private closing: number | string | undefined;

  constructor(
    private readonly out: (doc: EcsDocument) => void,
    private readonly now: () => Date = () => new Date(),
  ) {}

  push(ev: Event): void {
    const flow = typeof ev.flow !== 'number' ? undefined : typeof ev.protocol === 'string' ? `${ev.protocol}:${ev.flow}` : ev.flow;
    if (this.closing !== undefined && !(ev.type === 'tls.session' && flow === this.closing)) {
      this.flows.delete(this.closing);
      this.closing = undefined;
    }
    if (flow === undefined) return;
    if (ev.type === 'flow') {
      if (ev.event === 'open') this.flows.set(flow, { start: typeof ev.ts === 'string' ? ev.ts : undefined });
      else if (ev.event === 'close') {
        const f = this.flows.get(flow);
        if (f && ev.bytes && typeof ev.bytes === 'object') f.bytes = ev.bytes;
        this.closing = flow;
      }
      return;
    }
    const f = this.flows.get(flow);
    if (ev.type === 'tls.session') {
      this.out(ecsDocument(ev, f ?? {}, this.now()));
      this.flows.delete(flow);
      if (this.closing === flow) this.closing = undefined;
      return;
    }
    if (!f || ev.type !== 'tls.handshake') return;
    const client = ev.dir === 'c2s';
    if (isHandshake(ev, HS.client_hello) || isSslv2Message(ev, SSLV2.client_hello)) {
      if (!client) return;
      if (Array.isArray(ev.ciphers)) {
        const ids = ev.cipher_ids ?? [];
        // GREASE values (RFC 8701) are not ciphers the client supports; a suite without a name keeps its number.
        f.ciphers = ev.ciphers
          .map((n, i) => (n === 'GREASE' ? undefined : typeof n === 'string' ? n : `0x${(ids[i] ?? 0).toString(16).padStart(4, '0')}`))
          .filter((n): n is string => n !== undefined);
      }
      f.ja3 = str(ev.ja3_hash);
    } else if (isHandshake(ev, HS.server_hello) || isSslv2Message(ev, SSLV2.server_hello)) {
      if (client || ev.hello_retry_request === true) return;
      // An SSL 2.0 SERVER-HELLO carries the server's certificate itself.
      if (ev.sslv2 === true && Array.isArray(ev.certs)) f.serverCerts = ev.certs.slice(0, 1);
      for (const e of ev.extensions ?? []) {
        if (e.id === EXT.alpn && typeof e.protocols?.[0] === 'string') f.nextProtocol = e.protocols[0];
        if (e.id === EXT.key_share && typeof e.group === 'string') f.curve = e.group;
      }
    } else if (isHandshake(ev, HS.server_key_exchange)) {
      if (!client && typeof ev.named_group === 'string') f.curve = ev.named_group;
    } else if (isHandshake(ev, HS.certificate)) {
      if (Array.isArray(ev.certs)) {
        // Only the leaf is described by ECS; the session lists every certificate's hash.
        const leaf = ev.certs.slice(0, 1);
        if (client) f.clientCerts = leaf;
        else f.serverCerts = leaf;
      }
    }
  }

  end(): void {
    this.flows.clear();
    this.closing = undefined;
  }
}
