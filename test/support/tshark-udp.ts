// The facts tshark shows of each QUIC or DTLS conversation of a capture, and the same facts taken from tlsdump's
// events, in one shape to compare: SNI, ALPN, offered and chosen cipher suites, handshake message types and the
// SHA-256 of each certificate. Conversations are keyed by their address pair, so numbering does not matter.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import type { Event } from '../../lib/events.js';

export interface UdpFacts {
  sni: string[];
  alpn: string[];
  /** Each ClientHello's cipher suites (GREASE kept), as comma-joined hex, distinct. */
  offered: string[];
  chosen: string[];
  /** Handshake messages as `dir:type` (QUIC) or `dir:message_seq:type` (DTLS), distinct, sorted. */
  types: string[];
  certs: string[];
}

const FIELDS = [
  'frame.number',
  'ip.src',
  'ipv6.src',
  'udp.srcport',
  'ip.dst',
  'ipv6.dst',
  'udp.dstport',
  'dtls.handshake.type',
  'dtls.handshake.message_seq',
  'dtls.handshake.extensions_server_name',
  'dtls.handshake.ciphersuite',
  'dtls.handshake.extensions_alpn_str',
  'dtls.handshake.certificate',
  'tls.handshake.type',
  'tls.handshake.extensions_server_name',
  'tls.handshake.ciphersuite',
  'tls.handshake.extensions_alpn_str',
  'tls.handshake.certificate',
] as const;

function endpoint(ip: string, port: string): string {
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

export function pairKey(a: string, b: string): string {
  return a < b ? `${a} ${b}` : `${b} ${a}`;
}

function empty(): UdpFacts {
  return { sni: [], alpn: [], offered: [], chosen: [], types: [], certs: [] };
}

function add(list: string[], v: string): void {
  if (v && !list.includes(v)) list.push(v);
}

function finish(m: Map<string, UdpFacts>): Map<string, UdpFacts> {
  for (const f of m.values()) for (const k of Object.keys(f) as (keyof UdpFacts)[]) f[k].sort();
  return m;
}

function tshark(pcap: string, decodeAs: string[]): string {
  const args = ['-r', pcap, ...decodeAs.flatMap((d) => ['-d', d]), '-Y', 'dtls || quic', '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|'];
  return execFileSync('tshark', [...args, ...FIELDS.flatMap((f) => ['-e', f])], {
    maxBuffer: 1 << 28,
    stdio: ['ignore', 'pipe', 'ignore'],
  }).toString();
}

/** tshark's view, by address pair; `clients` names the client end of each pair (from tlsdump's flows). */
export function tsharkUdpFacts(pcap: string, clients: Map<string, string>, decodeAs: string[] = []): Map<string, UdpFacts> {
  clients = new Map(clients);
  const out = tshark(pcap, decodeAs);
  const m = new Map<string, UdpFacts>();
  for (const line of out.split('\n')) {
    if (!line) continue;
    const c = line.split('\t');
    const get = (f: (typeof FIELDS)[number]): string[] => (c[FIELDS.indexOf(f)] ?? '').split('|').filter(Boolean);
    const src = endpoint(get('ip.src')[0] ?? get('ipv6.src')[0] ?? '', get('udp.srcport')[0] ?? '');
    const dst = endpoint(get('ip.dst')[0] ?? get('ipv6.dst')[0] ?? '', get('udp.dstport')[0] ?? '');
    const key = pairKey(src, dst);
    // A pair tlsdump did not see is still listed (empty facts from the sender of its first packet on), so that
    // the comparison names it.
    if (!clients.has(key)) clients.set(key, src);
    const client = clients.get(key)!;
    const dir = src === client ? 'c2s' : 's2c';
    let f = m.get(key);
    if (!f) m.set(key, (f = empty()));
    const dtls = get('dtls.handshake.type').length > 0;
    const p = dtls ? 'dtls' : 'tls';
    // tlsdump reads no key log (yet): of QUIC it reads the Initial packets, which carry only the ClientHello and
    // ServerHello (RFC 9001 §4.1.4); what tshark decrypts with a pcapng's Decryption Secrets Blocks is left out.
    let types = get(`${p}.handshake.type` as (typeof FIELDS)[number]);
    if (!dtls) types = types.filter((t) => t === '1' || t === '2');
    const seqs = get('dtls.handshake.message_seq');
    types.forEach((t, i) => add(f!.types, dtls ? `${dir}:${seqs[i]}:${t}` : `${dir}:${t}`));
    for (const s of get(`${p}.handshake.extensions_server_name` as (typeof FIELDS)[number])) add(f.sni, s);
    for (const s of get(`${p}.handshake.extensions_alpn_str` as (typeof FIELDS)[number])) if (dir === 'c2s') add(f.alpn, s);
    const suites = get(`${p}.handshake.ciphersuite` as (typeof FIELDS)[number]).map((x) => Number(x).toString(16).padStart(4, '0'));
    if (suites.length > 0) {
      if (types.includes('1') && dir === 'c2s') add(f.offered, suites.join(','));
      else if (types.includes('2') && dir === 's2c') add(f.chosen, suites[0]!);
    }
    if (dtls)
      for (const cert of get(`${p}.handshake.certificate` as (typeof FIELDS)[number]))
        add(
          f.certs,
          createHash('sha256')
            .update(Buffer.from(cert.replace(/:/g, ''), 'hex'))
            .digest('hex'),
        );
  }
  return finish(m);
}

/** tlsdump's view of the same, from its events (all types asked for); the client of each pair in `clients`. */
export function tlsdumpUdpFacts(events: Event[]): { facts: Map<string, UdpFacts>; clients: Map<string, string> } {
  const m = new Map<string, UdpFacts>();
  const clients = new Map<string, string>();
  const keys = new Map<number, string>();
  for (const ev of events) {
    if (ev.protocol === undefined || typeof ev.flow !== 'number') continue;
    if (ev.type === 'flow' && ev.event === 'open') {
      const key = pairKey(String(ev.client), String(ev.server));
      keys.set(ev.flow, key);
      clients.set(key, String(ev.client));
      if (!m.has(key)) m.set(key, empty());
      continue;
    }
    if (ev.type !== 'tls.handshake') continue;
    const f = m.get(keys.get(ev.flow)!)!;
    add(f.types, ev.protocol === 'dtls' ? `${ev.dir}:${ev.message_seq}:${ev.msg_id}` : `${ev.dir}:${ev.msg_id}`);
    if (ev.msg === 'client_hello') {
      if (typeof ev.sni === 'string') add(f.sni, ev.sni);
      for (const a of (ev.alpn as string[]) ?? []) add(f.alpn, a);
      add(f.offered, ((ev.cipher_ids as number[]) ?? []).map((x) => x.toString(16).padStart(4, '0')).join(','));
    }
    if (ev.msg === 'server_hello' && typeof ev.cipher_id === 'number') add(f.chosen, ev.cipher_id.toString(16).padStart(4, '0'));
    if (ev.msg === 'certificate') for (const c of (ev.certs as { sha256: string }[]) ?? []) add(f.certs, c.sha256);
  }
  return { facts: finish(m), clients };
}
